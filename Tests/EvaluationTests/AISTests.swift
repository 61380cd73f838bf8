import Foundation
import Testing
import TensorCore
import Autodiff
import Flows
import Evaluation

/// AIS against the one decoder-based model whose marginal likelihood is known in closed
/// form: z ~ N(0, I_d), x | z ~ N(A z + b, σ² I_D), so x ~ N(b, A Aᵀ + σ² I).
@Suite("Annealed importance sampling on linear-Gaussian decoders")
struct AISTests {
    /// A linear-Gaussian decoder with A [D, d] and b [D] drawn from a fixed seed.
    struct LinearGaussian {
        let a: [[Double]]   // [D][d], the Float values the decoder uses, widened
        let b: [Double]
        let weight: Tensor  // Aᵀ, [d, D], so that G(z) = z Aᵀ + b row by row
        let bias: Tensor
        var d: Int { a[0].count }
        var outputs: Int { a.count }

        init(latent d: Int, observed outputs: Int, seed: UInt64) {
            var random = RandomGenerator(seed: seed)
            weight = Tensor.uniform([d, outputs], low: -1, high: 1, generator: &random)
            bias = Tensor.uniform([outputs], low: -0.5, high: 0.5, generator: &random)
            let w = weight.values
            a = (0..<outputs).map { i in (0..<d).map { j in Double(w[j * outputs + i]) } }
            b = bias.values.map(Double.init)
        }

        func decode(_ z: Variable) -> Variable {
            Variable.matmul(z, Variable(weight)) + Variable(bias)
        }

        /// log N(x; b, A Aᵀ + σ² I) in Double, through a Cholesky factor Σ = L Lᵀ:
        /// log det Σ = 2 Σ log L_ii and (x - b)ᵀ Σ⁻¹ (x - b) = |L⁻¹ (x - b)|².
        func exactLogMarginal(_ x: [Double], sigma: Double) -> Double {
            let n = outputs
            var covariance = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            for i in 0..<n {
                for j in 0..<n {
                    covariance[i][j] = (0..<d).reduce(0.0) { $0 + a[i][$1] * a[j][$1] } + (i == j ? sigma * sigma : 0)
                }
            }
            var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            for i in 0..<n {
                for j in 0...i {
                    let s = covariance[i][j] - (0..<j).reduce(0.0) { $0 + l[i][$1] * l[j][$1] }
                    l[i][j] = i == j ? s.squareRoot() : s / l[j][j]
                }
            }
            var solved = [Double](repeating: 0, count: n)   // L y = x - b, forward substitution
            for i in 0..<n {
                solved[i] = (x[i] - b[i] - (0..<i).reduce(0.0) { $0 + l[i][$1] * solved[$1] }) / l[i][i]
            }
            let logDeterminant = 2 * (0..<n).reduce(0.0) { $0 + Foundation.log(l[$1][$1]) }
            let quadratic = solved.reduce(0) { $0 + $1 * $1 }
            return -0.5 * (Double(n) * Foundation.log(2 * Double.pi) + logDeterminant + quadratic)
        }

        /// Observations drawn from the model itself, plus one far from its mean.
        func observations(_ count: Int, sigma: Double, seed: UInt64) -> [[Double]] {
            var random = RandomGenerator(seed: seed)
            var result = (0..<count).map { _ -> [Double] in
                let z = (0..<d).map { _ in Double(random.nextNormal()) }
                return (0..<outputs).map { i in
                    b[i] + (0..<d).reduce(0.0) { $0 + a[i][$1] * z[$1] } + sigma * Double(random.nextNormal())
                }
            }
            result.append(b.map { $0 + 2 })
            return result
        }
    }

    /// log N(z; 0, I) per row, written here rather than taken from `Prior`.
    static func standardNormalLogDensity(_ z: Variable) -> Variable {
        (z.square() * -0.5).sum(alongAxes: [1]) - Float(0.5 * Double(z.shape[1]) * Foundation.log(2 * Double.pi))
    }

