import Foundation

/// A perceptually ordered colormap for densities: CIELAB lightness rises linearly from
/// dark to light (L* 12 -> 96) while the hue turns from violet through blue and green to
/// yellow at moderate chroma. Equal steps in value are equal steps in perceived
/// lightness, so a heatmap reads correctly even in grayscale. Colours are converted
/// from CIELAB (D65 white) to sRGB, with the chroma lowered where needed to stay in gamut.
public enum Colormap {
    /// 256 sRGB colours, computed once.
    public static let table: [(UInt8, UInt8, UInt8)] = (0..<256).map { color(Double($0) / 255) }

    /// The colour of a value in [0, 1] (values outside are clamped).
    public static func rgb(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let clamped = t.isNaN ? 0 : min(max(t, 0), 1)
        return table[Int((clamped * 255).rounded())]
    }

    static func color(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let lightness = 12 + 84 * t
        let hue = (300 - 200 * t) * Double.pi / 180          // violet (300°) to yellow (100°)
        let wanted = 45 * Foundation.sin(Double.pi * (0.15 + 0.85 * t)) + 15
        // Clipping an out-of-gamut colour channel by channel would change its lightness;
        // instead the chroma is reduced (by bisection) until the colour fits sRGB.
        var (low, high) = (0.0, wanted)
        if !inGamut(linearRGB(lightness, wanted, hue)) {
            for _ in 0..<40 {
                let mid = (low + high) / 2
                if inGamut(linearRGB(lightness, mid, hue)) { low = mid } else { high = mid }
            }
        } else {
            low = wanted
        }
        let encoded = linearRGB(lightness, low, hue).map { c -> UInt8 in
            let v = min(max(c, 0), 1)
            let s = v <= 0.0031308 ? 12.92 * v : 1.055 * Foundation.pow(v, 1 / 2.4) - 0.055
            return UInt8((s * 255).rounded())
        }
        return (encoded[0], encoded[1], encoded[2])
    }

    static func inGamut(_ rgb: [Double]) -> Bool { rgb.allSatisfy { $0 >= 0 && $0 <= 1 } }

    /// CIELAB (D65 white) in polar form, L* C* h, to linear sRGB.
    static func linearRGB(_ lightness: Double, _ chroma: Double, _ hue: Double) -> [Double] {
        let a = chroma * Foundation.cos(hue), b = chroma * Foundation.sin(hue)
        let fy = (lightness + 16) / 116, fx = fy + a / 500, fz = fy - b / 200
        func inverse(_ f: Double) -> Double { f > 6.0 / 29 ? f * f * f : 3 * (6.0 / 29) * (6.0 / 29) * (f - 4.0 / 29) }
        let x = 0.95047 * inverse(fx), y = inverse(fy), z = 1.08883 * inverse(fz)
        return [3.2406 * x - 1.5372 * y - 0.4986 * z,
                -0.9689 * x + 1.8758 * y + 0.0415 * z,
                0.0557 * x - 0.2040 * y + 1.0570 * z]
    }

    /// The colormap as a gnuplot palette definition, so gnuplot heatmaps match.
    public static var gnuplotPalette: String {
        let stops = stride(from: 0, through: 255, by: 15).map { i -> String in
            let (r, g, b) = table[i]
            return String(format: "%.3f %.4f %.4f %.4f", Double(i) / 255, Double(r) / 255, Double(g) / 255, Double(b) / 255)
        }
        return "set palette defined (" + stops.joined(separator: ", ") + ")"
    }
}
