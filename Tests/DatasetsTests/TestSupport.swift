import Foundation
import TestSupport
import Testing
import TensorCore
import Datasets

// Helpers shared by the data set tests: a scratch folder per test, data files built byte
// by byte from the formats' published descriptions, gzip through the system's gzip
// program (not the zlib the library reads with), and an independent source of randomness.

/// A 32-bit big-endian integer, as IDX headers store their sizes.
func bigEndian32(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
}

/// An IDX file of unsigned bytes: magic 0x00 0x00 0x08 DD, DD big-endian sizes, the data.
func idxFile(sizes: [UInt32], data: [UInt8]) -> [UInt8] {
    [0, 0, 0x08, UInt8(sizes.count)] + sizes.flatMap(bigEndian32) + data
}

/// The bytes of `bytes` compressed by the system's gzip program.
func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
    let scratch = try ScratchFolder()
    defer { scratch.remove() }
    let input = try scratch.write(bytes, to: "input")
    let (status, data) = try runProgram("/usr/bin/gzip", ["-c", "-n", input])
    try #require(status == 0, "gzip exited with \(status)")
    return [UInt8](data)
}

/// Runs `body` and returns the DataError it throws; records an issue when it returns or
/// throws anything else.
func dataError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> DataError? {
    do {
        try body()
        Issue.record("expected a DataError, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as DataError {
        return error
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

extension DataError {
    /// The case's name, for checking the kind of error without its message.
    var kind: String {
        switch self {
        case .missing: return "missing"
        case .unreadable: return "unreadable"
        case .malformed: return "malformed"
        case .truncated: return "truncated"
        case .notFound: return "notFound"
        case .namedFolderMissing: return "namedFolderMissing"
        }
    }
}

/// Corrupted copies of `bytes`, deterministic in `seed`: a flipped bit, a replaced byte,
/// a cut at a random length, a few bytes inserted or deleted, and combinations.
func mutations(of bytes: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
    var random = SplitMix64(state: seed)
    return (0..<count).map { _ in
        var copy = bytes
        for _ in 0...random.next(below: 3) {
            guard !copy.isEmpty else { break }
            let position = random.next(below: copy.count)
            switch random.next(below: 5) {
            case 0: copy[position] ^= UInt8(1) << UInt8(random.next(below: 8))
            case 1: copy[position] = random.nextByte()
            case 2: copy.removeSubrange(position...)
            case 3: copy.insert(random.nextByte(), at: position)
            default: copy.remove(at: position)
            }
        }
        return copy
    }
}
