import Foundation
import Testing
import TestSupport
import Course
import TensorCore

/// A chapter's results file, written from a typed value: the run's record beside the
/// chapter's numbers, sorted keys at every level, numbers that read back unchanged, NaN
/// and infinities as strings, and an atomic write.
@Suite("Results files")
struct ResultsFileTests {
    struct Settings: Codable { var hidden = 8 }

    struct Sample: Codable {
        var testBitsPerDim = 1.2345678901234567
        var epochs = 30
        var learningRate: Float = 1e-4
        var sum = 0.1 + 0.2
        var tiny = Double.leastNonzeroMagnitude
        var huge = Double.greatestFiniteMagnitude
        var aNan = Double.nan
        var bPlusInfinity = Double.infinity
        var cMinusInfinity = -Float.infinity
        var dataset = "mnist"
        var perEpoch: [Double] = [3.5, .nan, 2.25]
        var nested = Nested()

        struct Nested: Codable { var z = 1.5; var a = Float.nan; var m = [1, 2, 3] }
    }

    static func write(_ sample: Sample = Sample(), to path: String) throws {
        try writeResults(sample, settings: Settings(), preset: "quick", seed: 7, to: path)
    }

    /// Equal to within one unit in the last place: Foundation's JSON reader on Linux
    /// (swift-corelibs-foundation) can miss the last bit of a 17-digit number even when the
    /// text is exact, so values read through it are compared to one ulp; the text itself is
    /// checked digit for digit in `exactDigits`.
    static func close(_ a: Any?, _ b: Double) -> Bool {
        guard let a = a as? Double else { return false }
        return abs(a - b) <= b.ulp
    }

    @Test("the JSON reads back with the same numbers; NaN and infinities become strings; the run's record is beside them")
    func roundTrip() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("ch01-results.json")
        try Self.write(to: path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(object.count == 17)       // the 12 numbers above, and the BLAS core, its origin, seed, preset, settings
        #expect(object["blas_core"] as? String == BLASInfo.core)
        #expect(object["blas_core_origin"] as? String == BLASInfo.origin.rawValue)
        #expect(object["seed"] as? Int == 7 && object["preset"] as? String == "quick")
        #expect((object["chapter_settings"] as? [String: Any])?["hidden"] as? Int == 8)
        #expect(Self.close(object["test_bits_per_dim"], 1.2345678901234567))
        #expect(object["epochs"] as? Int == 30)
        #expect(Self.close(object["sum"], 0.1 + 0.2))
        #expect(object["tiny"] as? Double == Double.leastNonzeroMagnitude)
        #expect(object["huge"] as? Double == Double.greatestFiniteMagnitude)
        #expect(object["a_nan"] as? String == "NaN")
        #expect(object["b_plus_infinity"] as? String == "Infinity")
        #expect(object["c_minus_infinity"] as? String == "-Infinity")
        #expect(object["dataset"] as? String == "mnist")
        let perEpoch = try #require(object["per_epoch"] as? [Any])
        #expect(perEpoch.count == 3 && perEpoch[0] as? Double == 3.5 && perEpoch[1] as? String == "NaN" && perEpoch[2] as? Double == 2.25)
        let nested = try #require(object["nested"] as? [String: Any])
        #expect(nested["z"] as? Double == 1.5 && nested["a"] as? String == "NaN" && nested["m"] as? [Int] == [1, 2, 3])
        // The same type reads it back.
        let read = try readResults(Sample.self, from: path)
        #expect(read.testBitsPerDim == 1.2345678901234567 && read.learningRate == 1e-4 && read.aNan.isNaN)
        #expect(read.cMinusInfinity == -.infinity && read.perEpoch[1].isNaN && read.nested.m == [1, 2, 3])
    }

    @Test("numbers are written with digits that give back the same value")
    func exactDigits() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("results.json")
        try Self.write(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        func number(_ key: String) -> Double? {
            guard let range = text.range(of: "\"\(key)\" : ") else { return nil }
            return Double(text[range.upperBound...].prefix { "0123456789.eE+-".contains($0) })
        }
        #expect(number("test_bits_per_dim") == 1.2345678901234567)
        #expect(number("sum") == 0.1 + 0.2)
        #expect(number("learning_rate").map(Float.init) == Float(1e-4))
        #expect(number("tiny") == Double.leastNonzeroMagnitude)
        #expect(number("huge") == Double.greatestFiniteMagnitude)
        #expect(number("epochs") == 30)
    }

    @Test("keys are written in sorted order, at every level")
    func sortedKeys() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("results.json")
        try Self.write(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("}\n"))
        let keys = ["a_nan", "b_plus_infinity", "blas_core", "c_minus_infinity", "chapter_settings", "dataset", "epochs", "huge",
                    "learning_rate", "nested", "per_epoch", "preset", "seed", "sum", "test_bits_per_dim", "tiny"]
        let found = keys.compactMap { text.range(of: "\"\($0)\"")?.lowerBound }
        #expect(found.count == keys.count && found == found.sorted(), "top-level keys missing or out of order")
        let nested = ["\"a\"", "\"m\"", "\"z\""].compactMap { text.range(of: $0)?.lowerBound }
        #expect(nested.count == 3 && nested == nested.sorted(), "nested keys out of order")
    }

    @Test("the write is atomic: it replaces an existing file and leaves no .partial behind")
    func atomic() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("results.json")
        try Data("old contents".utf8).write(to: URL(fileURLWithPath: path))
        try Self.write(to: path)
        #expect(try scratch.contents() == ["results.json"])
        #expect(try readResults(Sample.self, from: path).epochs == 30)
        // Into a folder that does not exist: an error, and nothing written.
        #expect(throws: (any Error).self) { try Self.write(to: scratch.file("missing/results.json")) }
        #expect(try scratch.contents() == ["results.json"])
    }
}
