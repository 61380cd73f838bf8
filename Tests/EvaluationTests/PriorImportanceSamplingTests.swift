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
            // 40,000 draws from a prior this close to the posterior: the relative standard
            // deviation of the weights is below 2, so the estimate's error is below 0.01 nats.
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
