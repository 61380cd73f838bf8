import TensorCore

// A module's state (parameters and buffers) as named tensors, and the way back. Writing
// them to a file and reading them from one is the Checkpoints module's.

/// A module's parameters and buffers as named tensors ("param.NAME", "buffer.NAME").
public func stateTensors(of module: any Module) -> [(String, Tensor)] {
    module.namedParameters.map { ("param.\($0.name)", $0.parameter.value) }
        + module.namedBuffers.map { ("buffer.\($0.name)", $0.buffer) }
}

/// Restores parameters and buffers from named tensors, checking that every name exists
/// with the right shape, so the state of another model is an error, not garbage.
public func restoreState(of module: any Module, from tensors: [String: Tensor]) throws {
    for (name, parameter) in module.namedParameters {
        guard let value = tensors["param.\(name)"] else { throw ModuleStateError("it has no parameter \(name)") }
        guard value.shape == parameter.shape else {
            throw ModuleStateError("parameter \(name) has shape \(value.shape), the model's is \(parameter.shape)")
        }
        parameter.value = value
    }
    var buffers: [String: Tensor] = [:]
    for (key, value) in tensors where key.hasPrefix("buffer.") { buffers[String(key.dropFirst(7))] = value }
    try module.loadBuffers(buffers)
}
