import Testing
import TestSupport
import TensorCore
import Figures

/// Image grids and heatmaps, checked pixel by pixel against layouts drawn by hand.
@Suite("Image figures")
struct ImageFigureTests {
    @Test("grid: a hand-drawn 7 x 5 layout of three 1 x 2 gray images in two columns")
    func grayGrid() {
        // Image 0: [0, 1]; image 1: [0.25, 0.2] -> 63.75 and 51 round to 64 and 51;
        // image 2: [1.5, -0.5], clamped to 255 and 0. The empty fourth cell stays gray.
        let images = Tensor(shape: [3, 1, 1, 2], values: [0, 1, 0.25, 0.2, 1.5, -0.5])
        let grid = ImageFigures.grid(images, columns: 2)
        let B: UInt8 = 128
        let expected: [UInt8] = [
            B, B,   B,   B, B,  B,  B,
            B, 0,   255, B, 64, 51, B,
            B, B,   B,   B, B,  B,  B,
            B, 255, 0,   B, B,  B,  B,
            B, B,   B,   B, B,  B,  B,
        ]
        #expect(grid.width == 7 && grid.height == 5 && grid.channels == 1)
        #expect(grid.pixels == expected)
    }

    @Test("grid: RGB images magnified 2x with a 2-pixel border land at their offsets")
    func rgbGrid() {
        // Two 2 x 1 RGB images in one column: cells are (1·2 + 2) wide and (2·2 + 2) high,
        // so the grid is 4 + 2 = 6 wide and 2·6 + 2 = 14 high. Image k covers rows
        // 2 + 6k ..< 6 + 6k and columns 2 ..< 4; its row i is pixel rows 2i, 2i + 1 of that block.
        let values: [Float] = [
            // image 0: R plane (2 rows), G plane, B plane
            0.0, 1.0,   0.2, 0.4,   0.6, 0.8,
            // image 1
            1.0, 0.0,   0.4, 0.2,   0.8, 0.6,
        ]
        let grid = ImageFigures.grid(Tensor(shape: [2, 3, 2, 1], values: values), columns: 1, border: 2, scale: 2)
        #expect(grid.width == 6 && grid.height == 14 && grid.channels == 3)
        func byte(_ v: Float) -> UInt8 { UInt8((v * 255).rounded()) }
        for y in 0..<14 {
            for x in 0..<6 {
                let pixel = Array(grid.pixels[((y * 6 + x) * 3)..<((y * 6 + x) * 3 + 3)])
                var expected: [UInt8] = [128, 128, 128]
                for k in 0..<2 where (2 + 6 * k)..<(6 + 6 * k) ~= y && (2..<4) ~= x {
                    let row = (y - 2 - 6 * k) / 2
                    expected = (0..<3).map { c in byte(values[k * 6 + c * 2 + row]) }
                }
                #expect(pixel == expected, "pixel (\(x), \(y))")
            }
        }
        // Spot checks written out: image 1, green, row 1 is 0.2 -> 51 at pixel rows 10, 11.
        #expect(grid.pixels[((11 * 6 + 3) * 3) + 1] == 51)
        #expect(grid.pixels[((1 * 6 + 3) * 3) + 1] == 128)
    }

    @Test("heatmap: the minimum maps to the colormap's first colour and the maximum to its last")
    func heatmapEnds() {
        // 2 x 3, minimum -2 at (1, 2), maximum 5 at (0, 1), midpoint 1.5 at (1, 0), a NaN at (0, 2).
        let values = Tensor(shape: [2, 3], values: [0, 5, .nan, 1.5, 3, -2])
        let image = ImageFigures.heatmap(values, scale: 2)
        #expect(image.width == 6 && image.height == 4 && image.channels == 3)
        func color(row: Int, column: Int) -> [UInt8] {
            let o = (row * image.width + column) * 3
            return Array(image.pixels[o..<(o + 3)])
        }
        func rgb(_ t: Double) -> [UInt8] { let c = Colormap.rgb(t); return [c.0, c.1, c.2] }
        // Value (i, j) covers pixels rows 2i, 2i+1 and columns 2j, 2j+1; row 0 on top.
        for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            #expect(color(row: 2 + dy, column: 4 + dx) == rgb(0))      // -2, the minimum
            #expect(color(row: dy, column: 2 + dx) == rgb(1))          // 5, the maximum
            #expect(color(row: 2 + dy, column: dx) == rgb(0.5))        // 1.5, halfway
            #expect(color(row: dy, column: 4 + dx) == rgb(0))          // NaN, drawn as the low end
        }
        #expect(color(row: 0, column: 0) == rgb(2.0 / 7))
        #expect(rgb(0) != rgb(1))
        // An explicit range clamps values outside it.
        let clamped = ImageFigures.heatmap(values, range: 0...1)
        #expect(Array(clamped.pixels[3..<6]) == rgb(1))                 // 5 > 1
        #expect(Array(clamped.pixels[15..<18]) == rgb(0))               // -2 < 0
    }

    @Test("sideBySide: images left to right on white, gap pixels apart, top-aligned")
    func sideBySide() {
        let a = PixelImage(width: 2, height: 1, channels: 3, pixels: [1, 2, 3, 4, 5, 6])
        let b = PixelImage(width: 1, height: 2, channels: 3, pixels: [7, 8, 9, 10, 11, 12])
        let canvas = ImageFigures.sideBySide([a, b], gap: 1)
        let W: [UInt8] = [255, 255, 255]
        #expect(canvas.width == 4 && canvas.height == 2 && canvas.channels == 3)
        #expect(canvas.pixels == [1, 2, 3] + [4, 5, 6] + W + [7, 8, 9]
                               + W + W + W + [10, 11, 12])
    }
}
