import Foundation
import TensorCore
import CZlib

/// The safetensors format (Hugging Face), so checkpoints open in Python tools:
///
///     8 bytes   little-endian UInt64 N, the length of the header
///     N bytes   JSON: {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
///                      "__metadata__": {"key": "value", ...}}
///     the data  each tensor's bytes at [begin, end) relative to the end of the header
///
/// Written by hand because no Swift package for it is available here; the format is
/// small and fully specified. Files are written to a temporary name and renamed, so a
/// crash never leaves half a checkpoint behind; a failed write removes its temporary file,
/// and the next write of the same name removes those of writers that were killed. Every
/// file carries a CRC-32 of all its bytes (header and data, see `checksumKey`), required
/// when it is read.
public enum Safetensors {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case io(path: String, reason: String)
        case corrupt(path: String, reason: String)

        public var description: String {
            switch self {
            case .io(let path, let reason): return "\(path): \(reason)"
            case .corrupt(let path, let reason): return "\(path): not a valid checkpoint (\(reason))"
            }
        }
    }

    /// The metadata key of the file's CRC-32 (zlib's), eight lowercase hex digits, written
    /// by `write` and required by `read`. It covers every byte of the file (the header
    /// length, the JSON header with its metadata, the tensor data) as written with these
    /// eight digits set to "00000000", so a checkpoint changed on disk (a flipped bit, a
    /// weight or a metadata value edited by hand, a copy cut short and padded) is an error
    /// rather than a different model or a different run.
    public static let checksumKey = "crc32"

    /// The key of the previous version's checksum, which covered the tensor data only: a
    /// file that has it and not `checksumKey` was written by an older version of the course.
    public static let dataOnlyChecksumKey = "data_crc32"

    /// The checksum entry as it stands in a header `write` wrote, before its digits.
    static let checksumEntryPrefix = Data("\"\(checksumKey)\":\"".utf8)

    /// Writes named Float32 tensors and string metadata, atomically: the bytes go to a
    /// temporary file of this process's own (two runs writing into one folder never share
    /// one), which is then renamed over `path`.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        var header = Header()
        var offset = 0
        for (name, tensor) in tensors {
            precondition(header.tensors[name] == nil && name != Header.metadataKey, "duplicate tensor name \(name)")
            header.tensors[name] = Header.Entry(dtype: "F32", shape: tensor.shape, dataOffsets: [offset, offset + 4 * tensor.count])
            offset += 4 * tensor.count
        }
        var payload = Data(capacity: offset)
        for (_, tensor) in tensors {
            tensor.withUnsafeBufferPointer { buffer in
                // Float32 little-endian: the in-memory layout on every platform Swift targets here.
                payload.append(UnsafeBufferPointer(start: UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self),
                                                   count: buffer.count * 4))
            }
        }
        header.metadata = metadata
        header.metadata[dataOnlyChecksumKey] = nil
        // The checksum's digits are zeros while it is computed, then written in their place
        // (the same length, so nothing else moves).
        header.metadata[checksumKey] = "00000000"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var json = try encoder.encode(header)
        // Pad the header with spaces to a multiple of 8 bytes, as the reference writer does.
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(payload)
        // Metadata values cannot hold an unescaped quote, so the entry occurs once.
        guard let entry = file.range(of: checksumEntryPrefix + Data("00000000\"".utf8), in: 8..<(8 + json.count)) else {
            preconditionFailure("the JSON encoder did not write the checksum entry as \"\(checksumKey)\":\"00000000\"")
        }
        let digits = entry.lowerBound + checksumEntryPrefix.count
        file.replaceSubrange(digits..<(digits + 8), with: Data(hexDigits(checksum(file)).utf8))

        let folder = (path as NSString).deletingLastPathComponent
        removeStalePartials(of: path)
        let temporary = "\(path)\(partialInfix)\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try file.write(to: URL(fileURLWithPath: temporary))
        } catch {
            // A full disk leaves the bytes written so far: they must not stay behind.
            let reason = reasonForWriting(into: folder)
            unlink(temporary)
            throw Failure.io(path: path, reason: "cannot write: \(reason)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure.io(path: path, reason: "cannot write: \(reason)")
        }
    }

    /// What a temporary file's name adds to its target's: `PATH.partial-PID-RANDOM`.
    static let partialInfix = ".partial-"

    /// Removes the temporary files of `path` (`PATH.partial-PID-RANDOM`) left by writers
    /// that no longer run (killed during a write, or stopped by a full disk before this
    /// version removed its own): their PID names no running process. A live writer's file,
    /// and files of other names, are left alone. Best effort: a file that cannot be removed
    /// is left for the next write.
    static func removeStalePartials(of path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + partialInfix
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]), pid > 0 else { continue }
            // kill with signal 0 sends nothing: it only asks whether the process exists.
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink(folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name))
        }
    }

    /// Eight lowercase hex digits.
    static func hexDigits(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Reads every tensor and the metadata, validating the header against the file, the
    /// checksum against the data, and every value for finiteness.
    public static func read(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw Failure.io(path: path, reason: "no such file") }
        guard !isFolder.boolValue else { throw Failure.io(path: path, reason: "is a folder, not a checkpoint file") }
        // A device or a pipe in a checkpoint's place (a link to /dev/zero) would be read
        // without end: only a regular file is a checkpoint.
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw Failure.io(path: path, reason: "is not a regular file (a device, a pipe or a socket), so not a checkpoint")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Failure.io(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        return try parse(data, path: path)
    }

    /// Parses the bytes of a safetensors file; `path` names it in errors. Every size in the
    /// header is checked for overflow before it is used.
    public static func parse(_ data: Data, path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        func corrupt(_ reason: String) -> Failure { .corrupt(path: path, reason: reason) }
        guard data.count >= 8 else { throw corrupt("\(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw corrupt("header length \(headerLength) exceeds the file's \(data.count) bytes")
        }
        let headerEnd = data.startIndex + 8 + Int(headerLength)
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data.subdata(in: (data.startIndex + 8)..<headerEnd))
        } catch let error as Header.Malformed {
            throw corrupt(error.reason)
        } catch {
            throw corrupt("the header is not a JSON object")
        }
        let payload = data.endIndex - headerEnd
        let metadata = header.metadata
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, entry) in header.tensors {
            let (dtype, shape, offsets) = (entry.dtype, entry.shape, entry.dataOffsets)
            guard dtype == "F32" else { throw corrupt("tensor \(name) has dtype \(dtype); only F32 is supported") }
            // The element count and byte count must not overflow: a shape of huge sizes whose
            // product wraps around to the right byte count would otherwise pass.
            var count = 1
            for size in shape {
                guard size >= 0 else { throw corrupt("tensor \(name) has shape \(shape)") }
                let (product, overflow) = count.multipliedReportingOverflow(by: size)
                guard !overflow, product <= payload else { throw corrupt("tensor \(name): shape \(shape) is larger than the file") }
                count = product
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= payload, end - begin == 4 * count else {
                throw corrupt("tensor \(name): offsets [\(begin), \(end)) do not hold shape \(shape) within \(payload) data bytes")
            }
            entries.append((name, shape, begin, end))
        }
        // The tensors must tile the data without overlap (as the format requires).
        var position = 0
        for entry in entries.sorted(by: { $0.begin < $1.begin }) {
            guard entry.begin == position else { throw corrupt("tensor data overlaps or leaves a gap at byte \(position)") }
            position = entry.end
        }
        guard position == payload else { throw corrupt("\(payload - position) bytes after the last tensor") }
        try verifyChecksum(data, headerEnd: headerEnd, metadata: metadata, path: path)
        let dataBytes = data.subdata(in: headerEnd..<data.endIndex)
        var tensors: [String: Tensor] = [:]
        for entry in entries {
            var tensor = Tensor(uninitializedShape: entry.shape)
            let destination = tensor.unsafeWritePointer()
            dataBytes.withUnsafeBytes { raw in
                UnsafeMutableRawPointer(destination).copyMemory(from: raw.baseAddress! + entry.begin, byteCount: entry.end - entry.begin)
            }
            let nonFinite = tensor.withUnsafeBufferPointer { $0.reduce(0) { $1.isFinite ? $0 : $0 + 1 } }
            guard nonFinite == 0 else { throw corrupt("tensor \(entry.name) holds \(nonFinite) non-finite values (NaN or infinity)") }
            tensors[entry.name] = tensor
        }
        return (tensors, metadata)
    }

    /// Checks the file's CRC-32 (see `checksumKey`): present, eight hex digits, found once
    /// in the header as `write` writes it, and equal to the CRC-32 of the file's bytes
    /// with those digits set to zeros.
    static func verifyChecksum(_ data: Data, headerEnd: Int, metadata: [String: String], path: String) throws {
        func corrupt(_ reason: String) -> Failure { .corrupt(path: path, reason: reason) }
        guard let recorded = metadata[checksumKey] else {
            if metadata[dataOnlyChecksumKey] != nil {
                throw corrupt("it has no checksum over its header, only over its data: it was written by an older version of the course; run the chapter again to write it anew")
            }
            throw corrupt("it has no \(checksumKey) checksum in its metadata: it was not written by this course, or was edited; run the chapter again to write it anew")
        }
        let hex = Set("0123456789abcdef")
        guard recorded.count == 8, recorded.allSatisfy({ hex.contains($0) }), let value = UInt32(recorded, radix: 16) else {
            throw corrupt("its \(checksumKey) checksum \"\(recorded)\" is not eight hex digits: the file was changed or damaged")
        }
        let entry = checksumEntryPrefix + Data("\(recorded)\"".utf8)
        let headerRange = (data.startIndex + 8)..<headerEnd
        guard let found = data.range(of: entry, in: headerRange),
              data.range(of: entry, in: found.upperBound..<headerEnd) == nil else {
            throw corrupt("its \(checksumKey) checksum is not written as this course writes it: the file was changed or damaged")
        }
        let digits = found.lowerBound + checksumEntryPrefix.count
        let computed = checksum(Data("00000000".utf8), after: checksum(data[data.startIndex..<digits]))
        guard checksum(data[(digits + 8)..<data.endIndex], after: computed) == value else {
            throw corrupt("its header or tensor data do not match the checksum recorded when it was written: the file was changed or damaged")
        }
    }

    /// zlib's CRC-32 of `bytes` (zlib ships with the course for the data files already),
    /// continuing `previous`, the CRC-32 of the bytes before them (none by default).
    public static func checksum(_ bytes: Data, after previous: UInt32? = nil) -> UInt32 {
        bytes.withUnsafeBytes { raw -> UInt32 in
            var crc = previous.map { uLong($0) } ?? crc32(0, nil, 0)
            var start = raw.baseAddress?.assumingMemoryBound(to: Bytef.self)
            var remaining = raw.count
            while remaining > 0, let chunkStart = start {
                let chunk = min(remaining, Int(UInt32.max))
                crc = crc32(crc, chunkStart, uInt(chunk))
                start = chunkStart + chunk
                remaining -= chunk
            }
            return UInt32(crc)
        }
    }

    /// Why a file cannot be written into `folder`, in words (no such folder, a file in its
    /// place, no permission).
    static func reasonForWriting(into folder: String) -> String {
        let folder = folder.isEmpty ? "." : folder
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) { return "the folder \(folder) does not exist" }
        if !isFolder.boolValue { return "\(folder) is a file, not a folder" }
        if !FileManager.default.isWritableFile(atPath: folder) { return "the folder \(folder) is not writable" }
        return "the disk refused the write (\(String(cString: strerror(errno))))"
    }
}

