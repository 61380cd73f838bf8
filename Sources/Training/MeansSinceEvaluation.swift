import Foundation

/// The means of an iteration's statistics (NLL, generator loss, Wasserstein estimate,
/// penalty; those an objective computes) since the last evaluation, which the training
/// loops of chapters 04 and 05 report. An iteration where a statistic is not finite adds
/// nothing to its sum but counts.
public struct MeansSinceEvaluation {
    var sums: [String: Double] = [:]
    var count = 0

    public init() {}

    public mutating func add(_ statistics: IterationStatistics) {
        count += 1
        for (key, value) in [("nll", statistics.nll), ("generator_loss", statistics.generatorLoss),
                             ("wasserstein", statistics.wassersteinEstimate), ("penalty", statistics.penalty)] where value.isFinite {
            sums[key, default: 0] += Double(value)
        }
    }

    /// The mean of one statistic ("nll", "generator_loss", "wasserstein", "penalty") over
    /// the iterations since the last evaluation; NaN when none of them computed it.
    public func mean(_ key: String) -> Double {
        sums[key].map { $0 / Double(max(count, 1)) } ?? .nan
    }

    /// The progress line's metric: the mean NLL, or for ADV the Wasserstein estimate.
    public var metric: String {
        sums["nll"].map { String(format: "NLL %.1f", $0 / Double(count)) }
            ?? sums["wasserstein"].map { String(format: "W %.3f", $0 / Double(count)) } ?? ""
    }

    /// The history entry of an evaluation: the tracked images' NLL beside these means.
    public func record(iteration: Int, nll: (mean: Double, standardError: Double), started: Date) -> TrainingRecord {
        var extra = sums.mapValues { $0 / Double(max(count, 1)) }
        extra["nll_standard_error"] = nll.standardError
        return TrainingRecord(iteration: iteration, seconds: Date().timeIntervalSince(started),
                              trainLoss: extra["nll"] ?? .nan, validationNLL: nll.mean, extra: extra)
    }
}
