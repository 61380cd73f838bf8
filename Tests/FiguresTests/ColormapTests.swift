import Foundation
import Testing
import TestSupport
import Figures

/// The density colormap is perceptually ordered: its CIELAB lightness, computed here from
/// the sRGB bytes alone, rises along the table.
@Suite("Colormap")
struct ColormapTests {
    static func lightnessOf(_ c: (UInt8, UInt8, UInt8)) -> Double { lightness(luminance(c.0, c.1, c.2)) }

    @Test("CIELAB lightness rises strictly along the table (every 8th entry)")
    func lightnessIncreases() {
        #expect(Colormap.table.count == 256)
        let indices = Array(stride(from: 0, to: 256, by: 8)) + [255]
        let values = indices.map { Self.lightnessOf(Colormap.table[$0]) }
        for k in 1..<values.count {
            #expect(values[k] > values[k - 1],
                    "L* \(values[k - 1]) at entry \(indices[k - 1]) then \(values[k]) at entry \(indices[k])")
        }
        // From dark to light as documented (L* 12 -> 96), within a few units of gamut clipping.
        #expect(abs(values.first! - 12) < 4, "L* of entry 0: \(values.first!)")
        #expect(abs(values.last! - 96) < 4, "L* of entry 255: \(values.last!)")
    }

    /// The doc comment's promise: L* = 12 + 84 t, so equal steps in value are equal steps
    /// in lightness. Two units of L* (about one just-noticeable difference) are allowed
    /// for the rounding to bytes and a little gamut clipping.
    @Test("lightness is linear in the value, as documented (equal steps look equal)")
    func lightnessLinear() {
        for index in stride(from: 0, to: 256, by: 17) {
            let expected = 12 + 84 * Double(index) / 255
            let actual = Self.lightnessOf(Colormap.table[index])
            #expect(abs(actual - expected) < 2, "entry \(index): L* \(actual), documented \(expected)")
        }
    }

    @Test("values outside [0, 1] and NaN are clamped")
    func clamping() {
        func same(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Bool { a == b }
        #expect(same(Colormap.rgb(-3), Colormap.table[0]))
        #expect(same(Colormap.rgb(.nan), Colormap.table[0]))
        #expect(same(Colormap.rgb(7), Colormap.table[255]))
        #expect(same(Colormap.rgb(.infinity), Colormap.table[255]))
        #expect(same(Colormap.rgb(0.5), Colormap.table[128]))   // 127.5 rounds up
        #expect(same(Colormap.rgb(1.0 / 255), Colormap.table[1]))
    }

    @Test("the gnuplot palette lists every 15th colour as fractions of 255")
    func gnuplotPalette() throws {
        let palette = Colormap.gnuplotPalette
        #expect(palette.hasPrefix("set palette defined (") && palette.hasSuffix(")"))
        let stops = palette.dropFirst("set palette defined (".count).dropLast()
            .split(separator: ",").map { $0.split(separator: " ").compactMap { Double($0) } }
        #expect(stops.count == 18)
        let last = try #require(stops.last)
        let (r, g, b) = Colormap.table[255]
        #expect(last.count == 4)
        #expect(last[0] == 1)
        #expect(abs(last[1] - Double(r) / 255) < 1e-4 && abs(last[2] - Double(g) / 255) < 1e-4
                && abs(last[3] - Double(b) / 255) < 1e-4)
    }
}
