import Foundation
import TensorCore
import Datasets
import Flows
import Evaluation

/// How recognisable a flow's samples are, by the digit classifier chapter 06 introduces:
/// the MODE score (Che et al. 2017: about 10 for confidently classified digits of every
/// class in the training set's proportions, near 1 for samples the classifier cannot tell
/// apart) and the Inception-style score of `samples` samples at each temperature, and the
/// classifier's accuracy on the test set.
/// Chapter 03 computes it when --mode-samples is given (the long Real NVP run of issue 28),
/// so the book can set the two flows' samples beside chapter 05's models on one scale.
struct SampleScores: Codable {
    struct AtTemperature: Codable {
        var temperature: Double
        var modeScore, modeScoreSd, inceptionScore, inceptionScoreSd: Double
    }
    var samples: Int
    var classifierTestAccuracy: Double
    var scores: [AtTemperature]
}

/// Scores `count` samples of `flow` at each temperature with chapter 06's classifier, read
/// from (or, the first time, trained into) the file chapter 06's default run caches it in,
/// so both chapters score with the same network.
func scoreSamples(_ flow: NormalizingFlow, data: DatasetSplits, count: Int, temperatures: [Float],
                  seed: UInt64) throws -> SampleScores {
    let cache = "Checkpoints/" + classifierCacheFileName(data.name)
    try FileManager.default.createDirectory(atPath: "Checkpoints", withIntermediateDirectories: true)
    // Chapter 06's default settings (3 epochs on every training image, seed 0), so that
    // whichever chapter trains it first, the cached classifier is the same.
    let (classifier, accuracy, _) = try DigitClassifier.trainOrLoad(data: data, cachePath: cache, epochs: 3, seed: 0)
    let marginal = SampleQuality.labelMarginal(data.train.labels)
    var scores: [SampleScores.AtTemperature] = []
    for temperature in temperatures {
        var sampler = RandomGenerator(seed: seed, stream: .scoredSamples)
        let probabilities = classifier.probabilities(drawSamples(flow, count: count, temperature: temperature, generator: &sampler))
        let mode = SampleQuality.modeScore(probabilities: probabilities, trainingLabelMarginal: marginal)
        let inception = SampleQuality.inceptionScore(probabilities: probabilities)
        scores.append(.init(temperature: Double(temperature), modeScore: mode.mean, modeScoreSd: mode.standardDeviation,
                            inceptionScore: inception.mean, inceptionScoreSd: inception.standardDeviation))
        print(String(format: "%d samples at T = %g: MODE %.2f ± %.2f, Inception-style %.2f ± %.2f (chapter 06's classifier, test accuracy %.2f%%)",
                     count, temperature, mode.mean, mode.standardDeviation, inception.mean, inception.standardDeviation, 100 * accuracy))
    }
    return SampleScores(samples: count, classifierTestAccuracy: accuracy, scores: scores)
}

extension RandomStream {
    /// The latents of the samples the classifier scores (the same for every temperature).
    static let scoredSamples = RandomStream(82)
}
