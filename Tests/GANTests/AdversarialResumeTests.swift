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
    static func trainer(objective: Objective, seed: UInt64 = 7) -> AdversarialTrainer {
        var generator = RandomGenerator(seed: 17)
        let flow = FlowModels.nice(sampleShape: [1, 4, 4], hidden: 12, depth: 1, couplings: 2, generator: &generator)
        let flowTrainer = FlowTrainer(model: flow, learningRate: 1e-3, beta1: 0.5, beta2: 0.9, batchSize: 6, seed: seed)
        let critic = Sequential([Flatten(), Linear(16, 8, generator: &generator), LeakyReLU(slope: 0.2),
                                 Linear(8, 1, generator: &generator)])
        return AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic,
                                  objective: objective, lambda: 0.5, criticSteps: 3, seed: seed)
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
        try second.loadCheckpoint(from: path, description: "test")
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
        #expect(throws: CheckpointMismatch.self) { try Self.trainer(objective: .adv).loadCheckpoint(from: path, description: "test") }
        #expect(throws: CheckpointMismatch.self) { try Self.trainer(objective: .hybrid).loadCheckpoint(from: path, description: "other") }
    }
}
