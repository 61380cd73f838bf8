import Foundation
import Testing
import TensorCore
import Autodiff
import Flows
import Evaluation

/// Bidirectional Monte Carlo on the linear-Gaussian decoder of AISTests, whose log p_σ(x) is
/// known in closed form: the forward bound must lie below it and the reverse bound above it
/// (up to their sampling error), and both must close in on it as the schedule lengthens.
///
/// What these tests found: with each chain's HMC step size adapted to its own acceptance
/// rate (the default, as Wu et al. do), the bounds cross at 1000 steps and σ = 0.2 (over 32
/// simulated images the forward estimate was 0.076 ± 0.036 nats above the exact value, the
/// reverse one 0.071 above): the adaptation makes AIS a little optimistic. With fixed step
/// sizes they bracket it (-0.002 and +0.044, gap 0.045). At σ = 0.003 a fixed step of σ
/// leaves a gap of 42 nats at 1000 steps; one step size per temperature, tuned by an
/// adaptive pilot run (what `bidirectionalMonteCarlo` does), brackets it with a gap of 0.40
/// nats (lower bound 0.14 below the exact value, upper 0.25 above, over 32 images).
@Suite("Bidirectional Monte Carlo brackets log p(x)")
struct BDMCTests {
    static func run(_ model: AISTests.LinearGaussian, sigma: Double, steps: Int, count: Int,
                    seed: UInt64, tuned: Bool) -> (images: Tensor, result: BDMCResult) {
        var configuration = AISConfiguration(steps: steps, leapfrogSteps: 5, chains: 16, noiseStandardDeviation: sigma,
                                             initialStepSize: min(0.1, sigma), schedule: AISConfiguration.schedule(sigma: sigma))
        // Fixed transitions: the constant step min(0.1, σ), or (tuned) one step size per
        // temperature from an adaptive pilot run.
        configuration.adaptsStepSize = tuned
        var generator = RandomGenerator(seed: seed)
        return bidirectionalMonteCarlo(decoder: model.decode, latentDimension: model.d,
                                       logPrior: AISTests.standardNormalLogDensity,
                                       samplePrior: { n, random in Tensor.normal([n, model.d], generator: &random) },
                                       count: count, configuration: configuration, generator: &generator)
    }

    /// The exact log p_σ(x) of each simulated image.
    static func exact(_ model: AISTests.LinearGaussian, _ images: Tensor, sigma: Double) -> [Double] {
        let values = images.values.map(Double.init), n = model.outputs
        return (0..<images.shape[0]).map { model.exactLogMarginal(Array(values[($0 * n)..<(($0 + 1) * n)]), sigma: sigma) }
    }

