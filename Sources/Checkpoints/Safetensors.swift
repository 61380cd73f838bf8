import Foundation
import TensorCore

/// The safetensors format (Hugging Face), so checkpoints open in Python tools:
///
///     8 bytes   little-endian UInt64 N, the length of the header
///     N bytes   JSON: {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
///                      "__metadata__": {"key": "value", ...}}
///     the data  each tensor's bytes at [begin, end) relative to the end of the header
///
/// Written by hand because no Swift package for it is available here; the format is
/// small and fully specified. Files are written to a temporary name and renamed, so a
/// crash never leaves half a checkpoint behind.
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

    /// Writes named Float32 tensors and string metadata, atomically.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        var header: [String: Any] = [:]
        var offset = 0
        for (name, tensor) in tensors {
            precondition(header[name] == nil && name != "__metadata__", "duplicate tensor name \(name)")
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.count]]
            offset += 4 * tensor.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces to a multiple of 8 bytes, as the reference writer does.
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        for (_, tensor) in tensors {
            tensor.withUnsafeBufferPointer { buffer in
                // Float32 little-endian: the in-memory layout on every platform Swift targets here.
                file.append(UnsafeBufferPointer(start: UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self),
                                                count: buffer.count * 4))
            }
        }
        let temporary = path + ".partial"
        do {
            try file.write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw Failure.io(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw Failure.io(path: path, reason: "cannot write: \(reason)")
        }
    }

    /// Reads every tensor and the metadata, validating the header against the file.
    public static func read(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard FileManager.default.fileExists(atPath: path) else { throw Failure.io(path: path, reason: "no such file") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Failure.io(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        func corrupt(_ reason: String) -> Failure { .corrupt(path: path, reason: reason) }
        guard data.count >= 8 else { throw corrupt("\(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw corrupt("header length \(headerLength) exceeds the file's \(data.count) bytes")
        }
        let headerEnd = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)) as? [String: Any] else {
            throw corrupt("the header is not a JSON object")
        }
        let payload = data.count - headerEnd
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(Int, Int)] = []
        for (name, entry) in header {
            if name == "__metadata__" {
                guard let m = entry as? [String: String] else { throw corrupt("__metadata__ is not a map of strings") }
                metadata = m
                continue
            }
            guard let e = entry as? [String: Any], let dtype = e["dtype"] as? String,
                  let shape = e["shape"] as? [Int], let offsets = e["data_offsets"] as? [Int], offsets.count == 2 else {
                throw corrupt("entry \(name) lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { throw corrupt("tensor \(name) has dtype \(dtype); only F32 is supported") }
            guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else { throw corrupt("tensor \(name) has shape \(shape)") }
            let (begin, end) = (offsets[0], offsets[1])
            let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            guard begin >= 0, end >= begin, end <= payload, end - begin == 4 * count else {
                throw corrupt("tensor \(name): offsets [\(begin), \(end)) do not hold shape \(shape) within \(payload) data bytes")
            }
            ranges.append((begin, end))
            let tensor = Tensor(uninitializedShape: shape)
            data.withUnsafeBytes { raw in
                UnsafeMutableRawPointer(tensor.storage.pointer).copyMemory(from: raw.baseAddress! + headerEnd + begin, byteCount: end - begin)
            }
            tensors[name] = tensor
        }
        // The tensors must tile the data without overlap (as the format requires).
        var position = 0
        for (begin, end) in ranges.sorted(by: { $0.0 < $1.0 }) {
            guard begin == position else { throw corrupt("tensor data overlaps or leaves a gap at byte \(position)") }
            position = end
        }
        guard position == payload else { throw corrupt("\(payload - position) bytes after the last tensor") }
        return (tensors, metadata)
    }
}
