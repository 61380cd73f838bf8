import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Checkpoints
import GAN
import Evaluation
import Course

/// The AIS study (`--ais-study`, ch06-results.json's "ais_study"): AIS against σ, each
/// estimate with the BDMC gap of its σ and schedule; each model's σ chosen on validation
/// images as Wu et al. do; and the slide's estimator, importance sampling from the prior,
/// against its number of draws.
struct AISStudy: Codable {
    var sigmas: [Double]
    var steps: [Int]
    var leapfrogSteps, chains, testImages, validationImages, checkImages: Int
    var floorNats: [Double]
    var mle, adv, hybrid: Entry?
    var priorSampling: PriorSampling?

    /// One model's AIS at each σ of the sweep.
    struct Entry: Codable {
        /// Mean NLL of the study's test and validation images (forward AIS), and the exact
        /// NLL of the same test images.
        var testAisNllNats, testAisStandardError, validationAisNllNats: [Double]
        var testExactNllNats: Double
        /// BDMC on simulated images at each σ: bounds on their mean NLL and the gap.
        var bdmcUpperNllNats, bdmcLowerNllNats, bdmcGapNats, bdmcGapStandardError: [Double]
        /// KL(p(z|x) ‖ p(z)) on the test images at each σ (nats).
        var posteriorKlNats: [Double]
        /// The σ whose AIS estimate of the validation images is highest.
        var chosenSigma: Double
    }

    /// Importance sampling from the prior on the study's test images at one σ.
    struct PriorSampling: Codable {
        var sigma: Double
        var sampleCounts: [Int]
        var mle, adv, hybrid: [Double]?
        /// The AIS estimate at the same σ (from the sweep) and KL(p(z|x) ‖ p(z)), per model.
        var aisNllNats, posteriorKlNats: [String: Double]
    }
}

/// The sweep of σ: for each σ and model, BDMC on `checkImages` simulated images with the
/// study's test and validation images annealed alongside, with the schedule length that σ
/// is given in `settings.aisStudySteps`.
func aisStudy(models: [(Objective, NormalizingFlow)], data: DatasetSplits, settings: Settings, seed: UInt64) throws -> AISStudy {
    let sigmas = settings.aisStudySigmas, stepCounts = settings.aisStudySteps
    guard sigmas.count == stepCounts.count else {
        throw ChapterError("the AIS study needs one schedule length per sigma (\(sigmas.count) sigmas, \(stepCounts.count) lengths)")
    }
    let (testCount, validationCount) = (settings.aisStudyTestImages, settings.aisStudyValidationImages)
    var noise = RandomGenerator(seed: RandomStream.evaluationSeed, stream: .aisStudyImageNoise)
    let test = Dequantization.apply(data.test.slice(0..<testCount).images, generator: &noise)
    let validation = Dequantization.apply(data.validation.slice(0..<validationCount).images, generator: &noise)
    let annealed = Tensor.concatenate([test, validation], alongAxis: 0)
    let dimension = data.test.dimension
    var study = AISStudy(sigmas: sigmas, steps: stepCounts, leapfrogSteps: settings.aisLeapfrogSteps, chains: settings.aisChains,
                         testImages: testCount, validationImages: validationCount, checkImages: settings.aisCheckImages,
                         floorNats: sigmas.map { AISConfiguration.floorNLL(dimension: dimension, sigma: $0) })
    for (objective, flow) in models {
        let label = objective.rawValue.uppercased()
        let exact = GradientRecording.withoutRecording { flow.logLikelihood(Variable(test)).value.values.map { -Double($0) } }
        var entry = AISStudy.Entry(testAisNllNats: [], testAisStandardError: [], validationAisNllNats: [],
                                   testExactNllNats: exact.reduce(0, +) / Double(exact.count), bdmcUpperNllNats: [],
                                   bdmcLowerNllNats: [], bdmcGapNats: [], bdmcGapStandardError: [], posteriorKlNats: [],
                                   chosenSigma: .nan)
        for (sigma, steps) in zip(sigmas, stepCounts) {
            let configuration = AISConfiguration(steps: steps, leapfrogSteps: settings.aisLeapfrogSteps, chains: settings.aisChains,
                                                 noiseStandardDeviation: sigma, initialStepSize: min(0.05, sigma),
                                                 schedule: AISConfiguration.schedule(sigma: sigma))
            var chains = RandomGenerator(seed: seed, stream: .aisStudyChains)
            let progress = ProgressLine("\(label) AIS study, sigma \(sigma)", total: 3 * steps)
            let (_, check) = bidirectionalMonteCarlo(flow: flow, count: settings.aisCheckImages, configuration: configuration,
                                                     alongside: annealed, generator: &chains,
                                                     progress: { done, _ in progress.update(done) })
            let real = check.alongside!
            let testPart = Array(real.logLikelihoods[0..<testCount]), validationPart = Array(real.logLikelihoods[testCount...])
            let testNLL = meanAndStandardError(testPart.map { -$0 })
            entry.testAisNllNats.append(testNLL.mean)
            entry.testAisStandardError.append(testNLL.standardError)
            entry.validationAisNllNats.append(-validationPart.reduce(0, +) / Double(validationPart.count))
            entry.bdmcUpperNllNats.append(check.lower.meanNLL)
            entry.bdmcLowerNllNats.append(check.upper.meanNLL)
            entry.bdmcGapNats.append(check.meanGap)
            entry.bdmcGapStandardError.append(check.gapStandardError)
            entry.posteriorKlNats.append(meanAndStandardError(Array(real.posteriorKLEstimates[0..<testCount])).mean)
            print(String(format: "%@ sigma %.3g, %d steps: AIS %.1f on %d test images (exact %.1f, floor %.0f), BDMC gap %.1f ± %.1f, KL(posterior, prior) %.0f",
                         label, sigma, steps, testNLL.mean, testCount, entry.testExactNllNats,
                         AISConfiguration.floorNLL(dimension: dimension, sigma: sigma), check.meanGap, check.gapStandardError,
                         entry.posteriorKlNats.last!))
        }
        entry.chosenSigma = sigmas[entry.validationAisNllNats.indices.min { entry.validationAisNllNats[$0] < entry.validationAisNllNats[$1] }!]
        study[objective] = entry
    }
    study.priorSampling = priorSamplingStudy(models: models, test: test, study: study, settings: settings, seed: seed)
    return study
}

