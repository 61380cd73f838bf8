import Foundation
import Testing
import Figures

// Helpers shared by the figure tests: a scratch folder per test and an independent
// source of test pixels.

/// A fresh folder under the system's temporary directory, removed by `remove()`.
struct ScratchFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("flowgan-figures-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// The names of the files in the folder, sorted.
    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// SplitMix64 (Steele, Lea, Flood 2014).
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func nextByte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}

/// Runs `body` and returns the FigureError it throws; records an issue when it returns
/// or throws anything else.
func figureError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> FigureError? {
    do {
        try body()
        Issue.record("expected a FigureError, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as FigureError {
        return error
    } catch {
        Issue.record("expected a FigureError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// sRGB byte -> linear light, by the sRGB specification (IEC 61966-2-1).
func linearFromSRGB(_ byte: UInt8) -> Double {
    let c = Double(byte) / 255
    return c <= 0.04045 ? c / 12.92 : Foundation.pow((c + 0.055) / 1.055, 2.4)
}

/// Linear light -> sRGB byte.
func sRGBFromLinear(_ v: Double) -> Double {
    let c = v <= 0.0031308 ? 12.92 * v : 1.055 * Foundation.pow(v, 1 / 2.4) - 0.055
    return c * 255
}

/// Relative luminance Y of an sRGB colour (Rec. 709 primaries, D65).
func luminance(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Double {
    0.2126 * linearFromSRGB(r) + 0.7152 * linearFromSRGB(g) + 0.0722 * linearFromSRGB(b)
}

/// CIELAB lightness L* of a luminance Y relative to white.
func lightness(_ y: Double) -> Double {
    let epsilon = 216.0 / 24389   // (6/29)³
    return y > epsilon ? 116 * Foundation.cbrt(y) - 16 : 24389.0 / 27 * y
}