    @Test("on average the forward bound lies below the exact log p(x) and the reverse bound above it; a long schedule closes the gap",
          arguments: [(0.2, UInt64(31), false), (0.1, UInt64(32), false), (0.2, UInt64(33), true), (0.003, UInt64(34), true)])
    func brackets(sigma: Double, seed: UInt64, tuned: Bool) {
        let model = AISTests.LinearGaussian(latent: 3, observed: 5, seed: seed)
        // Each image's bounds are random (they hold in expectation), so they are compared
        // with the exact values on average over the simulated images.
        func summary(steps: Int, count: Int, seed: UInt64) -> (lower: Double, upper: Double, exact: Double, error: Double, gap: Double) {
            let (images, result) = Self.run(model, sigma: sigma, steps: steps, count: count, seed: seed, tuned: tuned)
            let exact = Self.exact(model, images, sigma: sigma)
            let belowExact = zip(result.lower.logLikelihoods, exact).map { $0 - $1 }
            let aboveExact = zip(result.upper.logLikelihoods, exact).map { $0 - $1 }
            let lower = meanAndStandardError(belowExact), upper = meanAndStandardError(aboveExact)
            return (lower.mean, upper.mean, 0, max(lower.standardError, upper.standardError), result.meanGap)
        }
        let short = summary(steps: 10, count: 32, seed: seed + 1)
        let long = summary(steps: 1000, count: 32, seed: seed + 2)
        #expect(short.lower < 0 && short.upper > 0, "10 steps: lower - exact \(short.lower), upper - exact \(short.upper)")
        #expect(short.gap > 1, "a 10-step schedule should leave a wide gap, got \(short.gap)")
        #expect(long.lower < 2 * long.error && long.upper > -2 * long.error,
                "1000 steps: lower - exact \(long.lower), upper - exact \(long.upper) (standard error \(long.error))")
        #expect(long.gap < 1 && long.gap < short.gap / 4, "1000 steps: gap \(long.gap), 10 steps: \(short.gap)")
    }

    /// With one step, AIS weighs prior draws by p(x | z): importance sampling from the prior,
    /// p̂(x) = (1/K) Σ_k p(x | z_k), the estimator of the VAE slide. The oracle draws the same
    /// prior samples (the chains' first draws) and computes the Gaussian likelihoods itself.
    @Test("AIS with one step is importance sampling from the prior")
    func oneStepIsPriorImportanceSampling() {
        let sigma = 0.3
        let model = AISTests.LinearGaussian(latent: 2, observed: 3, seed: 41)
        let x: [Float] = [0.2, -0.4, 0.7]
        let chains = 64
        let configuration = AISConfiguration(steps: 1, leapfrogSteps: 2, chains: chains, noiseStandardDeviation: sigma,
                                             initialStepSize: 0.1, schedule: .linear)
        var generator = RandomGenerator(seed: 42)
        let estimate = annealedImportanceSampling(
            decoder: model.decode, latentDimension: model.d, logPrior: AISTests.standardNormalLogDensity,
            samplePrior: { n, random in Tensor.normal([n, model.d], generator: &random) },
            images: Tensor(shape: [1, 3], values: x), configuration: configuration, generator: &generator)
        var oracleRandom = RandomGenerator(seed: 42)
        let z = Tensor.normal([chains, model.d], generator: &oracleRandom).values.map(Double.init)
        let logLikelihoods = (0..<chains).map { k -> Double in
            var squares = 0.0
            for i in 0..<3 {
                let mean = model.b[i] + (0..<model.d).reduce(0.0) { $0 + model.a[i][$1] * z[k * model.d + $1] }
                squares += (Double(x[i]) - mean) * (Double(x[i]) - mean)
            }
            return -0.5 * squares / (sigma * sigma) - 1.5 * Foundation.log(2 * Double.pi * sigma * sigma)
        }
        let top = logLikelihoods.max()!
        let oracle = top + Foundation.log(logLikelihoods.map { Foundation.exp($0 - top) }.reduce(0, +) / Double(chains))
        #expect(abs(estimate.logLikelihoods[0] - oracle) < 1e-4, "AIS(1 step) \(estimate.logLikelihoods[0]), prior IS \(oracle)")
    }

    /// Real images annealed alongside the simulated ones, with groups of images smaller than
    /// the batch so that they cross group boundaries: each image's estimate must still be its
    /// own (against the closed form), and the simulated images' bounds must still bracket theirs.
    @Test("images annealed alongside the simulated ones get their own estimates, across groups of images")
    func alongsideImages() {
        let sigma = 0.3
        let model = AISTests.LinearGaussian(latent: 2, observed: 4, seed: 71)
        var random = RandomGenerator(seed: 72)
        let real = Tensor.uniform([5, 4], low: -1, high: 1, generator: &random)
        var configuration = AISConfiguration(steps: 200, leapfrogSteps: 5, chains: 8, noiseStandardDeviation: sigma,
                                             initialStepSize: 0.1, schedule: AISConfiguration.schedule(sigma: sigma))
        configuration.maximumBatchRows = 24   // three images per group: the 6 + 5 images span four groups
        var generator = RandomGenerator(seed: 73)
        let (images, result) = bidirectionalMonteCarlo(
            decoder: model.decode, latentDimension: model.d, logPrior: AISTests.standardNormalLogDensity,
            samplePrior: { n, random in Tensor.normal([n, model.d], generator: &random) },
            count: 6, configuration: configuration, alongside: real, generator: &generator)
        let estimates = try! #require(result.alongside)
        #expect(estimates.logLikelihoods.count == 5 && result.lower.logLikelihoods.count == 6)
        let values = real.values
        for i in 0..<5 {
            let exact = model.exactLogMarginal(values[(4 * i)..<(4 * i + 4)].map(Double.init), sigma: sigma)
            #expect(abs(estimates.logLikelihoods[i] - exact) < 0.3, "real image \(i): \(estimates.logLikelihoods[i]) against \(exact)")
        }
        let exact = Self.exact(model, images, sigma: sigma)
        let lower = meanAndStandardError(zip(result.lower.logLikelihoods, exact).map { $0 - $1 })
        let upper = meanAndStandardError(zip(result.upper.logLikelihoods, exact).map { $0 - $1 })
        #expect(lower.mean < 2 * lower.standardError + 0.02 && upper.mean > -2 * upper.standardError - 0.02,
                "lower - exact \(lower.mean), upper - exact \(upper.mean)")
    }

    /// The flow overload on a diagonal scaling flow, G(z) = z ⊙ exp(-s): x_i ~ N(0, exp(-2 s_i)
    /// + σ²) independently, so each simulated image's log p_σ(x) is known.
    @Test("the flow overload brackets a diagonal scaling flow's exact log p(x) and restores the flow's mode")
    func diagonalFlow() {
        let flow = AISTests.diagonalScalingFlow()
        let sigma = 0.2
        var generator = RandomGenerator(seed: 51)
        let (images, result) = bidirectionalMonteCarlo(
            flow: flow, count: 24,
            configuration: AISConfiguration(steps: 500, leapfrogSteps: 5, chains: 16, noiseStandardDeviation: sigma),
            generator: &generator)
        let values = images.values
        let exact = (0..<24).map { i in AISTests.diagonalScalingLogDensity(Array(values[(i * 3)..<(i * 3 + 3)]), sigma: sigma) }
        let lower = meanAndStandardError(zip(result.lower.logLikelihoods, exact).map { $0 - $1 })
        let upper = meanAndStandardError(zip(result.upper.logLikelihoods, exact).map { $0 - $1 })
        #expect(lower.mean < 2 * lower.standardError + 0.01 && upper.mean > -2 * upper.standardError - 0.01,
                "lower - exact \(lower.mean) ± \(lower.standardError), upper - exact \(upper.mean) ± \(upper.standardError)")
        #expect(result.meanGap < 0.2, "gap \(result.meanGap)")
        #expect(flow.isTraining == true, "the mode is restored after evaluation")
    }
}
