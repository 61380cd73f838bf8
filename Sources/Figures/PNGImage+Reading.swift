import Foundation
import CPNG

/// What a PNG from outside the course held before it was read: its size and libpng's
/// description of its pixels, so that a program can say what it converted.
public struct DecodedPNG {
    public let image: PixelImage
    /// Whether the file stores colour (RGB or a palette) rather than grey levels.
    public let isColour: Bool
    /// Whether the file stores transparency (an alpha channel or tRNS), composited onto
    /// `background` when read.
    public let hasAlpha: Bool
}

extension PNGFile {
    /// The largest image `readChecked` accepts: 4096x4096 pixels (16 MB as grey levels).
    public static let maximumPixels = 4096 * 4096

    /// Reads a PNG that a user hands in (any size, grey or colour) as `channels` channels,
    /// refusing a file it should not trust before allocating anything for its pixels:
    ///
    /// - not a PNG: an empty file, or one whose first 8 bytes are not the PNG signature;
    /// - a damaged or truncated PNG (libpng's own message, through its simplified API);
    /// - a header claiming fewer than `minimumSide` pixels on a side (too small to hold
    ///   what the caller wants from it), or more than `maximumPixels` pixels in all; the
    ///   product width x height is taken in 64-bit integers, so a header of 100000x100000
    ///   is refused, not allocated.
    ///
    /// Transparent pixels are composited onto the grey level `background` (255: white
    /// paper), so that dark ink drawn on a transparent layer stays dark ink on light.
    /// Every failure is a `FigureError` whose text names the file and what is wrong.
    public static func readChecked(_ path: String, channels: Int, minimumSide: Int = 1,
                                   maximumPixels: Int = PNGFile.maximumPixels, background: UInt8 = 255) throws -> DecodedPNG {
        precondition(channels == 1 || channels == 3, "read as 1 or 3 channels")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw FigureError.io(path: path, message: "no such file")
        }
        guard !isFolder.boolValue else { throw FigureError.io(path: path, message: "is a folder, not a PNG image") }
        try checkSignature(path)

        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&png) }
        guard png_image_begin_read_from_file(&png, path) != 0 else {
            throw FigureError.png(path: path, message: "damaged or truncated PNG (\(libpngMessage(of: &png)))")
        }
        let width = Int(png.width), height = Int(png.height)
        guard width >= minimumSide && height >= minimumSide else {
            throw FigureError.png(path: path, message: "\(width)x\(height) pixels is too small (at least \(minimumSide)x\(minimumSide))")
        }
        guard width * height <= maximumPixels else {
            throw FigureError.png(path: path, message: "its header claims \(width)x\(height) pixels, more than the "
                                  + "\(maximumPixels) (4096x4096) this reader accepts")
        }
        let isColour = png.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let hasAlpha = png.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        png.format = channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        var pixels = [UInt8](repeating: background, count: width * height * channels)
        // For grey output libpng composites onto the background's green channel.
        var paper = png_color(red: background, green: background, blue: background)
        let ok = pixels.withUnsafeMutableBytes { bytes in
            png_image_finish_read(&png, &paper, bytes.baseAddress, Int32(width * channels), nil)
        }
        guard ok != 0 else { throw FigureError.png(path: path, message: "damaged or truncated PNG (\(libpngMessage(of: &png)))") }
        return DecodedPNG(image: PixelImage(width: width, height: height, channels: channels, pixels: pixels),
                          isColour: isColour, hasAlpha: hasAlpha)
    }

    /// Throws unless the file starts with the 8-byte PNG signature 89 50 4E 47 0D 0A 1A 0A.
    private static func checkSignature(_ path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FigureError.io(path: path, message: "cannot be opened for reading")
        }
        defer { try? handle.close() }
        let start = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        guard !start.isEmpty else { throw FigureError.png(path: path, message: "empty file (0 bytes), not a PNG image") }
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard start == signature else {
            let isCutShort = start.count < 8 && start[...] == signature.prefix(start.count)
            throw FigureError.png(path: path, message: isCutShort ? "truncated PNG (\(start.count) bytes, not even its signature)"
                                                                  : "not a PNG image (it does not start with the PNG signature)")
        }
    }

    private static func libpngMessage(of png: inout png_image) -> String {
        withUnsafeBytes(of: &png.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
