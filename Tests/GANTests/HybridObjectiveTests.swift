import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import GAN
@testable import Training

/// The hybrid objective is g_loss / λ + NLL. With the critic frozen (no critic steps), the
/// gradient of the trainer's generator loss with respect to the flow's parameters must be
/// ∇(-E[D(G(z))]) / λ + ∇NLL, the two parts computed here on their own from the same
/// parameters, the same latent draws and the same (continuous, not dequantised) batch.
/// Several λ, so that a loss g·λ + NLL (equal to the right one at λ = 1) fails.
@Suite("The hybrid objective's gradient is the ADV gradient over λ plus the MLE gradient")
struct HybridObjectiveTests {
    static func trainer(objective: Objective, lambda: Float, dequantizes: Bool = false) -> (AdversarialTrainer, Tensor) {
        var generator = RandomGenerator(seed: 31)
        let model = FlowModels.toy(additive: false, couplings: 2, hidden: 8, generator: &generator)
        let flowTrainer = FlowTrainer(model: model, learningRate: 1e-3, beta1: 0.5, beta2: 0.9, batchSize: 16, seed: 7, dequantizes: dequantizes)
        let critic = Critics.toy(hidden: 8, generator: &generator)
        let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic, objective: objective,
                                         lambda: lambda, criticSteps: 0, seed: 11)
        return (trainer, Tensor.normal([16, 2], std: 1, generator: &generator))
    }

    static func gradient(_ loss: Variable, _ model: NormalizingFlow) -> [[Float]] {
        gradients(of: loss, withRespectTo: model.parameters).map(\.value.values)
    }

    @Test("∇hybrid = ∇ADV / λ + ∇NLL", arguments: [Float(0.1), 1, 10])
    func hybridGradient(lambda: Float) {
        let (trainer, real) = Self.trainer(objective: .hybrid, lambda: lambda)
        let model = trainer.generatorTrainer.model
        var latentDraws = trainer.randomness
        var statistics = IterationStatistics()
        let hybrid = Self.gradient(trainer.generatorLoss(real: real, statistics: &statistics), model)

        let z = Variable(model.prior.sample(real.shape[0], shape: model.latentShape, generator: &latentDraws))
        let adversarial = Self.gradient(-trainer.critic(model.generate(z)).mean(), model)
        let likelihood = Self.gradient(model.negativeLogLikelihood(Variable(real)), model)

        #expect(hybrid.count == adversarial.count && !hybrid.isEmpty)
        var largest = 0.0
        for p in hybrid.indices {
            for i in hybrid[p].indices {
                let expected = Double(adversarial[p][i]) / Double(lambda) + Double(likelihood[p][i])
                let scale = 1 + abs(Double(adversarial[p][i])) / Double(lambda) + abs(Double(likelihood[p][i]))
                largest = max(largest, abs(Double(hybrid[p][i]) - expected) / scale)
            }
        }
        #expect(largest < 1e-5, "λ = \(lambda): largest relative difference \(largest)")
        // The ADV part matters at this λ: without it the gradient would differ.
        let adversarialSize = adversarial.joined().map { abs(Double($0)) }.max()!
        #expect(adversarialSize / Double(lambda) > 1e-3, "the ADV gradient is too small to tell λ apart: \(adversarialSize)")
    }

    @Test("the MLE objective's iterations are FlowTrainer's maximum-likelihood steps")
    func mleMatchesFlowTrainer() throws {
        let (trainer, _) = Self.trainer(objective: .mle, lambda: 1, dequantizes: true)
        let (reference, _) = Self.trainer(objective: .mle, lambda: 1, dequantizes: true)
        var data = RandomGenerator(seed: 5)
        for _ in 0..<4 {
            let batch = Tensor.uniform([16, 2], generator: &data)
            let statistics = try trainer.iteration(real: batch)
            let nll = try reference.generatorTrainer.maximumLikelihoodStep(batch)
            #expect(statistics.nll == nll)
        }
        let after = trainer.generatorTrainer.model.parameters.map(\.value.values)
        let expected = reference.generatorTrainer.model.parameters.map(\.value.values)
        #expect(after == expected)
        #expect(trainer.generatorTrainer.iteration == 4 && reference.generatorTrainer.iteration == 4)
    }

    @Test("generatorObjective runs only the parts its objective needs")
    func objectiveParts() {
        let score = Variable(Tensor(shape: [], values: [0.75])), nll = Variable(Tensor(shape: [], values: [2.0]))
        var calls: [String] = []
        func value(_ objective: Objective, lambda: Float) -> Float {
            generatorObjective(objective, lambda: lambda,
                               criticScoreOfSamples: { calls.append("critic"); return score },
                               nll: { calls.append("nll"); return nll }).value.scalar
        }
        #expect(value(.mle, lambda: 4) == 2 && calls == ["nll"])
        calls = []
        #expect(value(.adv, lambda: 4) == -0.75 && calls == ["critic"])
        calls = []
        #expect(value(.hybrid, lambda: 4) == -0.75 / 4 + 2 && calls == ["critic", "nll"])
    }
}
