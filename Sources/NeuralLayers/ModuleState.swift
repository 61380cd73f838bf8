import Foundation
import TensorCore
import Checkpoints

// A module's state (parameters and buffers) as named tensors, and saving or restoring it
// in a safetensors file (Checkpoints).

/// A module's parameters and buffers as named tensors ("param.NAME", "buffer.NAME").
public func stateTensors(of module: any Module) -> [(String, Tensor)] {
    module.namedParameters.map { ("param.\($0.name)", $0.parameter.value) }
        + module.namedBuffers.map { ("buffer.\($0.name)", $0.buffer) }
}

/// Restores parameters and buffers from named tensors, checking that every name exists
/// with the right shape, so a checkpoint of another model is an error, not garbage.
public func restoreState(of module: any Module, from tensors: [String: Tensor], source: String) throws {
    for (name, parameter) in module.namedParameters {
        guard let value = tensors["param.\(name)"] else {
            throw CheckpointMismatch(source: source, reason: "it has no parameter \(name)")
        }
        guard value.shape == parameter.shape else {
            throw CheckpointMismatch(source: source, reason: "parameter \(name) has shape \(value.shape), the model's is \(parameter.shape)")
        }
        parameter.value = value
    }
    var buffers: [String: Tensor] = [:]
    for (key, value) in tensors where key.hasPrefix("buffer.") { buffers[String(key.dropFirst(7))] = value }
    do {
        try module.loadBuffers(buffers)
    } catch {
        throw CheckpointMismatch(source: source, reason: "\(error)")
    }
}

/// Saves a model's parameters and buffers alone (for the chapters that read them).
public func saveModel(_ module: any Module, metadata: [String: String], to path: String) throws {
    try Safetensors.write(stateTensors(of: module), metadata: metadata, to: path)
}

/// Loads a model saved by `saveModel`, returning its metadata.
@discardableResult
public func loadModel(_ module: any Module, from path: String) throws -> [String: String] {
    let (tensors, metadata) = try Safetensors.read(path)
    try restoreState(of: module, from: tensors, source: path)
    return metadata
}
