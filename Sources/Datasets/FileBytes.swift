import Foundation
import CZlib

/// Reads a whole file, gunzipping it when it is gzip-compressed (zlib's gzread reads
/// plain files unchanged, so one path serves both). A corrupt or truncated gzip stream
/// is an error, not a short read.
public func readPossiblyCompressedFile(_ path: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else { throw DataError.missing(path: path) }
    guard let file = gzopen(path, "rb") else {
        throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    defer { gzclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
        if n < 0 {
            var code: Int32 = 0
            let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
            throw DataError.malformed(path: path, reason: "gzip stream: \(message)")
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<Int(n)])
    }
    // gzread stops quietly at a gzip stream cut short; zlib reports it through gzerror.
    var code: Int32 = 0
    let message = gzerror(file, &code).map { String(cString: $0) } ?? ""
    if code != Z_OK && code != Z_STREAM_END {
        throw DataError.malformed(path: path, reason: "gzip stream: \(message)")
    }
    return bytes
}
