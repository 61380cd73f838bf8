import Foundation
import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import Checkpoints
import TestSupport
@testable import Training

/// A training checkpoint whose metadata was damaged or belongs to another run is refused
/// with a `CheckpointMismatch` naming the file, before the trainer is changed; the oracle
/// for "not changed" is the trainer's state before the attempt.
@Suite("Training checkpoints refuse what they cannot resume")
struct CheckpointRestoreTests {
    static func trainer(seed: UInt64 = 5) -> FlowTrainer {
        var generator = RandomGenerator(seed: 11)
        let flow = FlowModels.nice(sampleShape: [1, 2, 2], hidden: 6, depth: 1, couplings: 2, generator: &generator)
        return FlowTrainer(model: flow, learningRate: 1e-3, beta1: 0.5, beta2: 0.9, batchSize: 3, seed: seed)
    }

    /// A checkpoint after two MLE steps, rewritten with `edit` applied to its metadata.
    static func checkpoint(in scratch: ScratchFolder, edit: (inout [String: String]) -> Void) throws -> String {
        let trainer = trainer()
        var generator = RandomGenerator(seed: 2)
        let data = Tensor.uniform([3, 1, 2, 2], generator: &generator)
        for _ in 0..<2 { _ = try trainer.maximumLikelihoodStep(data) }
        let path = scratch.file("training.safetensors")
        try trainer.saveCheckpoint(to: path, description: "toy")
        var (tensors, metadata) = try Safetensors.read(path)
        metadata[Safetensors.checksumKey] = nil
        edit(&metadata)
        try Safetensors.write(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: metadata, to: path)
        return path
    }

    func refusal(_ path: String, seed: UInt64 = 5) -> (message: String?, untouched: Bool) {
        let fresh = Self.trainer(seed: seed)
        let before = stateTensors(of: fresh.model).map(\.1.values)
        do {
            try fresh.loadCheckpoint(from: path, description: "toy")
            return (nil, false)
        } catch {
            return ("\(error)", stateTensors(of: fresh.model).map(\.1.values) == before && fresh.iteration == 0)
        }
    }

    @Test("an unedited checkpoint resumes (the control for the cases below)")
    func control() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try Self.checkpoint(in: scratch) { _ in }
        let fresh = Self.trainer()
        try fresh.loadCheckpoint(from: path, description: "toy")
        #expect(fresh.iteration == 2)
    }

    @Test("negative or malformed counters, garbage history, another seed or batch size: refused, trainer unchanged",
          arguments: [("iteration", "-5", "malformed"), ("adam_step", "x", "malformed"), ("noise_state", "-1", "malformed"),
                      ("history", "{not json", "history"), ("seed", "6", "seed 6"), ("batch_size", "4", "batch size 4")])
    func refused(key: String, value: String, expected: String) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try Self.checkpoint(in: scratch) { $0[key] = value }
        let (message, untouched) = refusal(path)
        #expect(message?.hasPrefix(path) == true)
        #expect(message?.contains(expected) == true, "\(message ?? "accepted")")
        #expect(untouched)
    }

    @Test("resuming under another seed is refused and names the checkpoint's seed")
    func otherSeed() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try Self.checkpoint(in: scratch) { _ in }
        let (message, untouched) = refusal(path, seed: 9)
        #expect(message?.contains("--seed 5") == true, "\(message ?? "accepted")")
        #expect(untouched)
    }
}
