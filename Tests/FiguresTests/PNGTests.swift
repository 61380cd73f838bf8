import Foundation
import Testing
import TestSupport
import Figures

/// PNG files through libpng: round trips, channel conversions as png.h documents them,
/// and errors (never crashes) for bad paths and bad files.
@Suite("PNG files")
struct PNGTests {
    static func randomImage(width: Int, height: Int, channels: Int, seed: UInt64) -> PixelImage {
        var random = SplitMix64(state: seed)
        return PixelImage(width: width, height: height, channels: channels,
                          pixels: (0..<(width * height * channels)).map { _ in random.nextByte() })
    }

    static func bigEndian32(_ bytes: [UInt8], at offset: Int) -> Int {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
    }

    @Test("grayscale and RGB images of odd sizes read back identical", arguments: [(7, 5, 1), (7, 5, 3), (1, 1, 1), (13, 3, 3)])
    func roundTrip(width: Int, height: Int, channels: Int) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let image = Self.randomImage(width: width, height: height, channels: channels, seed: UInt64(width * 10 + channels))
        let path = scratch.file("image.png")
        try PNGFile.write(image, to: path)
        #expect(try PNGFile.read(path, channels: channels) == image)
        // The file itself, by the PNG specification: signature, then IHDR with width,
        // height, bit depth 8 and colour type 0 (gray) or 2 (RGB).
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        #expect(String(decoding: bytes[12..<16], as: UTF8.self) == "IHDR")
        #expect(Self.bigEndian32(bytes, at: 16) == width && Self.bigEndian32(bytes, at: 20) == height)
        #expect(bytes[24] == 8)
        #expect(bytes[25] == (channels == 1 ? 0 : 2))
        // Written atomically: nothing but the image is left.
        #expect(try scratch.contents() == ["image.png"])
    }

    @Test("a grayscale file read as RGB replicates the gray value into all three channels")
    func grayToRGB() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let gray = Self.randomImage(width: 7, height: 5, channels: 1, seed: 21)
        let path = scratch.file("gray.png")
        try PNGFile.write(gray, to: path)
        let rgb = try PNGFile.read(path, channels: 3)
        #expect(rgb.width == 7 && rgb.height == 5 && rgb.channels == 3)
        #expect(rgb.pixels == gray.pixels.flatMap { [$0, $0, $0] })
    }

    /// libpng's documented RGB-to-gray conversion: Y = 0.2126 R + 0.7152 G + 0.0722 B in
    /// linear light (png_set_rgb_to_gray, "PNG_RGB_TO_GRAY_DEFAULT"). The simplified API runs
    /// it through libpng's gamma tables, which use the power law of PNG_GAMMA_sRGB (2.2),
    /// not the exact sRGB curve, and 8-bit intermediate values.
    static func libpngGray(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Double {
        func linear(_ c: UInt8) -> Double { Foundation.pow(Double(c) / 255, 2.2) }
        return 255 * Foundation.pow(0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b), 1 / 2.2)
    }

    @Test("an RGB file read as grayscale gives its luminance in linear light (Rec. 709 weights)")
    func rgbToGray() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // Gray colours first (R = G = B must stay as they are), then random colours.
        var pixels: [UInt8] = [0, 0, 0, 255, 255, 255, 128, 128, 128, 37, 37, 37, 200, 200, 200]
        var random = SplitMix64(state: 33)
        while pixels.count < 7 * 5 * 3 { pixels.append(random.nextByte()) }
        let rgb = PixelImage(width: 7, height: 5, channels: 3, pixels: pixels)
        let path = scratch.file("rgb.png")
        try PNGFile.write(rgb, to: path)
        let gray = try PNGFile.read(path, channels: 1)
        #expect(gray.width == 7 && gray.height == 5 && gray.channels == 1)
        for k in 0..<5 {
            #expect(abs(Int(gray.pixels[k]) - Int(pixels[3 * k])) <= 1, "gray \(pixels[3 * k]) -> \(gray.pixels[k])")
        }
        for k in 5..<35 {
            let (r, g, b) = (pixels[3 * k], pixels[3 * k + 1], pixels[3 * k + 2])
            // 1.5 levels: the 8-bit gamma tables' rounding (the exact sRGB curve would be off by up to 3).
            #expect(abs(Double(gray.pixels[k]) - Self.libpngGray(r, g, b)) <= 1.5,
                    "(\(r), \(g), \(b)) -> \(gray.pixels[k]), expected \(Self.libpngGray(r, g, b))")
            // And never far from the exact sRGB luminance.
            #expect(abs(Double(gray.pixels[k]) - sRGBFromLinear(luminance(r, g, b))) <= 4)
        }
    }

    @Test("writing into a folder that does not exist throws")
    func writeToMissingFolder() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("no/such/folder/image.png")
        let error = figureError { try PNGFile.write(PixelImage(width: 3, height: 2, channels: 1, fill: 9), to: path) }
        #expect(error?.description.contains("no/such/folder/image.png") == true)
        #expect(try scratch.contents() == [])
    }

    @Test("an image with no pixels is refused with an error")
    func emptyImage() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("empty.png")
        _ = figureError { try PNGFile.write(PixelImage(width: 0, height: 0, channels: 3), to: path) }
        #expect(try scratch.contents() == [])
    }

    @Test("reading a missing file, a non-PNG or a truncated PNG throws FigureError")
    func badFiles() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        _ = figureError { _ = try PNGFile.read(scratch.file("missing.png"), channels: 1) }

        let text = scratch.file("text.png")
        try Data("this is not a PNG file\n".utf8).write(to: URL(fileURLWithPath: text))
        _ = figureError { _ = try PNGFile.read(text, channels: 3) }

        let empty = scratch.file("empty.png")
        try Data().write(to: URL(fileURLWithPath: empty))
        _ = figureError { _ = try PNGFile.read(empty, channels: 1) }

        let good = scratch.file("good.png")
        try PNGFile.write(Self.randomImage(width: 40, height: 30, channels: 3, seed: 5), to: good)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        // Cut inside the image data, inside the last CRC of the image data, inside the
        // signature and inside IHDR. (A file missing only its final IEND chunk still reads:
        // its pixels are all there, and libpng does not insist on the end marker.)
        for cut in [bytes.count / 2, bytes.count - 13, 8, 20] {
            let truncated = scratch.file("cut-\(cut).png")
            try Data(bytes.prefix(cut)).write(to: URL(fileURLWithPath: truncated))
            _ = figureError { _ = try PNGFile.read(truncated, channels: 3) }
        }
    }

    @Test("random mutations of a PNG read or throw FigureError, never crash")
    func mutationsNeverCrash() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let good = scratch.file("good.png")
        try PNGFile.write(Self.randomImage(width: 9, height: 7, channels: 3, seed: 8), to: good)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        var random = SplitMix64(state: 99)
        var errors = 0
        for index in 0..<200 {
            var copy = bytes
            switch random.next(below: 3) {
            case 0: copy[random.next(below: copy.count)] ^= UInt8(1) << UInt8(random.next(below: 8))
            case 1: copy[random.next(below: copy.count)] = random.nextByte()
            default: copy.removeSubrange(random.next(below: copy.count)...)
            }
            let path = scratch.file("mutant-\(index).png")
            try Data(copy).write(to: URL(fileURLWithPath: path))
            do {
                let image = try PNGFile.read(path, channels: index % 2 == 0 ? 3 : 1)
                #expect(image.pixels.count == image.width * image.height * image.channels)
            } catch is FigureError {
                errors += 1
            } catch {
                Issue.record("mutant \(index): \(error) is not a FigureError")
            }
        }
        // PNG chunks carry CRCs, so nearly every change is caught.
        #expect(errors > 150)
    }
}
