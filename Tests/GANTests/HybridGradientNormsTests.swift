import Testing
import TestSupport
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import Datasets
import GAN
@testable import Training

/// `hybridGradientNorms`, the measurement chapter 05 makes at every evaluation of the hybrid:
/// its two norms and cosine against central finite differences of the two losses along
/// directions in parameter space, and a run that measures against one that does not (the
/// same parameters and batch-norm averages to the last bit).
@Suite("The hybrid's two gradient norms")
struct HybridGradientNormsTests {
    /// A small NICE on 28x28 images (batch norm in its coupling networks) against a narrow
    /// MNIST critic, and a batch of random images with values k/255.
    static func trainer(lambda: Float = 0.1) -> (AdversarialTrainer, Tensor) {
        var generator = RandomGenerator(seed: 5)
        let model = FlowArchitecture.nice(hidden: 16, depth: 1).build(generator: &generator)
        var source = SplitMix64(state: 9)
        for parameter in model.parameters { parameter.value = parameter.value.map { $0 + source.nextFloat(-0.05, 0.05) } }
        let flowTrainer = FlowTrainer(model: model, learningRate: 1e-3, beta1: 0.5, beta2: 0.9, batchSize: 8, seed: 7)
        let critic = Critics.mnist(generator: &generator, width: 8)
        let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic, objective: .hybrid,
                                         lambda: lambda, criticSteps: 1, seed: 11)
        let images = Tensor(shape: [8, 1, 28, 28], values: (0..<(8 * 784)).map { _ in Float(source.next(below: 256)) / 255 })
        return (trainer, images)
    }

    /// (L(θ + εu) - L(θ - εu)) / 2ε in Double, u a direction given per parameter.
    static func slope(_ loss: () -> Variable, along u: [[Double]], parameters: [Variable], epsilon: Double) -> Double {
        let original = parameters.map(\.value)
        func shifted(_ sign: Double) -> Double {
            for (p, (value, direction)) in zip(parameters, zip(original, u)) {
                p.value = Tensor(shape: value.shape, values: zip(value.values, direction).map { Float(Double($0) + sign * epsilon * $1) })
            }
            return Double(GradientRecording.withoutRecording { loss().value.scalar })
        }
        let difference = shifted(1) - shifted(-1)
        for (p, value) in zip(parameters, original) { p.value = value }
        return difference / (2 * epsilon)
    }

    @Test("the norms and the cosine agree with central differences of NLL and g_loss / λ along the gradients' directions")
    func normsAgainstFiniteDifferences() throws {
        let (trainer, images) = Self.trainer()
        let model = trainer.generatorTrainer.model, parameters = model.parameters
        var probe = RandomGenerator(seed: 3, stream: 77)
        let measured = try trainer.hybridGradientNorms(real: images, generator: &probe)

        // The same draws as the measurement: the dequantisation noise, then the latents.
        var draws = RandomGenerator(seed: 3, stream: 77)
        let y = Variable(Dequantization.apply(images, generator: &draws))
        let z = Variable(model.prior.sample(images.shape[0], shape: model.latentShape, generator: &draws))
        let saved = Dictionary(uniqueKeysWithValues: model.namedBuffers.map { ($0.name, $0.buffer) })
        let nllLoss = { model.negativeLogLikelihood(y) }
        let adversarialLoss = { -trainer.critic(model.generate(z)).mean() * (1 / trainer.lambda) }
        // Directions: each gradient normalised (from autodiff; the slopes along them are the oracle).
        func unit(_ loss: Variable) -> [[Double]] {
            let g = gradients(of: loss, withRespectTo: parameters).map { $0.value.values.map(Double.init) }
            let norm = g.joined().map { $0 * $0 }.reduce(0, +).squareRoot()
            return g.map { $0.map { $0 / norm } }
        }
        let uNLL = unit(nllLoss()), uAdversarial = unit(adversarialLoss())
        let nllSlope = Self.slope(nllLoss, along: uNLL, parameters: parameters, epsilon: 1e-3)
        let adversarialSlope = Self.slope(adversarialLoss, along: uAdversarial, parameters: parameters, epsilon: 1e-3)
        let crossSlope = Self.slope(adversarialLoss, along: uNLL, parameters: parameters, epsilon: 1e-3)
        try model.loadBuffers(saved)

        #expect(abs(measured.nll / nllSlope - 1) < 0.02, "‖∇NLL‖ \(measured.nll), slope \(nllSlope)")
        #expect(abs(measured.adversarial / adversarialSlope - 1) < 0.02, "‖∇g/λ‖ \(measured.adversarial), slope \(adversarialSlope)")
        // Along ∇NLL's direction g_loss / λ changes at ‖∇(g/λ)‖ cos θ.
        #expect(abs(measured.adversarial * measured.cosine - crossSlope) < 0.02 * measured.adversarial,
                "cos \(measured.cosine): \(measured.adversarial * measured.cosine) vs slope \(crossSlope)")
        #expect(measured.nll > 0 && measured.adversarial > 0 && abs(measured.cosine) <= 1)
    }

    @Test("a run that measures between its steps trains to the same bits as one that does not")
    func measuringDoesNotChangeTraining() throws {
        let (measuring, images) = Self.trainer(), (plain, _) = Self.trainer()
        var probe = RandomGenerator(seed: 1, stream: 77)
        for _ in 0..<2 {
            for (a, b) in [(measuring, true), (plain, false)] {
                var statistics = IterationStatistics()
                for (fake, epsilon) in a.criticBatches(like: images) { _ = try a.criticStep(real: images, fake: fake, epsilon: epsilon) }
                if b { _ = try a.hybridGradientNorms(real: images, generator: &probe) }
                try a.generatorStep(real: images, statistics: &statistics)
            }
        }
        let (m, p) = (measuring.generatorTrainer.model, plain.generatorTrainer.model)
        #expect(zip(m.parameters, p.parameters).allSatisfy { $0.value.values == $1.value.values })
        #expect(zip(m.namedBuffers, p.namedBuffers).allSatisfy { $0.buffer.values == $1.buffer.values })
        #expect(!m.namedBuffers.isEmpty, "the model has batch-norm averages to disturb")
        // And the measurement does update them when not put back: it is a real forward pass in training mode.
        let before = m.namedBuffers.map(\.buffer.values)
        _ = GradientRecording.withoutRecording { m.negativeLogLikelihood(Variable(images)) }
        #expect(m.namedBuffers.map(\.buffer.values) != before)
    }
}
