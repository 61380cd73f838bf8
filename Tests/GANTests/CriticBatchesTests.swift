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
///
/// The random draws (latents, ε) are equal by construction: the same generator is read in
/// the same order, so ε is compared bit for bit. The fakes and running averages are not:
/// one pass multiplies 24-row matrices where the steps multiplied 6-row ones, and a GEMM
/// kernel may block and sum the inner dimension differently for different row counts
/// (OpenBLAS's SkylakeX kernels happen to agree bit for bit here, its Prescott and Haswell
/// kernels differ by 1-2 ulp). Two summation orders of a length-k dot product differ by at
/// most 2γ_k Σ|a||b| with γ_k ≈ k·u, u = 2⁻²⁴ (Higham, *Accuracy and Stability of
/// Numerical Algorithms*, §3.1); with k ≤ 16 here that is about 2e-6 of the terms'
/// magnitude per product. The fakes are sigmoid outputs in (0, 1) after two couplings of
/// three products each, so they are compared within 1e-5 absolute, and the running
/// averages within 1e-5 relative: about 100 times the 1e-7 to 3e-7 measured under
/// Prescott and Haswell, and far below what a wrongly grouped batch statistic gives (the
/// batch means of 6 and 24 rows differ in the first or second digit).
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
            #expect(batch.fake.shape == fake.shape)
            #expect(maximumDifference(batch.fake.values, fake.values) <= 1e-5)
            if clipping {
                #expect(batch.epsilon == nil)
            } else {
                let epsilon = penaltyMixingWeights(like: real, generator: &randomness)
                #expect(batch.epsilon?.shape == [n, 1, 1, 1] && batch.epsilon?.values == epsilon.values)
            }
        }
        #expect(model.namedBuffers.map(\.name) == oracle.namedBuffers.map(\.name))
        for (buffer, expected) in zip(model.namedBuffers, oracle.namedBuffers) {
            #expect(maximumDifference(buffer.buffer.values, expected.buffer.values, relative: true) <= 1e-5,
                    "running averages updated once per batch, in order: \(buffer.name)")
        }
    }
}

/// The largest elementwise |a - b| (divided by |b| when `relative`, with a floor of 1e-6
/// so that values near zero are compared absolutely); infinity when the counts differ.
func maximumDifference(_ a: [Float], _ b: [Float], relative: Bool = false) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) / (relative ? max(abs($1), 1e-6) : 1) }.max() ?? 0
}
