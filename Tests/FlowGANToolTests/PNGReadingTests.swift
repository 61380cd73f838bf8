import Foundation
import Testing
import TestSupport
import Figures

/// `PNGFile.readChecked`, the reader of PNGs a user hands in: every bad file an error that
/// names the file, never a trap, and a header's claimed size checked before allocating.
@Suite("PNG files from outside: the checked reader")
struct PNGReadingTests {
    /// CRC-32 (ISO 3309, the PNG chunks' checksum), bit by bit: an oracle apart from zlib's.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
    }

    /// A PNG whose IHDR claims `width` x `height` grey pixels, followed by a small IDAT (a
    /// stored zlib block of 5 zero bytes, Adler-32 0x00050001) and IEND: valid chunks, far too few pixels.
    static func claimedSize(width: UInt32, height: UInt32) -> [UInt8] {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let header = bigEndian(width) + bigEndian(height) + [8, 0, 0, 0, 0]
        let stored: [UInt8] = [0x78, 0x01, 0x01, 0x05, 0x00, 0xFA, 0xFF, 0, 0, 0, 0, 0, 0x00, 0x05, 0x00, 0x01]
        return signature + chunk("IHDR", header) + chunk("IDAT", stored) + chunk("IEND", [])
    }

    /// The error `body` throws, which must be a FigureError naming `path`.
    static func failure(_ path: String, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            try body()
            Issue.record("\(path) was read", sourceLocation: sourceLocation)
            return ""
        } catch let error as FigureError {
            #expect(error.description.hasPrefix(path), "\(error)", sourceLocation: sourceLocation)
            #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
            return error.description
        } catch {
            Issue.record("\(error) is not a FigureError", sourceLocation: sourceLocation)
            return ""
        }
    }

    @Test("a good grey and a good colour PNG read back (colour as its grey level)")
    func goodFiles() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        var source = SplitMix64(state: 2)
        let grey = PixelImage(width: 30, height: 20, channels: 1, pixels: (0..<600).map { _ in source.nextByte() })
        try PNGFile.write(grey, to: scratch.file("grey.png"))
        let read = try PNGFile.readChecked(scratch.file("grey.png"), channels: 1, minimumSide: 8)
        #expect(read.image == grey && !read.isColour && !read.hasAlpha)
        // Grey levels written as RGB (r = g = b) read back as the same grey levels.
        let colour = PixelImage(width: 30, height: 20, channels: 3, pixels: grey.pixels.flatMap { [$0, $0, $0] })
        try PNGFile.write(colour, to: scratch.file("colour.png"))
        let readColour = try PNGFile.readChecked(scratch.file("colour.png"), channels: 1, minimumSide: 8)
        #expect(readColour.isColour && readColour.image.pixels == grey.pixels)
    }

    @Test("a non-PNG, an empty file, a truncated PNG, a 1x1 and a header claiming 100000x100000 are refused in one line")
    func badFiles() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let text = try scratch.write(Array("this is not a PNG file\n".utf8), to: "text.png")
        #expect(Self.failure(text) { _ = try PNGFile.readChecked(text, channels: 1) }.contains("not a PNG"))
        let empty = try scratch.write([], to: "empty.png")
        #expect(Self.failure(empty) { _ = try PNGFile.readChecked(empty, channels: 1) }.contains("empty"))

        var source = SplitMix64(state: 4)
        let good = scratch.file("good.png")
        try PNGFile.write(PixelImage(width: 40, height: 30, channels: 3, pixels: (0..<3600).map { _ in source.nextByte() }), to: good)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        for cut in [4, 20, bytes.count / 2, bytes.count - 13] {
            let truncated = try scratch.write(Array(bytes.prefix(cut)), to: "cut-\(cut).png")
            #expect(Self.failure(truncated) { _ = try PNGFile.readChecked(truncated, channels: 1) }.contains("truncated"))
        }

        let tiny = scratch.file("one.png")
        try PNGFile.write(PixelImage(width: 1, height: 1, channels: 1, fill: 0), to: tiny)
        #expect(Self.failure(tiny) { _ = try PNGFile.readChecked(tiny, channels: 1, minimumSide: 8) }.contains("too small"))

        let huge = try scratch.write(Self.claimedSize(width: 100_000, height: 100_000), to: "huge.png")
        #expect(Self.failure(huge) { _ = try PNGFile.readChecked(huge, channels: 1) }.contains("100000x100000"))
        // The same chunks with a small claimed size pass the size check and fail as damaged:
        // the refusal above came from the size, not from the made-up chunks.
        let small = try scratch.write(Self.claimedSize(width: 64, height: 64), to: "small.png")
        #expect(Self.failure(small) { _ = try PNGFile.readChecked(small, channels: 1) }.contains("damaged"))
    }
}
