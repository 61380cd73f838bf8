import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import GAN
@testable import Training

/// The critic steps of an iteration sample all their fake batches in one pass before the
/// first step (`criticBatches`). The oracle is what the steps did before that: one
/// `model.sample` per step, each followed by the step's penalty weights ε, drawn from a
/// generator with the trainer's seed, on a twin model with batch norm in its couplings.
@Suite("Critic batches sampled in one pass")
struct CriticBatchesTests {
    static func twin() -> NormalizingFlow {
        var generator = RandomGenerator(seed: 17)
        return FlowModels.nice(sampleShape: [1, 4, 4], hidden: 12, depth: 1, couplings: 2, generator: &generator)
    }

    @Test("equal step-by-step sampling: fakes, ε and batch-norm running averages", arguments: [false, true])
    func matchesStepByStep(clipping: Bool) {
        let (n, steps, seed): (Int, Int, UInt64) = (6, 4, 23)
        let model = Self.twin(), oracle = Self.twin()
        var generator = RandomGenerator(seed: 29)
        let flowTrainer = FlowTrainer(model: model, learningRate: 1e-3, beta1: 0.5, beta2: 0.9, batchSize: n, seed: seed)
        let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: Critics.toy(hidden: 4, generator: &generator),
                                         objective: .hybrid, lambda: 1, criticSteps: steps,
                                         clipping: clipping ? 0.01 : nil, seed: seed)
        let real = Tensor.uniform([n, 1, 4, 4], generator: &generator)
        let batches = trainer.criticBatches(like: real)

        var randomness = RandomGenerator(seed: seed, stream: 4004)
        #expect(batches.count == steps)
        for batch in batches {
            let fake = GradientRecording.withoutRecording { oracle.sample(n, generator: &randomness).value }
            #expect(batch.fake.shape == fake.shape && batch.fake.values == fake.values)
            if clipping {
                #expect(batch.epsilon == nil)
            } else {
                let epsilon = penaltyMixingWeights(like: real, generator: &randomness)
                #expect(batch.epsilon?.shape == [n, 1, 1, 1] && batch.epsilon?.values == epsilon.values)
            }
        }
        #expect(model.namedBuffers.map(\.buffer.values) == oracle.namedBuffers.map(\.buffer.values),
                "running averages updated once per batch, in order")
    }
}
