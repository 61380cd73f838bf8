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

    @Test("a round trip gives every tensor and metadata entry back exactly, with a CRC-32 of the data")
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

    @Test("400 random mutations of a valid checkpoint: each is read or rejected with a Failure, never a trap")
    func fuzz() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try written(scratch))))
        var source = SplitMix64(state: 2026)
        var rejected = 0, accepted = 0
        for _ in 0..<400 {
            var bytes = original
            switch source.next(below: 5) {
            case 0: // flip bits anywhere
                for _ in 0...source.next(below: 4) { bytes[source.next(below: bytes.count)] ^= UInt8(1 << source.next(below: 8)) }
            case 1: // a random byte in the header
                bytes[source.next(below: min(bytes.count, 8 + 200))] = source.nextByte()
            case 2: // cut short
                bytes = Array(bytes.prefix(source.next(below: bytes.count)))
            case 3: // bytes inserted
                bytes.insert(contentsOf: (0..<source.next(below: 9)).map { _ in source.nextByte() }, at: source.next(below: bytes.count))
            default: // a digit in the header changed, so that sizes and offsets move
                let digits = bytes.indices.prefix(8 + 300).filter { (0x30...0x39).contains(bytes[$0]) && $0 >= 8 }
                if let i = digits.isEmpty ? nil : digits[source.next(below: digits.count)] { bytes[i] = 0x30 + UInt8(source.next(below: 10)) }
            }
            do {
                _ = try Safetensors.parse(Data(bytes), path: "fuzz.safetensors")
                accepted += 1
            } catch let error as Safetensors.Failure {
                #expect(error.description.hasPrefix("fuzz.safetensors"))
                rejected += 1
            }
        }
        // Most mutations must be caught (the checksum covers the data; the header is checked).
        #expect(rejected > 300, "\(rejected) of 400 mutations rejected, \(accepted) accepted")
    }
}

/// Errors gathered from several threads.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []
    func add(_ error: any Error) { lock.lock(); errors.append(error); lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return errors.count }
}
