import Foundation
import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import GAN
import Checkpoints
@testable import Training

/// `--resume` for chapter 05: an MLE, ADV or hybrid run interrupted after a checkpoint and continued in
/// a new trainer must end with exactly the weights, optimiser moments and running averages
/// of the same run done in one go (the oracle), bit for bit: the same code on the same
/// numbers in the same order, so no tolerance is needed.
@Suite("Adversarial training resumes exactly")
struct AdversarialResumeTests {
    static func trainer(objective: Objective, seed: UInt64 = 7, lambda: Float = 0.5, criticSteps: Int = 3) -> AdversarialTrainer {
        var generator = RandomGenerator(seed: 17)
        let flow = FlowModels.nice(sampleShape: [1, 4, 4], hidden: 12, depth: 1, couplings: 2, generator: &generator)
        let flowTrainer = FlowTrainer(model: flow, learningRate: 1e-3, beta1: 0.5, beta2: 0.9, batchSize: 6, seed: seed)
        let critic = Sequential([Flatten(), Linear(16, 8, generator: &generator), LeakyReLU(slope: 0.2),
                                 Linear(8, 1, generator: &generator)])
        return AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic,
                                  objective: objective, lambda: lambda, criticSteps: criticSteps, seed: seed)
    }

    static func run(_ trainer: AdversarialTrainer, until iterations: Int, data: Tensor) throws {
        while trainer.generatorTrainer.iteration < iterations {
            let indices = trainer.generatorTrainer.batchIndices(trainCount: data.shape[0])
            _ = try trainer.iteration(real: Tensor.concatenate(indices.map { data.slice($0..<($0 + 1), alongAxis: 0) }, alongAxis: 0))
        }
    }

    static func state(_ trainer: AdversarialTrainer) -> [[Float]] {
        stateTensors(of: trainer.generatorTrainer.model).map(\.1.values) + stateTensors(of: trainer.critic).map(\.1.values)
            + trainer.generatorTrainer.optimiser.firstMoments.map(\.values) + trainer.criticOptimiser.secondMoments.map(\.values)
    }

    @Test("interrupted at iteration 4 and resumed to 9 equals 9 in one go", arguments: [Objective.mle, .hybrid, .adv])
    func resumesExactly(objective: Objective) throws {
        var generator = RandomGenerator(seed: 3)
        let data = Tensor.uniform([30, 1, 4, 4], generator: &generator)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("training.safetensors").path

        let oracle = Self.trainer(objective: objective)
        try Self.run(oracle, until: 9, data: data)

        let first = Self.trainer(objective: objective)
        try Self.run(first, until: 4, data: data)
        // Chapter 05's first record has no training loss yet (NaN), which must survive.
        first.generatorTrainer.record(TrainingRecord(iteration: 0, seconds: 0, trainLoss: .nan, validationNLL: 12.5))
        try first.saveCheckpoint(to: path, description: "test")
        let second = Self.trainer(objective: objective)
        try second.loadCheckpoint(from: path, description: "test", maximumIterations: 9)
        #expect(second.generatorTrainer.iteration == 4)
        #expect(second.generatorTrainer.history.count == 1 && second.generatorTrainer.history[0].trainLoss.isNaN
                && second.generatorTrainer.history[0].validationNLL == 12.5)
        try Self.run(second, until: 9, data: data)
        #expect(Self.state(second) == Self.state(oracle))
        // Without the checkpoint, a fresh trainer does not reach the oracle's state.
        let fresh = Self.trainer(objective: objective)
        try Self.run(fresh, until: 5, data: data)
        #expect(Self.state(fresh) != Self.state(oracle))
    }

    @Test("a checkpoint of another objective or description is refused")
    func mismatches() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("training.safetensors").path
        try Self.trainer(objective: .hybrid).saveCheckpoint(to: path, description: "test")
        #expect(throws: CheckpointMismatch.self) { try Self.trainer(objective: .adv).loadCheckpoint(from: path, description: "test", maximumIterations: 9) }
        #expect(throws: CheckpointMismatch.self) { try Self.trainer(objective: .hybrid).loadCheckpoint(from: path, description: "other", maximumIterations: 9) }
    }

    /// A checkpoint of `objective` after two iterations (λ 0.5, 3 critic steps) in a new
    /// folder, with `edit` applied to its metadata (the file rewritten with a valid checksum).
    static func checkpoint(_ objective: Objective, edit: (inout [String: String]) -> Void = { _ in }) throws -> (path: String, folder: URL) {
        var generator = RandomGenerator(seed: 3)
        let data = Tensor.uniform([30, 1, 4, 4], generator: &generator)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("training.safetensors").path
        let trainer = Self.trainer(objective: objective)
        try Self.run(trainer, until: 2, data: data)
        try trainer.saveCheckpoint(to: path, description: "test")
        var (tensors, metadata) = try Safetensors.read(path)
        edit(&metadata)
        try Safetensors.write(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: metadata, to: path)
        return (path, folder)
    }

    /// The message of the refusal to resume `trainer` from `path`, nil when it resumed; the
    /// trainer must be unchanged by a refusal.
    static func refusal(_ trainer: AdversarialTrainer, _ path: String, maximumIterations: Int = 9) -> String? {
        let before = state(trainer)
        do {
            try trainer.loadCheckpoint(from: path, description: "test", maximumIterations: maximumIterations)
            return nil
        } catch {
            #expect(state(trainer) == before && trainer.generatorTrainer.iteration == 0, "changed by a refused checkpoint")
            return "\(error)"
        }
    }

    @Test("the checkpoint records lambda and the critic steps; another lambda (hybrid) or critic steps (ADV, hybrid) is refused")
    func identity() throws {
        for objective in [Objective.hybrid, .adv, .mle] {
            let (path, folder) = try Self.checkpoint(objective)
            defer { try? FileManager.default.removeItem(at: folder) }
            let metadata = try Safetensors.read(path).metadata
            #expect(metadata["lambda"] == "0.5" && metadata["critic_steps"] == "3")
            // Control: the same settings resume.
            #expect(Self.refusal(Self.trainer(objective: objective), path) == nil)
            let otherLambda = Self.refusal(Self.trainer(objective: objective, lambda: 2), path)
            let otherSteps = Self.refusal(Self.trainer(objective: objective, criticSteps: 5), path)
            if objective == .hybrid {
                #expect(otherLambda == "\(path): does not fit this run: it was trained with lambda 0.5, this run uses 2.0; "
                        + "pass --lambda 0.5 or start without --resume")
            } else {
                // ADV and MLE do not use λ: their weights are those of any λ.
                #expect(otherLambda == nil, "\(objective): \(otherLambda ?? "")")
            }
            if objective == .mle {
                #expect(otherSteps == nil, "MLE takes no critic steps: \(otherSteps ?? "")")
            } else {
                #expect(otherSteps == "\(path): does not fit this run: it was trained with 3 critic steps per iteration, "
                        + "this run uses 5; pass --n-critic 3 or start without --resume")
            }
        }
    }

    @Test("a checkpoint that does not record lambda and the critic steps is refused with one sentence",
          arguments: ["lambda", "critic_steps"])
    func unrecordedIdentity(key: String) throws {
        let (path, folder) = try Self.checkpoint(.hybrid) { $0[key] = nil }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(Self.refusal(Self.trainer(objective: .hybrid), path)
                == "\(path): does not fit this run: it does not record the lambda and critic steps it was trained with: "
                + "it was written by an older version of the course; start without --resume")
    }

    @Test("resuming a run shorter than the checkpoint, or from an absurd critic step count, is refused")
    func boundedCounts() throws {
        let (path, folder) = try Self.checkpoint(.hybrid)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(Self.refusal(Self.trainer(objective: .hybrid), path, maximumIterations: 1)
                == "\(path): does not fit this run: the checkpoint is at iteration 2, past the 1 iterations asked for; "
                + "ask for at least 2 or start without --resume")
        #expect(Self.refusal(Self.trainer(objective: .hybrid), path, maximumIterations: 2) == nil)
        for step in ["9223372036854775807", "3000000001", "-1"] {
            let (edited, editedFolder) = try Self.checkpoint(.hybrid) { $0["critic_adam_step"] = step }
            defer { try? FileManager.default.removeItem(at: editedFolder) }
            #expect(Self.refusal(Self.trainer(objective: .hybrid), edited)
                    == "\(edited): does not fit this run: its critic metadata is missing or malformed", "critic step \(step)")
        }
    }
}
