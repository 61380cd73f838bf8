import Foundation
import TensorCore
import NeuralLayers
import Checkpoints

extension FlowTrainer {
    /// Writes everything needed to resume: the model, Adam's moments and step, the noise
    /// stream, the iteration, the learning curve and the best model so far. Atomic.
    public func saveCheckpoint(to path: String, description: String) throws {
        var tensors = stateTensors(of: model)
        for (i, (name, _)) in model.namedParameters.enumerated() {
            tensors.append(("adam.m.\(name)", optimiser.firstMoments[i]))
            tensors.append(("adam.v.\(name)", optimiser.secondMoments[i]))
        }
        if let bestState { tensors += bestState.map { ("best.\($0.0)", $0.1) } }
        let snapshot = noise.snapshot
        let historyJSON = String(decoding: try JSONEncoder().encode(history), as: UTF8.self)
        var metadata = [
            "format": "flowgan-trainer-1",
            "model": description,
            "iteration": String(iteration),
            "adam_step": String(optimiser.step),
            "noise_state": String(snapshot.state),
            "noise_increment": String(snapshot.increment),
            "seed": String(seed),
            "batch_size": String(batchSize),
            "history": historyJSON,
        ]
        if let best {
            metadata["best_iteration"] = String(best.iteration)
            metadata["best_validation_nll"] = String(best.validationNLL)
        }
        try Safetensors.write(tensors, metadata: metadata, to: path)
    }

    /// Restores a checkpoint written by `saveCheckpoint` for the same model description.
    public func loadCheckpoint(from path: String, description: String) throws {
        let (tensors, metadata) = try Safetensors.read(path)
        func field(_ key: String) throws -> String {
            guard let value = metadata[key] else { throw CheckpointMismatch(source: path, reason: "metadata lacks \(key)") }
            return value
        }
        guard metadata["format"] == "flowgan-trainer-1" else {
            throw CheckpointMismatch(source: path, reason: "it is not a training checkpoint of this course")
        }
        guard try field("model") == description else {
            throw CheckpointMismatch(source: path, reason: "it holds model '\(metadata["model"] ?? "")', this run trains '\(description)'")
        }
        guard let savedIteration = Int(try field("iteration")), let adamStep = Int(try field("adam_step")),
              let state = UInt64(try field("noise_state")), let increment = UInt64(try field("noise_increment")),
              let savedBatch = Int(try field("batch_size")), savedBatch == batchSize else {
            throw CheckpointMismatch(source: path, reason: "its metadata is malformed or its batch size differs")
        }
        try restoreState(of: model, from: tensors, source: path)
        var first: [Tensor] = [], second: [Tensor] = []
        for (name, parameter) in model.namedParameters {
            guard let m = tensors["adam.m.\(name)"], let v = tensors["adam.v.\(name)"],
                  m.shape == parameter.shape, v.shape == parameter.shape else {
                throw CheckpointMismatch(source: path, reason: "optimiser state for \(name) is missing or misshapen")
            }
            first.append(m); second.append(v)
        }
        optimiser.restore(step: adamStep, firstMoments: first, secondMoments: second)
        noise = RandomGenerator(restoring: (state, increment))
        iteration = savedIteration
        history = try JSONDecoder().decode([TrainingRecord].self, from: Data(try field("history").utf8))
        let bestTensors = tensors.filter { $0.key.hasPrefix("best.") }.map { (String($0.key.dropFirst(5)), $0.value) }
        bestState = bestTensors.isEmpty ? nil : bestTensors
        if let i = metadata["best_iteration"].flatMap(Int.init), let v = metadata["best_validation_nll"].flatMap(Double.init) {
            best = (i, v)
        }
    }
}
