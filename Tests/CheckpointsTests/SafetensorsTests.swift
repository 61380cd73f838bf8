import Foundation
import Testing
import TensorCore
import Checkpoints
import TestSupport

/// The safetensors reader and writer against the format's rules, read byte by byte here
/// (an 8-byte little-endian header length, a JSON header, tensors tiling the data), and
/// against damaged files of every kind: each must give a `Safetensors.Failure` naming the
/// file, never a trap.
@Suite("Safetensors checkpoints")
struct SafetensorsTests {
    static let tensors: [(String, Tensor)] = [
        ("a", sampleTensor([3, 4], seed: 1)),
        ("b.weight", sampleTensor([5], seed: 2)),
        ("c", sampleTensor([2, 1, 3, 2], seed: 3)),
        ("scalar", Tensor(shape: [1], values: [0.25])),
    ]

    func written(_ scratch: ScratchFolder, metadata: [String: String] = ["model": "test"]) throws -> String {
        let path = scratch.file("model.safetensors")
        try Safetensors.write(Self.tensors, metadata: metadata, to: path)
        return path
    }

    func failure(_ body: () throws -> Void) -> Safetensors.Failure? {
        do { try body() } catch let error as Safetensors.Failure { return error } catch { return nil }
        return nil
    }

    @Test("a round trip gives every tensor and metadata entry back exactly, with a CRC-32 of the file")
    func roundTrip() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let (tensors, metadata) = try Safetensors.read(try written(scratch))
        #expect(tensors.count == Self.tensors.count)
        for (name, tensor) in Self.tensors {
            #expect(tensors[name]?.shape == tensor.shape)
            #expect(tensors[name]?.values == tensor.values)
        }
        #expect(metadata["model"] == "test")
        #expect(metadata[Safetensors.checksumKey] != nil)
    }

    @Test("the file follows the format: little-endian header length, padded JSON header, tensors tiling the data")
    func layout() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try written(scratch))))
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        #expect(length % 8 == 0)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        var ranges: [(Int, Int)] = []
        for (name, tensor) in Self.tensors {
            let entry = try #require(header[name] as? [String: Any])
            #expect(entry["dtype"] as? String == "F32")
            #expect(entry["shape"] as? [Int] == tensor.shape)
            let offsets = try #require(entry["data_offsets"] as? [Int])
            ranges.append((offsets[0], offsets[1]))
            // The bytes at those offsets are the tensor's little-endian floats.
            let start = 8 + length + offsets[0]
            let values = (0..<tensor.count).map { i in
                Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[start + 4 * i + $1]) << (8 * UInt32($1)) })
            }
            #expect(values == tensor.values)
        }
        ranges.sort { $0.0 < $1.0 }
        #expect(ranges.first?.0 == 0)
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.1 == $1.0 })
        #expect(ranges.last?.1 == bytes.count - 8 - length)
        // The metadata is a map of strings.
        #expect((header["__metadata__"] as? [String: String])?["model"] == "test")
    }

    /// A file of a hand-made header (with its padding) and `dataBytes` zero bytes.
    func handMade(_ header: String, dataBytes: Int) -> Data {
        var json = Data(header.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(Data(count: dataBytes))
        return data
    }

    @Test("a link to a device in a checkpoint's place is refused as not a regular file (it said 'No such file')")
    func deviceInPlace() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let link = scratch.file("model.safetensors")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/zero")
        do {
            _ = try Safetensors.read(link)
            Issue.record("a link to /dev/zero was read as a checkpoint")
        } catch {
            #expect("\(error)".contains("is not a regular file"), "\(error)")
        }
    }

    @Test("a shape whose byte count overflows is reported, not trapped on")
    func overflowingShape() throws {
        // 2^62 x 4 elements: the element count overflows; 2^61 x 2: the byte count does.
        for shape in ["[4611686018427387904, 4]", "[2305843009213693952, 2]", "[4294967296, 4294967296, 1]"] {
            let file = handMade("{\"t\": {\"dtype\": \"F32\", \"shape\": \(shape), \"data_offsets\": [0, 16]}}", dataBytes: 16)
            let error = failure { _ = try Safetensors.parse(file, path: "x.safetensors") }
            #expect(error?.description.contains("x.safetensors") == true, "shape \(shape)")
        }
    }

    @Test("a changed byte in the data is caught by the checksum")
    func checksumCatchesChanges() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try written(scratch)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // A weight set to another finite value: still a valid float, only the checksum can tell.
        bytes[bytes.count - 3] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = failure { _ = try Safetensors.read(path) }
        #expect(error?.description.contains("checksum") == true)
        #expect(error?.description.contains(path) == true)
    }

    /// The header length and the header's JSON text of a file's bytes.
    func headerText(_ bytes: [UInt8]) -> (length: Int, text: String) {
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        return (length, String(decoding: bytes[8..<(8 + length)], as: UTF8.self))
    }

    /// `bytes` with the first `from` in its header replaced by `to`, of the same length
    /// (nil when the header lacks it).
    func replacing(_ from: String, with to: String, inHeaderOf bytes: [UInt8]) -> [UInt8]? {
        precondition(from.utf8.count == to.utf8.count)
        let (length, _) = headerText(bytes)
        guard let range = Data(bytes).range(of: Data(from.utf8), in: 8..<(8 + length)) else { return nil }
        var edited = bytes
        edited.replaceSubrange(range, with: Array(to.utf8))
        return edited
    }

    @Test("the checksum is the CRC-32 of every byte of the file with its own eight digits as zeros")
    func checksumDefinition() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try written(scratch))))
        let (_, text) = headerText(bytes)
        let recorded = try #require(try Safetensors.read(scratch.file("model.safetensors")).metadata[Safetensors.checksumKey])
        #expect(recorded.count == 8)
        // The entry, found in the header's text, with its digits zeroed in the file's bytes.
        let entry = "\"\(Safetensors.checksumKey)\":\"\(recorded)\""
        let range = try #require(text.range(of: entry))
        #expect(text.range(of: entry, range: range.upperBound..<text.endIndex) == nil, "the entry occurs once")
        let digits = 8 + text.utf8.distance(from: text.startIndex, to: range.lowerBound) + entry.utf8.count - 9
        for i in digits..<(digits + 8) { bytes[i] = UInt8(ascii: "0") }
        #expect(UInt32(recorded, radix: 16) == referenceCRC32(bytes))
    }

    @Test("a changed byte anywhere in the header length or the JSON header (metadata, shapes, offsets, padding, the checksum itself) is refused")
    func checksumCoversTheHeader() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try written(scratch))))
        let (length, _) = headerText(original)
        for i in 0..<(8 + length) {
            for flip: UInt8 in [0x01, 0x20] {
                var bytes = original
                bytes[i] ^= flip
                let error = failure { _ = try Safetensors.parse(Data(bytes), path: "edited.safetensors") }
                #expect(error?.description.hasPrefix("edited.safetensors: ") == true, "byte \(i) ^ \(flip) accepted")
            }
        }
    }

    @Test("a metadata value edited by hand, the JSON still valid, is refused by the checksum")
    func editedMetadata() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try written(scratch, metadata: ["model": "test", "adam_step": "12"])
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        for (from, to) in [("\"adam_step\":\"12\"", "\"adam_step\":\"99\""), ("\"model\":\"test\"", "\"model\":\"tesu\"")] {
            let edited = Data(try #require(replacing(from, with: to, inHeaderOf: original), "\(from) not found"))
            let error = failure { _ = try Safetensors.parse(edited, path: path) }
            #expect(error?.description == "\(path): not a valid checkpoint (its header or tensor data do not match the checksum recorded when it was written: the file was changed or damaged)")
        }
    }

    @Test("a file without its checksum is refused, with a sentence for the previous version's data-only checksum")
    func missingChecksum() throws {
        let entries = "\"t\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}"
        let bare = handMade("{\(entries), \"__metadata__\": {\"model\": \"test\"}}", dataBytes: 8)
        #expect(failure { _ = try Safetensors.parse(bare, path: "bare.safetensors") }?.description
                == "bare.safetensors: not a valid checkpoint (it has no crc32 checksum in its metadata: it was not written by this course, or was edited; run the chapter again to write it anew)")
        // The previous version's checksum of the data, correct for these 8 zero bytes: not enough.
        let old = handMade("{\(entries), \"__metadata__\": {\"data_crc32\": \"\(referenceCRC32([UInt8](repeating: 0, count: 8)))\"}}", dataBytes: 8)
        let message = failure { _ = try Safetensors.parse(old, path: "old.safetensors") }?.description
        #expect(message == "old.safetensors: not a valid checkpoint (it has no checksum over its header, only over its data: it was written by an older version of the course; run the chapter again to write it anew)")
        // A written file with the checksum entry renamed (its length kept): refused too.
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try written(scratch))))
        let renamed = Data(try #require(replacing("\"crc32\":", with: "\"crc33\":", inHeaderOf: file)))
        #expect(failure { _ = try Safetensors.parse(renamed, path: "renamed.safetensors") }?.description.contains("no crc32 checksum") == true)
    }

    @Test("non-finite weights are reported with the file and tensor names")
    func nonFinite() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("nan.safetensors")
        try Safetensors.write([("w", Tensor(shape: [3], values: [1, .nan, .infinity]))], to: path)
        let error = failure { _ = try Safetensors.read(path) }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("w holds 2 non-finite") == true)
    }

    @Test("a folder, a missing file and a truncated file each give a one-line error naming the path")
    func badFiles() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let folder = scratch.file("folder.safetensors")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(failure { _ = try Safetensors.read(folder) }?.description == "\(folder): is a folder, not a checkpoint file")
        #expect(failure { _ = try Safetensors.read(scratch.file("missing")) }?.description.contains("no such file") == true)
        let path = try written(scratch)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for cut in [0, 5, 8, 40, bytes.count - 1] {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            let error = failure { _ = try Safetensors.read(path) }
            #expect(error?.description.hasPrefix(path) == true, "cut at \(cut)")
        }
    }

    @Test("writing into a folder that is not there, or is a file, names the reason")
    func unwritable() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let missing = scratch.file("nowhere/model.safetensors")
        #expect(failure { try Safetensors.write(Self.tensors, to: missing) }?.description.contains("does not exist") == true)
        try scratch.write([1, 2, 3], to: "plain")
        let underFile = scratch.file("plain/model.safetensors")
        #expect(failure { try Safetensors.write(Self.tensors, to: underFile) }?.description.contains("is a file, not a folder") == true)
    }

    @Test("a writer's temporary file is its own: a stale PATH.partial left by another writer does not block it")
    func temporaryNamesAreUnique() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("model.safetensors")
        // What a writer of the old fixed name would have left, in the way of a write.
        try FileManager.default.createDirectory(atPath: path + ".partial", withIntermediateDirectories: true)
        try Safetensors.write(Self.tensors, to: path)
        #expect(try Safetensors.read(path).tensors["a"]?.values == Self.tensors[0].1.values)
        // Two threads writing one path at once: both succeed and the file is whole.
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            do { try Safetensors.write(Self.tensors, to: path) } catch { errors.add(error) }
        }
        #expect(errors.count == 0)
        #expect(try Safetensors.read(path).tensors.count == Self.tensors.count)
        #expect(try scratch.contents().filter { $0.contains(".partial-") }.isEmpty)
    }

    @Test("the next write of a name removes the temporary files of dead writers, and keeps a live writer's and other names'")
    func stalePartials() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // A PID that names no process: a child that has exited and been waited for.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        try #require(kill(dead, 0) != 0 && errno == ESRCH, "PID \(dead) was reused")
        let stale = "model.safetensors.partial-\(dead)-17"
        let live = "model.safetensors.partial-\(getpid())-18"
        let otherName = "other.safetensors.partial-\(dead)-19"
        let noPID = "model.safetensors.partial-x-20"
        for name in [stale, live, otherName, noPID] { _ = try scratch.write([1, 2, 3], to: name) }
        try Safetensors.write(Self.tensors, to: scratch.file("model.safetensors"))
        #expect(try scratch.contents() == [live, noPID, "model.safetensors", otherName].sorted())
    }

    @Test("a write whose rename fails leaves no temporary file")
    func failedRenameCleansUp() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // A folder that is not empty under the target name: rename(2) refuses to replace it.
        let path = scratch.file("model.safetensors")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        _ = try scratch.write([1], to: "model.safetensors/inside")
        let error = failure { try Safetensors.write(Self.tensors, to: path) }
        #expect(error?.description.hasPrefix("\(path): cannot write: ") == true)
        #expect(try scratch.contents() == ["model.safetensors"])
    }

    @Test("400 random mutations of a valid checkpoint: each is read or rejected with a Failure, never a trap")
    func fuzz() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try written(scratch))))
        var source = SplitMix64(state: 2026)
        var rejected = 0, accepted = 0
        for _ in 0..<400 {
            var bytes = original
            switch source.next(below: 7) {
            case 0: // flip bits anywhere
                for _ in 0...source.next(below: 4) { bytes[source.next(below: bytes.count)] ^= UInt8(1 << source.next(below: 8)) }
            case 1: // a random byte in the header
                bytes[source.next(below: min(bytes.count, 8 + 200))] = source.nextByte()
            case 2: // cut short
                bytes = Array(bytes.prefix(source.next(below: bytes.count)))
            case 3: // bytes inserted
                bytes.insert(contentsOf: (0..<source.next(below: 9)).map { _ in source.nextByte() }, at: source.next(below: bytes.count))
            case 4: // a metadata value's letter changed in the header, the JSON still valid
                let letters = bytes.indices.prefix(8 + 300).filter { (0x61...0x7a).contains(bytes[$0]) && $0 >= 8 }
                if let i = letters.isEmpty ? nil : letters[source.next(below: letters.count)] { bytes[i] = 0x61 + UInt8(source.next(below: 26)) }
            case 5: // the checksum entry deleted from the header (the JSON still valid)
                let (_, text) = headerText(bytes)
                if let range = text.range(of: #""crc32":"[0-9a-f]{8}","#, options: .regularExpression) {
                    let entry = String(text[range])
                    bytes = replacing(entry, with: String(repeating: " ", count: entry.utf8.count), inHeaderOf: bytes) ?? bytes
                }
            default: // a digit in the header changed, so that sizes and offsets move
                let digits = bytes.indices.prefix(8 + 300).filter { (0x30...0x39).contains(bytes[$0]) && $0 >= 8 }
                if let i = digits.isEmpty ? nil : digits[source.next(below: digits.count)] { bytes[i] = 0x30 + UInt8(source.next(below: 10)) }
            }
            do {
                _ = try Safetensors.parse(Data(bytes), path: "fuzz.safetensors")
                accepted += 1
                // The checksum covers every byte: only an unchanged file is read.
                #expect(bytes == original, "a changed file was accepted")
            } catch let error as Safetensors.Failure {
                #expect(error.description.hasPrefix("fuzz.safetensors"))
                #expect(bytes != original, "the unchanged file was refused: \(error)")
                rejected += 1
            }
        }
        #expect(rejected > 300, "\(rejected) of 400 mutations rejected, \(accepted) accepted")
    }
}

/// The CRC-32 of zlib and gzip (reflected polynomial 0xEDB88320, initial value and final
/// xor 0xFFFFFFFF), bit by bit: an oracle independent of the zlib the library calls.
func referenceCRC32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// Errors gathered from several threads.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []
    func add(_ error: any Error) { lock.lock(); errors.append(error); lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return errors.count }
}
