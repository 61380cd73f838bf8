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

    func refusal(_ path: String, seed: UInt64 = 5, maximumIterations: Int = 10) -> (message: String?, untouched: Bool) {
        let fresh = Self.trainer(seed: seed)
        let before = stateTensors(of: fresh.model).map(\.1.values)
        do {
            try fresh.loadCheckpoint(from: path, description: "toy", maximumIterations: maximumIterations)
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
        try fresh.loadCheckpoint(from: path, description: "toy", maximumIterations: 10)
        #expect(fresh.iteration == 2)
    }

    @Test("negative or malformed counters, garbage history, another seed or batch size: refused, trainer unchanged",
          arguments: [("iteration", "-5", "malformed"), ("adam_step", "x", "malformed"), ("noise_state", "-1", "malformed"),
                      ("history", "{not json", "history"), ("seed", "6", "seed 6"), ("batch_size", "4", "batch size 4"),
                      // Counts that would overflow Adam's step or claim an endless run (the checksum is valid).
                      ("iteration", "9223372036854775807", "iteration 9223372036854775807 or optimiser step 2 is beyond the 1000000000"),
                      ("iteration", "1000000001", "beyond the 1000000000 iterations"),
                      ("adam_step", "9223372036854775807", "optimiser step 9223372036854775807 is beyond the 1000000000")])
    func refused(key: String, value: String, expected: String) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try Self.checkpoint(in: scratch) { $0[key] = value }
        let (message, untouched) = refusal(path)
        #expect(message?.hasPrefix(path) == true)
        #expect(message?.contains(expected) == true, "\(message ?? "accepted")")
        #expect(untouched)
    }

    @Test("resuming a run shorter than the checkpoint is refused; one as long or longer resumes")
    func fewerIterations() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try Self.checkpoint(in: scratch) { _ in }
        let (message, untouched) = refusal(path, maximumIterations: 1)
        #expect(message == "\(path): does not fit this run: the checkpoint is at iteration 2, past the 1 iterations asked for; "
                + "ask for at least 2 or start without --resume")
        #expect(untouched)
        for total in [2, 3] {
            let fresh = Self.trainer()
            try fresh.loadCheckpoint(from: path, description: "toy", maximumIterations: total)
            #expect(fresh.iteration == 2)
        }
    }

    @Test("a model file whose metadata asks for a huge or empty flow is refused before anything is built",
          arguments: [["architecture": "realnvp", "features": "1000000", "blocks": "1000000"],
                      ["architecture": "realnvp", "features": "513", "blocks": "8"],
                      ["architecture": "realnvp", "features": "64", "blocks": "65"],
                      ["architecture": "realnvp", "features": "0", "blocks": "8"],
                      ["architecture": "realnvp", "features": "9223372036854775807", "blocks": "9223372036854775807"],
                      ["architecture": "nice", "hidden": "1000000", "depth": "5"],
                      ["architecture": "nice", "hidden": "1000", "depth": "1000000"]])
    func hugeArchitecture(metadata: [String: String]) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // A small flow's weights under metadata that describes another, huge one.
        let path = scratch.file("huge.safetensors")
        try saveModel(Self.trainer().model, metadata: metadata, to: path)
        var generator = RandomGenerator(seed: 1)
        do {
            _ = try loadFlow(from: path, generator: &generator)
            Issue.record("accepted \(metadata)")
        } catch let error as CheckpointMismatch {
            #expect("\(error)".hasPrefix("\(path): does not fit this run: its "), "\(error)")
            #expect(!"\(error)".contains("\n"))
        }
    }

    @Test("the largest sizes chapter 05 accepts are read back from metadata")
    func largestArchitecture() throws {
        #expect(try FlowArchitecture(metadata: ["architecture": "realnvp", "features": "512", "blocks": "64"], source: "x")
                == .realNVP(features: 512, blocks: 64))
        #expect(try FlowArchitecture(metadata: ["architecture": "realnvp", "features": "1", "blocks": "1"], source: "x")
                == .realNVP(features: 1, blocks: 1))
        #expect(try FlowArchitecture(metadata: ["architecture": "nice", "hidden": "4096", "depth": "32"], source: "x")
                == .nice(hidden: 4096, depth: 32))
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
