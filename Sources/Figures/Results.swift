import Foundation
import TensorCore

/// A chapter's results file (`chNN-results.json`): the numbers the book quotes, written
/// with sorted keys so that reruns give comparable files, atomically.
public struct ResultsFile {
    public private(set) var entries: [String: Any] = [:]

    /// A results file that starts with the OpenBLAS core the run used and how it was
    /// chosen, since the last digits of every number depend on the kernels.
    public init() {
        entries["blas_core"] = BLASInfo.core
        entries["blas_core_origin"] = BLASInfo.origin.rawValue
    }

    public subscript(key: String) -> Any? {
        get { entries[key] }
        set { entries[key] = newValue }
    }

    public func write(to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: ResultsFile.sanitise(entries),
                                              options: [.prettyPrinted, .sortedKeys])
        try writeTextFile(String(decoding: data, as: UTF8.self) + "\n", to: path)
    }

    /// JSON has no NaN or infinity: they are written as strings, and Floats as Doubles.
    static func sanitise(_ value: Any) -> Any {
        switch value {
        case let d as [String: Any]: return d.mapValues(sanitise)
        case let a as [Any]: return a.map(sanitise)
        case let f as Float: return sanitise(Double(f))
        // A seed may use all 64 bits; beyond Int's range it is written as a string.
        case let u as UInt64: return u <= UInt64(Int.max) ? Int(u) : String(u)
        case let x as Double: return x.isFinite ? x : (x.isNaN ? "NaN" : (x > 0 ? "Infinity" : "-Infinity"))
        default: return value
        }
    }
}
