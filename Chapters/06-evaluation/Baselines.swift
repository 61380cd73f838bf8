import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Checkpoints
import GAN
import Evaluation
import Course

/// The Gaussian-mixture baseline (ch06-results.json's "gaussian_mixture_baseline").
struct MixtureBaseline: Codable {
    var sigmas, testNllNats, modeScores: [Double]
    /// At how many values of σ the mixture beats each model on both held-out NLL and MODE score.
    var sigmasBeatingOnBoth: [String: Int]
    var sigmasBeatingAdvOnBoth: Int
    var bestTestNllNats: Double
    var heldOutImages: Int
}

/// The paper's baseline: a mixture with one isotropic Gaussian per training image,
/// p(x) = (1/N) Σ_i N(x; x_i, σ² I). Its held-out NLL is a KDE whose centres are the
/// training images; its samples are training images plus noise. Both against σ.
func gaussianMixtureBaseline(data: DatasetSplits, classifier: any ImageClassifier, marginal: [Double],
                             models: [(Objective, ModelEvaluation)], settings: Settings, seed: UInt64) throws -> MixtureBaseline {
    let centres = (settings.mixtureCentres.map { data.train.slice(0..<min($0, data.train.count)) } ?? data.train).images
    let mixture = KernelDensityEstimate(centres: centres.reshaped([centres.shape[0], -1]))
    var noise = RandomGenerator(seed: RandomStream.evaluationSeed, stream: .mixtureTestNoise)
    let heldOutCount = min(1000, data.test.count)
    let heldOut = Dequantization.apply(data.test.slice(0..<heldOutCount).images, generator: &noise).reshaped([heldOutCount, -1])
    let sigmas = KernelDensityEstimate.logSpacedGrid(from: 0.02, to: 0.5, count: settings.mixtureBandwidths)
    var nll: [Double] = [], modes: [Double] = []
    var sampler = RandomGenerator(seed: seed, stream: .mixtureSamples)
    for sigma in sigmas {
        nll.append(mixture.negativeLogLikelihood(heldOut, bandwidth: sigma).mean)
        // Samples: a random training image plus N(0, σ²) noise, clipped to [0, 1] for the classifier.
        // (500 in a CIFAR-10 smoke run, where the classifier costs more per image.)
        let picks = (0..<settings.mixtureSamples).map { _ in sampler.nextInt(below: centres.shape[0]) }
        let base = data.train.gather(picks).images
        let noisy = Tensor.zip(base, Tensor.normal(base.shape, std: Float(sigma), generator: &sampler)) { min(max($0 + $1, 0), 1) }
        modes.append(SampleQuality.modeScore(probabilities: classifier.probabilities(noisy), trainingLabelMarginal: marginal).mean)
    }
    var beating: [String: Int] = [:]
    for (objective, evaluation) in models {
        beating[objective.rawValue] = zip(nll, modes).filter { $0.0 < evaluation.exactNLL.mean && $0.1 > evaluation.mode.mean }.count
    }
    print("Gaussian mixture: beats each model on both held-out NLL and MODE score for this many of \(sigmas.count) values of sigma: "
          + models.map { "\($0.0.rawValue.uppercased()) \(beating[$0.0.rawValue]!)" }.joined(separator: ", "))
    return MixtureBaseline(sigmas: sigmas, testNllNats: nll, modeScores: modes, sigmasBeatingOnBoth: beating,
                           sigmasBeatingAdvOnBoth: beating["adv"] ?? 0, bestTestNllNats: nll.min() ?? .nan,
                           heldOutImages: heldOutCount)
}

/// The chapter's random streams. Those that dequantise test images use the fixed
/// evaluation seed, so every run measures the same points; the KDE's test images are
/// dequantised exactly as the exact NLL's (`RandomGenerator.evaluationNoise`).
extension RandomStream {
    /// The generated samples behind the KDE and the scores.
    static let evaluationSamples = RandomStream(606)
    /// The images BDMC simulates, and every chain of the AIS runs on them and on the test images.
    static let bdmcSimulation = RandomStream(611)
    /// The latent points of the Jacobian spectra.
    static let jacobianLatents = RandomStream(608)
    /// The samples of the Gaussian-mixture baseline, and its test images' dequantisation.
    static let mixtureSamples = RandomStream(609)
    static let mixtureTestNoise = RandomStream(3004)
    /// The AIS study's simulated images and chains, its images' dequantisation, and the
    /// draws of its prior importance sampling.
    static let aisStudyChains = RandomStream(610)
    static let aisStudyImageNoise = RandomStream(3006)
    static let priorImportanceDraws = RandomStream(612)
    /// The dequantisation of the images whose NLL is split into prior and volume terms.
    static let likelihoodTermsNoise = RandomStream(3005)
}
