import Foundation
import TensorCore

// Helpers shared by the test targets: an input source independent of the library's own
// RandomGenerator, scratch folders, and central finite differences taken in Double.

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny independent source of test inputs.
public struct SplitMix64 {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on [low, high), from the top 24 bits.
    public mutating func nextFloat(_ low: Float = -1, _ high: Float = 1) -> Float {
        low + (high - low) * Float(next() >> 40) * 0x1p-24
    }

    /// Uniform on [0, 1), from the top 53 bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A value in 0..<bound (the slight modulo bias does not matter for tests).
    public mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }

    public mutating func nextByte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}

/// Uniform values on [low, high) from SplitMix64(seed).
public func sampleTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var source = SplitMix64(state: seed)
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, values: (0..<count).map { _ in source.nextFloat(low, high) })
}

/// Σ a_i b_i in Double.
public func dot(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "dot of \(a.count) and \(b.count) values")
    return zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// Central differences (f(x + h e_j) - f(x - h e_j)) / (2h) for every element j of every
/// input; the step actually taken is measured in Double after rounding to Float.
public func numericalGradients(_ inputs: [Tensor], step: Float, _ f: ([Tensor]) -> Double) -> [[Double]] {
    inputs.indices.map { i in
        (0..<inputs[i].count).map { j in
            var plus = inputs, minus = inputs
            var up: Float = 0, down: Float = 0
            plus[i].withUnsafeMutableBufferPointer { p in p[j] += step; up = p[j] }
            minus[i].withUnsafeMutableBufferPointer { p in p[j] -= step; down = p[j] }
            return (f(plus) - f(minus)) / (Double(up) - Double(down))
        }
    }
}

/// max |analytic - numeric| / max(max |numeric|, floor): the error relative to the
/// gradient's own scale, so a missing factor or a wrong transpose shows as O(1).
public func relativeError(_ analytic: [Float], _ numeric: [Double], floor: Double = 0.05) -> Double {
    precondition(analytic.count == numeric.count, "comparing \(analytic.count) with \(numeric.count) values")
    let difference = zip(analytic, numeric).map { abs(Double($0) - $1) }.max() ?? 0
    return difference / max(numeric.map(abs).max() ?? 0, floor)
}

/// A fresh folder under the system's temporary directory, removed by `remove()`.
public struct ScratchFolder {
    public let path: String

    public init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("flowgan-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Writes `bytes` to `name` (folders created as needed) and returns the file's path.
    @discardableResult
    public func write(_ bytes: [UInt8], to name: String) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// The names of the files in the folder, sorted.
    public func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The repository's `Data` folder (MNIST ships in `Data/mnist`), found from this source
/// file's path so that tests do not depend on the working folder or on FLOWGAN_DATA.
public let repositoryDataFolder: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Data").path

/// Runs the program at `path` to completion and returns its exit status and everything
/// it wrote to standard output (gzip, sha256sum, flowgan-bench: oracles outside the library),
/// or with `readErrors` everything it wrote to standard error (its standard output then
/// discarded: the chapters' messages).
public func runProgram(_ path: String, _ arguments: [String], environment: [String: String]? = nil,
                       in folder: String? = nil, readErrors: Bool = false) throws -> (status: Int32, output: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
    let pipe = Pipe()
    if readErrors {
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
    } else {
        process.standardOutput = pipe
    }
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

/// The path of the product `name` (a chapter, flowgan-bench) that `swift build` put beside
/// this test bundle, or nil when it has not been built.
public func builtProgram(_ name: String) -> String? {
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return [here, here.deletingLastPathComponent()].map { $0.appendingPathComponent(name).path }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}