extension Safetensors {
    /// The file's JSON header: an entry per tensor, and the metadata under "__metadata__".
    struct Header: Codable {
        static let metadataKey = "__metadata__"

        struct Entry: Codable {
            var dtype: String
            var shape: [Int]
            var dataOffsets: [Int]
            enum CodingKeys: String, CodingKey { case dtype, shape, dataOffsets = "data_offsets" }
        }

        /// What is wrong with a header that is JSON but not a safetensors header.
        struct Malformed: Error { let reason: String }

        var tensors: [String: Entry] = [:]
        var metadata: [String: String] = [:]

        init() {}

        /// The header's keys are the tensors' names, so they are read as they come.
        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                if key.stringValue == Self.metadataKey {
                    guard let values = try? container.decode([String: String].self, forKey: key) else {
                        throw Malformed(reason: "__metadata__ is not a map of strings")
                    }
                    metadata = values
                } else {
                    guard let entry = try? container.decode(Entry.self, forKey: key), entry.dataOffsets.count == 2 else {
                        throw Malformed(reason: "entry \(key.stringValue) lacks dtype, shape or data_offsets")
                    }
                    tensors[key.stringValue] = entry
                }
            }
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for (name, entry) in tensors { try container.encode(entry, forKey: Key(stringValue: name)) }
            try container.encode(metadata, forKey: Key(stringValue: Self.metadataKey))
        }
    }
}
