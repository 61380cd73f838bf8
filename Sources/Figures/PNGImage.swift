import Foundation
import CPNG

/// An 8-bit image, grayscale (1 channel) or RGB (3 channels), rows top to bottom.
public struct PixelImage: Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 1 || channels == 3, "images are grayscale or RGB, not \(channels) channels")
        precondition(pixels.count == width * height * channels,
                     "\(pixels.count) bytes for a \(width)x\(height)x\(channels) image")
        self.width = width; self.height = height; self.channels = channels; self.pixels = pixels
    }

    public init(width: Int, height: Int, channels: Int, fill: UInt8 = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: fill, count: width * height * channels))
    }
}

public enum FigureError: Error, CustomStringConvertible {
    case png(path: String, message: String)
    case io(path: String, message: String)

    public var description: String {
        switch self {
        case .png(let path, let message): return "\(path): PNG error: \(message)"
        case .io(let path, let message): return "\(path): \(message)"
        }
    }
}

/// PNG files through libpng's simplified API (png_image_*), which reports errors in the
/// image structure instead of through longjmp, so a bad file is an error and never a
/// crash of the Swift program.
public enum PNGFile {
    public static func write(_ image: PixelImage, to path: String) throws {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = image.channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        // Written beside the target and renamed, so a reader never sees half a file.
        let temporary = path + ".partial"
        let ok = image.pixels.withUnsafeBytes { bytes in
            png_image_write_to_file(&png, temporary, 0, bytes.baseAddress, Int32(image.width * image.channels), nil)
        }
        defer { png_image_free(&png) }
        guard ok != 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw FigureError.png(path: path, message: message(of: &png))
        }
        try replaceFile(at: path, with: temporary)
    }

    /// Reads a PNG as grayscale or RGB (whatever it holds is converted by libpng).
    public static func read(_ path: String, channels: Int) throws -> PixelImage {
        precondition(channels == 1 || channels == 3, "read as 1 or 3 channels")
        guard FileManager.default.fileExists(atPath: path) else {
            throw FigureError.io(path: path, message: "no such file")
        }
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&png, path) != 0 else {
            defer { png_image_free(&png) }
            throw FigureError.png(path: path, message: message(of: &png))
        }
        png.format = channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        let width = Int(png.width), height = Int(png.height)
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let ok = pixels.withUnsafeMutableBytes { bytes in
            png_image_finish_read(&png, nil, bytes.baseAddress, Int32(width * channels), nil)
        }
        defer { png_image_free(&png) }
        guard ok != 0 else { throw FigureError.png(path: path, message: message(of: &png)) }
        return PixelImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    private static func message(of png: inout png_image) -> String {
        withUnsafeBytes(of: &png.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

/// Moves `temporary` over `path` in one rename (atomic on POSIX file systems).
public func replaceFile(at path: String, with temporary: String) throws {
    guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(atPath: temporary)
        throw FigureError.io(path: path, message: "cannot write: \(reason)")
    }
}

/// Writes text to a file atomically (a temporary file renamed over the target).
public func writeTextFile(_ text: String, to path: String) throws {
    let temporary = path + ".partial"
    do {
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
    } catch {
        throw FigureError.io(path: path, message: "cannot write: \(error.localizedDescription)")
    }
    try replaceFile(at: path, with: temporary)
}
