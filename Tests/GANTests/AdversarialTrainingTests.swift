import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import GAN
import Training
import Foundation

/// Training a 2-D flow on data ~ N((2, -1), 0.1² I), whose answer is known: the generated
/// mean should reach (2, -1), and the best expected NLL is the data's entropy,
/// log(2π e σ²) = log(2π) + 1 + 2 log 0.1 ≈ -1.767 nats.
@Suite("Adversarial, hybrid and maximum-likelihood training on a Gaussian")
struct AdversarialTrainingTests {
    static let target: [Double] = [2, -1]
    static let spread: Float = 0.1

    static func dataBatch(_ n: Int, generator: inout RandomGenerator) -> Tensor {
        let noise = Tensor.normal([n, 2], std: spread, generator: &generator).values
        return Tensor(shape: [n, 2], values: noise.indices.map { noise[$0] + Float(target[$0 % 2]) })
    }

    /// The mean of 4000 generated points.
    static func generatedMean(_ model: NormalizingFlow) -> [Double] {
        var generator = RandomGenerator(seed: 99, stream: 5)
        return columnMeans(GradientRecording.withoutRecording { model.sample(4000, generator: &generator).value })
    }

    /// An additive-coupling toy flow: its shifts m(·) are unbounded, so it can move its
    /// mass to (2, -1) and shrink it to σ = 0.1. (The affine toy flow bounds each shift by
    /// tanh: its last coupling makes x₀ = (z₀ - m) e^(-l) with |m| < 1 and z₀ independent
    /// of (m, l), so |E x₀| < sd(x₀), and N(2, 0.1²) is out of its reach.)
    static func setUp(objective: Objective, seed: UInt64, iterations: Int, learningRate: Float = 3e-3)
        throws -> (before: [Double], after: [Double], statistics: [IterationStatistics], model: NormalizingFlow) {
        var generator = RandomGenerator(seed: seed)
        let model = FlowModels.toy(additive: true, couplings: 2, hidden: 16, generator: &generator)
        let flowTrainer = FlowTrainer(model: model, learningRate: learningRate, beta1: 0.5, beta2: 0.9, batchSize: 128, seed: seed, dequantizes: false)
        let critic = Critics.toy(hidden: 32, generator: &generator)
        let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic, objective: objective, lambda: 1,
                                         criticSteps: 5, criticLearningRate: 1e-3, seed: seed)
        let before = generatedMean(model)
        var data = RandomGenerator(seed: seed, stream: 21)
        var statistics: [IterationStatistics] = []
        for _ in 0..<iterations {
            statistics.append(try trainer.iteration(real: dataBatch(128, generator: &data)))
        }
        return (before, generatedMean(model), statistics, model)
    }

    @Test("ADV: the generated mean moves from near 0 to (2, -1)")
    func adversarial() throws {
        let run = try Self.setUp(objective: .adv, seed: 3, iterations: 300)
        let (start, end) = (distance(run.before, Self.target), distance(run.after, Self.target))
        // The critic's estimate E[D(x)] - E[D(G(z))] rises while the critic learns to
        // separate the two, and falls as the generator closes the gap; it stays positive.
        let w = run.statistics.map(\.wassersteinEstimate)
        let (early, late) = (w.prefix(60).max()!, w.suffix(20).reduce(0, +) / 20)
        #expect(distance(run.before, [0, 0]) < 0.5, "starts near 0: \(run.before)")
        #expect(end < 0.25, "generated mean \(run.after), target \(Self.target)")
        #expect(end < start / 8, "distance \(start) -> \(end)")
        #expect(late > 0 && late < 0.4 * early, "Wasserstein estimate: largest early \(early), last 20 \(late)")
    }

    @Test("Hybrid: the generated mean moves to (2, -1) and the NLL falls")
    func hybrid() throws {
        let run = try Self.setUp(objective: .hybrid, seed: 4, iterations: 300)
        let (start, end) = (distance(run.before, Self.target), distance(run.after, Self.target))
        let nll = run.statistics.map(\.nll)
        let (first, last) = (nll.prefix(10).reduce(0, +) / 10, nll.suffix(10).reduce(0, +) / 10)
        #expect(last < first - 2, "training NLL \(first) -> \(last)")
        #expect(end < 0.25, "generated mean \(run.after), target \(Self.target)")
        #expect(end < start / 8, "distance \(start) -> \(end)")
    }

    @Test("MLE: the NLL falls toward the data's entropy, and the mean reaches (2, -1)")
    func maximumLikelihood() throws {
        let run = try Self.setUp(objective: .mle, seed: 5, iterations: 600, learningRate: 1e-2)
        var heldOut = RandomGenerator(seed: 123, stream: 8)
        let test = Self.dataBatch(4000, generator: &heldOut)
        let nll = GradientRecording.withoutRecording { Double(run.model.negativeLogLikelihood(Variable(test)).value.scalar) }
        let entropy = 1 + log(2 * Double.pi) + 2 * log(0.1)
        #expect(Double(run.statistics[0].nll) > entropy + 5, "the first batch's NLL \(run.statistics[0].nll)")
        #expect(nll < entropy + 0.2, "held-out NLL \(nll), entropy \(entropy)")
        #expect(nll > entropy - 0.05, "no model beats the entropy on held-out data: \(nll) < \(entropy)")
        #expect(distance(run.after, Self.target) < 0.1, "generated mean \(run.after)")
        #expect(run.statistics.allSatisfy { $0.wassersteinEstimate.isNaN }, "MLE trains no critic")
    }

    /// A frozen linear critic D(x) = a·x + b (learning rate 0) and a frozen generator
    /// G(z) = z, z ~ N(0, I): D(G(z)) ~ N(b, ‖a‖²), so the reported estimate should be
    /// mean D(real) - b within a few standard errors ‖a‖/√N, the penalty (‖a‖ - 1)²
    /// exactly, and the generator loss -E[D(G(z))] ≈ -b.
    @Test("the Wasserstein estimate is E[D(real)] - E[D(fake)] on a frozen critic")
    func wassersteinEstimate() throws {
        let (a, b): ([Float], Float) = ([2, 0], 0.5)
        let n = 4096
        let model = NormalizingFlow([DiagonalScaling(shape: [2])], prior: .standardNormal, sampleShape: [2], latentShape: [2])
        let flowTrainer = FlowTrainer(model: model, learningRate: 0, beta1: 0.5, beta2: 0.9, batchSize: n, seed: 8, dequantizes: false)
        let critic = Sequential([linear(weight: a.map { [$0] }, bias: [b])])
        let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic, objective: .adv, lambda: 1,
                                         criticSteps: 1, criticLearningRate: 0, seed: 8)
        var generator = RandomGenerator(seed: 31)
        let real = Tensor.normal([n, 2], mean: 1.5, std: 0.5, generator: &generator)
        let realScore = dot(real.values, (0..<n).flatMap { _ in a }) / Double(n) + Double(b)
        let standardError = norm(a) / Double(n).squareRoot()
        for _ in 0..<5 {
            let statistics = try trainer.iteration(real: real)
            let expected = realScore - Double(b)
            #expect(abs(Double(statistics.wassersteinEstimate) - expected) <= 4.5 * standardError,
                    "estimate \(statistics.wassersteinEstimate), expected \(expected) ± \(standardError)")
            #expect(abs(Double(statistics.penalty) - 1) <= 1e-5, "penalty \(statistics.penalty), expected (‖a‖ - 1)² = 1")
            #expect(abs(Double(statistics.generatorLoss) + Double(b)) <= 4.5 * standardError,
                    "generator loss \(statistics.generatorLoss), expected -b = \(-b)")
        }
        #expect(critic.parameters.map(\.value.values) == [a, [b]], "a learning rate of 0 leaves the critic as it was")
    }

    @Test("weight clipping instead of the penalty keeps every critic weight in [-c, c]")
    func clippedCritic() throws {
        var generator = RandomGenerator(seed: 41)
        let model = FlowModels.toy(additive: true, couplings: 2, hidden: 8, generator: &generator)
        let flowTrainer = FlowTrainer(model: model, learningRate: 1e-3, beta1: 0.5, beta2: 0.9, batchSize: 64, seed: 41, dequantizes: false)
        let critic = Critics.toy(hidden: 16, generator: &generator)
        #expect(critic.parameters.contains { $0.value.values.contains { abs($0) > 0.01 } })
        let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic, objective: .adv, lambda: 1,
                                         criticSteps: 2, clipping: 0.01, seed: 41)
        let statistics = try trainer.iteration(real: Self.dataBatch(64, generator: &generator))
        #expect(statistics.penalty == 0, "no penalty is computed when clipping")
        #expect(critic.parameters.allSatisfy { $0.value.values.allSatisfy { abs($0) <= 0.01 } })
    }
}
