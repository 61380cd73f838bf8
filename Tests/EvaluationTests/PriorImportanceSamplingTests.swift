import Foundation
import Testing
import TensorCore
import Autodiff
import Evaluation

/// Importance sampling from the prior on the linear-Gaussian decoder of AISTests, whose
/// log p_σ(x) is known in closed form.
@Suite("Importance sampling from the prior")
struct PriorImportanceSamplingTests {
    @Test("with many draws it reaches the closed-form log p(x) when the posterior is broad; with one it is log p(x | z_1)")
    func convergesOnABroadPosterior() {
        let sigma = 0.8
        let model = AISTests.LinearGaussian(latent: 2, observed: 3, seed: 61)
        let x: [Float] = [0.3, -0.2, 0.5, 0.1, -0.6, 0.4]
        let images = Tensor(shape: [2, 3], values: x)
        var generator = RandomGenerator(seed: 62)
        let result = priorImportanceSampling(
            decoder: model.decode, latentDimension: model.d,
            samplePrior: { n, random in Tensor.normal([n, model.d], generator: &random) },
            images: images, sigma: sigma, sampleCounts: [1, 100, 40_000], batchSize: 64, generator: &generator)
        for i in 0..<2 {
            let exact = model.exactLogMarginal(x[(3 * i)..<(3 * i + 3)].map(Double.init), sigma: sigma)
            // At σ = 0.8 the posterior is close to the prior and the weights vary little, so
            // 40,000 draws put the estimate within a few thousandths of a nat; a missing 1/N
            // (10.6 nats here) or a wrong normaliser fails by far more than 0.02.
            #expect(abs(result.logEstimates[2][i] - exact) < 0.02, "image \(i): estimate \(result.logEstimates[2][i]), exact \(exact)")
        }
        // N = 1: the Gaussian log-likelihood of the first draw, computed here.
        var oracleRandom = RandomGenerator(seed: 62)
        let z = Tensor.normal([1, model.d], generator: &oracleRandom).values.map(Double.init)
        for i in 0..<2 {
            var squares = 0.0
            for k in 0..<3 {
                let mean = model.b[k] + (0..<model.d).reduce(0.0) { $0 + model.a[k][$1] * z[$1] }
                squares += (Double(x[3 * i + k]) - mean) * (Double(x[3 * i + k]) - mean)
            }
            let oracle = -0.5 * squares / (sigma * sigma) - 1.5 * Foundation.log(2 * Double.pi * sigma * sigma)
            #expect(abs(result.logEstimates[0][i] - oracle) < 1e-6, "N = 1: \(result.logEstimates[0][i]) against \(oracle)")
        }
        #expect(result.sampleCounts == [1, 100, 40_000] && result.meanNLL.count == 3)
    }

    @Test("the estimate after N draws does not depend on the batches they come in, and equals AIS with one step")
    func batchesAndOneStepAIS() {
        let sigma = 0.5
        let model = AISTests.LinearGaussian(latent: 2, observed: 3, seed: 65)
        let image = Tensor(shape: [1, 3], values: [0.1, 0.4, -0.3])
        func run(_ batch: Int) -> PriorImportanceSamplingResult {
            var generator = RandomGenerator(seed: 66)
            return priorImportanceSampling(decoder: model.decode, latentDimension: model.d,
                                           samplePrior: { n, random in Tensor.normal([n, model.d], generator: &random) },
                                           images: image, sigma: sigma, sampleCounts: [1, 5, 100, 333], batchSize: batch,
                                           generator: &generator)
        }
        // The draws are one sequence whatever the batch size, so the estimates at every N agree.
        let (large, small) = (run(64), run(7))
        for k in 0..<4 { #expect(abs(large.logEstimates[k][0] - small.logEstimates[k][0]) < 1e-9, "N = \(large.sampleCounts[k])") }
        // AIS with one step and K chains draws its K starting points from the prior first,
        // from the same generator: the same K draws, weighted by p(x | z).
        let chains = 100
        var generator = RandomGenerator(seed: 66)
        let ais = annealedImportanceSampling(
            decoder: model.decode, latentDimension: model.d, logPrior: AISTests.standardNormalLogDensity,
            samplePrior: { n, random in Tensor.normal([n, model.d], generator: &random) }, images: image,
            configuration: AISConfiguration(steps: 1, leapfrogSteps: 1, chains: chains, noiseStandardDeviation: sigma,
                                            initialStepSize: 0.1, schedule: .linear),
            generator: &generator)
        #expect(abs(ais.logLikelihoods[0] - large.logEstimates[2][0]) < 1e-4,
                "AIS with one step \(ais.logLikelihoods[0]), prior importance sampling with 100 draws \(large.logEstimates[2][0])")
    }

    @Test("when the posterior is narrow, a few draws fall short of log p(x) by far more than their spread")
    func fallsShortOnANarrowPosterior() {
        let sigma = 0.01
        let model = AISTests.LinearGaussian(latent: 3, observed: 6, seed: 63)
        // An image the model generates: G(z*) + σ ε.
        var random = RandomGenerator(seed: 64)
        let zStar = Tensor.normal([1, 3], generator: &random)
        let mean = GradientRecording.withoutRecording { model.decode(Variable(zStar)).value }
        let noise = Tensor.normal([1, 6], generator: &random)
        let image = Tensor.zip(mean, noise) { $0 + Float(sigma) * $1 }
        let exact = model.exactLogMarginal(image.values.map(Double.init), sigma: sigma)
        let result = priorImportanceSampling(
            decoder: model.decode, latentDimension: model.d,
            samplePrior: { n, random in Tensor.normal([n, model.d], generator: &random) },
            images: image, sigma: sigma, sampleCounts: [10, 1000], generator: &random)
        // The posterior's width is about σ / (singular value of A) per latent direction, some
        // 100 times narrower than the prior in three directions: about 10⁶ draws per hit.
        #expect(result.logEstimates[0][0] < exact - 10, "10 draws: \(result.logEstimates[0][0]) against exact \(exact)")
        #expect(result.logEstimates[1][0] >= result.largestLogLikelihood[0] - Foundation.log(1000) - 1e-9)
        #expect(result.logEstimates[1][0] <= result.largestLogLikelihood[0] + 1e-9)
    }
}
