import Foundation
import CZlib

/// Reads a whole file, gunzipping it when it is gzip-compressed (zlib's gzread reads
/// plain files unchanged, so one path serves both). A corrupt or truncated gzip stream
/// is an error, not a short read. With `limit`, at most that many bytes are decompressed:
/// a file that holds more is refused (`whatLimits` says where the limit comes from),
/// before the rest is inflated into memory.
public func readPossiblyCompressedFile(_ path: String, limit: Int? = nil, whatLimits: String = "") throws -> [UInt8] {
    let reader = try CompressedFileReader(path)
    let bytes = try reader.read(upTo: limit ?? Int.max)
    if let limit, try !reader.atEnd() {
        throw DataError.malformed(path: path, reason: "it holds more than the \(limit) bytes \(whatLimits); reading stopped there")
    }
    return bytes
}

/// A file read in order, gunzipped on the fly when it is gzip-compressed, so that a
/// reader can decide from a header how much more it will take (a small gzip file can
/// inflate to gigabytes).
public final class CompressedFileReader {
    public let path: String
    private let file: gzFile

    public init(_ path: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw DataError.missing(path: path) }
        guard !isFolder.boolValue else { throw DataError.unreadable(path: path, reason: "it is a folder") }
        guard let file = gzopen(path, "rb") else {
            throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        self.file = file
    }

    deinit { gzclose(file) }

    /// The next `count` bytes, or fewer where the file ends. A damaged gzip stream is an
    /// error, also when it ends early (gzread stops quietly; zlib reports it through gzerror).
    public func read(upTo count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(max(count, 0), 1 << 20))
        while bytes.count < count {
            let wanted = min(chunk.count, count - bytes.count)
            let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(wanted)) }
            if n < 0 { throw streamError() ?? DataError.malformed(path: path, reason: "gzip stream: read error") }
            if n == 0 {
                if let error = streamError() { throw error }
                break
            }
            bytes.append(contentsOf: chunk[0..<Int(n)])
        }
        return bytes
    }

    /// Whether the file has no more bytes (reads one byte to tell).
    public func atEnd() throws -> Bool {
        try read(upTo: 1).isEmpty
    }

    /// zlib's error on the stream, if any.
    private func streamError() -> DataError? {
        var code: Int32 = 0
        let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
        guard code != Z_OK && code != Z_STREAM_END else { return nil }
        return DataError.malformed(path: path, reason: "gzip stream: \(message)")
    }
}
