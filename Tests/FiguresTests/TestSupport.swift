import Foundation
import TestSupport
import Testing
import Figures

// Helpers shared by the figure tests: a scratch folder per test and an independent
// source of test pixels.

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
