import Foundation
import Testing
import TestSupport
import Figures
import TensorCore

/// A chapter's results file: sorted keys, numbers that read back unchanged, NaN and
/// infinities as strings, and an atomic write.
@Suite("Results files")
struct ResultsFileTests {
    static func sample() -> ResultsFile {
        var results = ResultsFile()
        results["test_bits_per_dim"] = 1.2345678901234567
        results["epochs"] = 30
        results["learning_rate"] = Float(1e-4)
        results["sum"] = 0.1 + 0.2
        results["tiny"] = Double.leastNonzeroMagnitude
        results["huge"] = Double.greatestFiniteMagnitude
        results["a_nan"] = Double.nan
        results["b_plus_infinity"] = Double.infinity
        results["c_minus_infinity"] = -Float.infinity
        results["dataset"] = "mnist"
        // Typed collections, as a chapter stores its curves.
        results["per_epoch"] = [3.5, Double.nan, 2.25] as [Double]
        results["float_curve"] = [0.5, Float.infinity] as [Float]
        results["nested"] = ["z": 1.5, "a": Float.nan, "m": [1, 2, 3]] as [String: Any]
        return results
    }

    /// Equal to within `ulps` units in the last place. Foundation's JSON reader on Linux
    /// (swift-corelibs-foundation) can miss the last bit of a 17-digit number even when the
    /// text is exact, so values read through it are compared to one ulp; the text itself is
    /// checked digit for digit in `exactDigits`.
    static func close(_ a: Any?, _ b: Double, ulps: Double = 1) -> Bool {
        guard let a = a as? Double else { return false }
        return abs(a - b) <= ulps * b.ulp
    }

    @Test("the JSON reads back with the same numbers; NaN and infinities become strings")
    func roundTrip() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("ch01-results.json")
        try Self.sample().write(to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object.count == 15)       // the 13 entries above, and the BLAS core and its origin
        #expect(object["blas_core"] as? String == BLASInfo.core)
        #expect(object["blas_core_origin"] as? String == BLASInfo.origin.rawValue)
        #expect(Self.close(object["test_bits_per_dim"], 1.2345678901234567))
        #expect(object["epochs"] as? Int == 30)
        #expect(object["learning_rate"] as? Double == Double(Float(1e-4)))
        #expect(Self.close(object["sum"], 0.1 + 0.2))
        #expect(object["tiny"] as? Double == Double.leastNonzeroMagnitude)
        #expect(object["huge"] as? Double == Double.greatestFiniteMagnitude)
        #expect(object["a_nan"] as? String == "NaN")
        #expect(object["b_plus_infinity"] as? String == "Infinity")
        #expect(object["c_minus_infinity"] as? String == "-Infinity")
        #expect(object["dataset"] as? String == "mnist")
        let perEpoch = try #require(object["per_epoch"] as? [Any])
        #expect(perEpoch.count == 3)
        #expect(perEpoch[0] as? Double == 3.5 && perEpoch[1] as? String == "NaN" && perEpoch[2] as? Double == 2.25)
        let floatCurve = try #require(object["float_curve"] as? [Any])
        #expect(floatCurve.count == 2 && floatCurve[0] as? Double == 0.5 && floatCurve[1] as? String == "Infinity")
        let nested = try #require(object["nested"] as? [String: Any])
        #expect(nested["z"] as? Double == 1.5)
        #expect(nested["a"] as? String == "NaN")
        #expect(nested["m"] as? [Int] == [1, 2, 3])
    }

    @Test("numbers are written with the shortest digits that give back the same Double")
    func exactDigits() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("results.json")
        try Self.sample().write(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        func number(_ key: String) -> Double? {
            guard let range = text.range(of: "\"\(key)\" : ") else { return nil }
            let digits = text[range.upperBound...].prefix { "0123456789.eE+-".contains($0) }
            return Double(digits)
        }
        #expect(number("test_bits_per_dim") == 1.2345678901234567)
        #expect(number("sum") == 0.1 + 0.2)
        #expect(number("learning_rate") == Double(Float(1e-4)))
        #expect(number("tiny") == Double.leastNonzeroMagnitude)
        #expect(number("huge") == Double.greatestFiniteMagnitude)
        #expect(number("epochs") == 30)
    }

    @Test("keys are written in sorted order, at every level")
    func sortedKeys() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("results.json")
        try Self.sample().write(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("}\n"))
        let keys = ["a_nan", "b_plus_infinity", "c_minus_infinity", "dataset", "epochs", "float_curve", "huge",
                    "learning_rate", "nested", "per_epoch", "sum", "test_bits_per_dim", "tiny"]
        let positions = keys.map { text.range(of: "\"\($0)\"")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        let found = positions.compactMap { $0 }
        #expect(found == found.sorted(), "top-level keys out of order")
        let nested = ["\"a\"", "\"m\"", "\"z\""].compactMap { text.range(of: $0)?.lowerBound }
        #expect(nested.count == 3 && nested == nested.sorted(), "nested keys out of order")
    }

    @Test("the write is atomic: it replaces an existing file and leaves no .partial behind")
    func atomic() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("results.json")
        try Data("old contents".utf8).write(to: URL(fileURLWithPath: path))
        var results = ResultsFile()
        results["value"] = 2.5
        try results.write(to: path)
        #expect(try scratch.contents() == ["results.json"])
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        #expect(object?["value"] as? Double == 2.5)
        // Into a folder that does not exist: an error, and nothing written.
        let error = figureError { try results.write(to: scratch.file("missing/results.json")) }
        #expect(error != nil)
        #expect(try scratch.contents() == ["results.json"])
    }
}