    /// Runs AIS on every observation `replicas` times (independent runs in one batch)
    /// and returns, per observation, the mean estimate and its standard error over runs.
    static func estimate(_ model: LinearGaussian, _ xs: [[Double]], replicas: Int,
                         configuration: AISConfiguration, seed: UInt64) -> (means: [Double], errors: [Double], result: AISResult) {
        let values = xs.flatMap { x in (0..<replicas).flatMap { _ in x.map(Float.init) } }
        let images = Tensor(shape: [xs.count * replicas, model.outputs], values: values)
        var generator = RandomGenerator(seed: seed)
        let result = annealedImportanceSampling(
            decoder: model.decode, latentDimension: model.d, logPrior: standardNormalLogDensity,
            samplePrior: { n, random in Tensor.normal([n, model.d], generator: &random) },
            images: images, configuration: configuration, generator: &generator)
        var means: [Double] = [], errors: [Double] = []
        for i in xs.indices {
            let runs = Array(result.logLikelihoods[(i * replicas)..<((i + 1) * replicas)])
            let mean = runs.reduce(0, +) / Double(replicas)
            let variance = runs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(replicas - 1)
            means.append(mean)
            errors.append((variance / Double(replicas)).squareRoot())
        }
        return (means, errors, result)
    }

    @Test("matches log N(x; b, AAᵀ + σ²I) within a few standard errors", arguments: [
        (2, 3, 0.3, UInt64(11)), (3, 5, 0.2, UInt64(12)), (4, 6, 0.1, UInt64(13)),
        // Chapter 06's noise level: a posterior hundreds of times narrower than the prior.
        (2, 4, 0.003, UInt64(14)),
    ])
    func closedForm(latent: Int, observed: Int, sigma: Double, seed: UInt64) {
        let model = LinearGaussian(latent: latent, observed: observed, seed: seed)
        let xs = model.observations(3, sigma: sigma, seed: seed + 100)
        var configuration = AISConfiguration(steps: 1000, leapfrogSteps: 5, chains: 4,
                                             noiseStandardDeviation: sigma, initialStepSize: min(0.1, sigma),
                                             schedule: AISConfiguration.schedule(sigma: sigma))
        configuration.maximumBatchRows = 128   // two groups of images, as on real data
        let (means, errors, result) = AISTests.estimate(model, xs, replicas: 16, configuration: configuration, seed: seed + 200)
        for (i, x) in xs.enumerated() {
            let exact = model.exactLogMarginal(x, sigma: sigma)
            #expect(abs(means[i] - exact) < 4 * errors[i] + 0.05,
                    "x \(i): AIS \(means[i]) ± \(errors[i]), exact \(exact)")
        }
        #expect(result.acceptanceRate > 0.5 && result.acceptanceRate < 0.9,
                "acceptance rate \(result.acceptanceRate) far from the 0.65 target")
    }

    @Test("a short schedule under-estimates log p(x), a long one closes the gap")
    func shortScheduleIsALowerBound() {
        let sigma = 0.2
        let model = LinearGaussian(latent: 3, observed: 5, seed: 21)
        let xs = model.observations(2, sigma: sigma, seed: 22)
        let short = AISConfiguration(steps: 20, leapfrogSteps: 5, chains: 4, noiseStandardDeviation: sigma)
        let long = AISConfiguration(steps: 1000, leapfrogSteps: 5, chains: 4, noiseStandardDeviation: sigma)
        let quick = AISTests.estimate(model, xs, replicas: 16, configuration: short, seed: 23)
        let thorough = AISTests.estimate(model, xs, replicas: 16, configuration: long, seed: 24)
        for (i, x) in xs.enumerated() {
            let exact = model.exactLogMarginal(x, sigma: sigma)
            #expect(quick.means[i] <= exact + 3 * quick.errors[i] + 0.05,
                    "x \(i): short-schedule AIS \(quick.means[i]) ± \(quick.errors[i]) above the exact \(exact)")
            // The last observation lies far from the model's range; for the typical ones a
            // 20-step schedule loses a few nats at most.
            if i < xs.count - 1 {
                #expect(quick.means[i] > exact - 10, "x \(i): short-schedule AIS \(quick.means[i]) wildly off \(exact)")
            }
            #expect(thorough.means[i] > quick.means[i], "x \(i): a longer schedule should tighten the bound")
            #expect(abs(thorough.means[i] - exact) < 4 * thorough.errors[i] + 0.05,
                    "x \(i): long-schedule AIS \(thorough.means[i]) ± \(thorough.errors[i]), exact \(exact)")
        }
    }

    /// A flow of one diagonal scaling with log-scales s and a standard normal prior:
    /// G(z) = z ⊙ exp(-s), so x_i ~ N(0, exp(-2 s_i) + σ²) independently.
    static let diagonalLogScales: [Float] = [0.7, -0.4, 0.1]

    static func diagonalScalingFlow() -> NormalizingFlow {
        let flow = NormalizingFlow([DiagonalScaling(shape: [3])], prior: .standardNormal, sampleShape: [3], latentShape: [3])
        (flow.flow.layers[0] as! DiagonalScaling).logScale.value = Tensor(shape: [1, 3], values: diagonalLogScales)
        return flow
    }

    /// The exact log p_σ(x) of `diagonalScalingFlow`, in Double.
    static func diagonalScalingLogDensity(_ x: [Float], sigma: Double) -> Double {
        zip(x, diagonalLogScales).reduce(0.0) { sum, pair in
            let variance = Foundation.exp(-2 * Double(pair.1)) + sigma * sigma
            return sum - 0.5 * (Foundation.log(2 * Double.pi * variance) + Double(pair.0) * Double(pair.0) / variance)
        }
    }

    @Test("the flow overload: a diagonal scaling flow is a linear-Gaussian decoder")
    func diagonalFlow() {
        let flow = Self.diagonalScalingFlow()
        let sigma = 0.2
        let x: [Float] = [0.3, -1.2, 0.8]
        let exact = Self.diagonalScalingLogDensity(x, sigma: sigma)
        let replicas = 16
        let images = Tensor(shape: [replicas, 3], values: (0..<replicas).flatMap { _ in x })
        var generator = RandomGenerator(seed: 31)
        let result = annealedImportanceSampling(
            flow: flow, images: images,
            configuration: AISConfiguration(steps: 500, leapfrogSteps: 5, chains: 4, noiseStandardDeviation: sigma),
            generator: &generator)
        let estimates = result.logLikelihoods
        let mean = estimates.reduce(0, +) / Double(replicas)
        #expect(abs(-result.meanNLL - mean) < 1e-9)
        #expect(abs(mean - exact) < 4 * result.standardError + 0.03, "AIS \(mean) ± \(result.standardError), exact \(exact)")
        #expect(flow.isTraining == true, "the mode is restored after evaluation")
    }

    @Test("the mean NLL and its standard error")
    func summary() {
        let result = AISResult(logLikelihoods: [-1, -2, -3, -6], acceptanceRate: 0.5)
        #expect(abs(result.meanNLL - 3) < 1e-12)
        // Sample variance of (1, 2, 3, 6) is 14/3; the standard error is sqrt(14/3 / 4).
        #expect(abs(result.standardError - (14.0 / 12).squareRoot()) < 1e-12)
    }

    @Test("schedules run from 0 to 1, increasing; the sigmoid one is symmetric")
    func schedules() {
        for schedule in [AISSchedule.sigmoid(radius: 4), .linear, .geometric(start: 1e-3)] {
            let betas = schedule.temperatures(steps: 10)
            #expect(betas.count == 11 && betas.first == 0 && abs(betas.last! - 1) < 1e-12)
            #expect(zip(betas, betas.dropFirst()).allSatisfy { $0 < $1 }, "\(schedule): \(betas)")
        }
        let sigmoid = AISSchedule.sigmoid(radius: 4).temperatures(steps: 10)
        #expect((0...10).allSatisfy { abs(sigmoid[$0] + sigmoid[10 - $0] - 1) < 1e-12 })
        // Dense at the ends: the first step is smaller than the middle one.
        #expect(sigmoid[1] - sigmoid[0] < sigmoid[6] - sigmoid[5])
        let geometric = AISSchedule.geometric(start: 1e-3).temperatures(steps: 10)
        #expect(abs(geometric[1] - 1e-3) < 1e-15 && abs(geometric[2] / geometric[1] - geometric[3] / geometric[2]) < 1e-9)
    }
}