extension AISStudy: OneEntryPerObjective {}
extension AISStudy.PriorSampling: OneEntryPerObjective {}

/// The slide's estimator on the study's test images, at the default run's σ: the estimate
/// after 1, 10, ... draws from the prior, beside AIS at the same σ.
func priorSamplingStudy(models: [(Objective, NormalizingFlow)], test: Tensor, study: AISStudy, settings: Settings,
                        seed: UInt64) -> AISStudy.PriorSampling {
    let sigma = settings.aisSigma
    let counts = (0...6).map { Int(Foundation.pow(10, Double($0))) }.filter { $0 <= settings.aisStudyPriorDraws }
    var result = AISStudy.PriorSampling(sigma: sigma, sampleCounts: counts, aisNllNats: [:], posteriorKlNats: [:])
    let column = study.sigmas.firstIndex(of: sigma)
    for (objective, flow) in models {
        var draws = RandomGenerator(seed: seed, stream: .priorImportanceDraws)
        let progress = ProgressLine("\(objective.rawValue.uppercased()) importance sampling from the prior", total: counts.last!)
        let estimate = priorImportanceSampling(flow: flow, images: test, sigma: sigma, sampleCounts: counts, generator: &draws,
                                               progress: { done, _ in progress.update(done) })
        result[objective] = estimate.meanNLL
        if let column, let entry = study[objective] {
            result.aisNllNats[objective.rawValue] = entry.testAisNllNats[column]
            result.posteriorKlNats[objective.rawValue] = entry.posteriorKlNats[column]
        }
        print(String(format: "%@: prior importance sampling at sigma %.3g, NLL %@ after %@ draws", objective.rawValue.uppercased(), sigma,
                     estimate.meanNLL.map { String(format: "%.0f", $0) }.joined(separator: ", "),
                     counts.map(String.init).joined(separator: ", ")))
    }
    return result
}
