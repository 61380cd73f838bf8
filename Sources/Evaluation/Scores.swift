import Foundation
import TensorCore

/// A score averaged over splits of the samples, with the standard deviation across the
/// splits (the population deviation, numpy's `std`, as the GAN literature reports it).
public struct ScoreWithSpread: Equatable, CustomStringConvertible {
    public let mean: Double
    public let standardDeviation: Double

    public init(mean: Double, standardDeviation: Double) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    public var description: String { String(format: "%.3f ± %.3f", mean, standardDeviation) }
}

/// Sample-quality scores computed from a classifier's class probabilities p(y|x) of
/// generated samples x ([N, K], each row a distribution over K classes).
///
/// Both scores are evaluated on `splits` equal, consecutive splits of the samples (the
/// last N mod splits rows are left out, as in the reference Inception-score code), and
/// reported as the mean and standard deviation over the splits. Within a split,
/// p(y) = (1/n) Σ_x p(y|x) is the marginal of the samples' labels. Everything is computed
/// in Double, and every logarithm is taken of max(q, 1e-12), so a zero probability
/// costs a large but finite penalty; terms with p = 0 in Σ p log(p/q) contribute 0.
public enum SampleQuality {
    /// The floor under every probability inside a logarithm.
    public static let logFloor = 1e-12

    /// The MODE score (Che et al. 2017), the MNIST score of the Flow-GAN paper:
    ///
    ///   MODE = exp( E_x KL(p(y|x) || p*(y)) - KL(p*(y) || p(y)) ),
    ///
    /// where p*(y) is the label marginal of the training data. The first term rewards
    /// confident classifications; the second penalises a sample marginal p(y) that
    /// misses classes of the data (mode dropping). For confident samples whose labels
    /// follow p* it equals exp(H(p*)), which is 10 for ten balanced classes.
    public static func modeScore(probabilities: Tensor, trainingLabelMarginal: [Double],
                                 splits: Int = 10) -> ScoreWithSpread {
        precondition(probabilities.rank == 2 && probabilities.shape[1] == trainingLabelMarginal.count,
                     "modeScore: probabilities \(probabilities.shape) for \(trainingLabelMarginal.count) classes")
        return scoreOverSplits(probabilities, splits: splits) { rows, marginal in
            let confidence = rows.map { klDivergence($0, trainingLabelMarginal) }.reduce(0, +) / Double(rows.count)
            return Foundation.exp(confidence - klDivergence(trainingLabelMarginal, marginal))
        }
    }

    /// The Inception-style score (Salimans et al. 2016), here with the course's own
    /// classifier in place of Inception-v3, so its values are not comparable to
    /// published Inception scores:
    ///
    ///   IS = exp( E_x KL(p(y|x) || p(y)) ),
    ///
    /// which lies between 1 (every sample has the same p(y|x)) and K (confident samples
    /// spread evenly over the K classes).
    public static func inceptionScore(probabilities: Tensor, splits: Int = 10) -> ScoreWithSpread {
        precondition(probabilities.rank == 2, "inceptionScore: probabilities of shape \(probabilities.shape)")
        return scoreOverSplits(probabilities, splits: splits) { rows, marginal in
            Foundation.exp(rows.map { klDivergence($0, marginal) }.reduce(0, +) / Double(rows.count))
        }
    }

    /// The fraction of each class 0..<classes among `labels`: p*(y) for the MODE score.
    public static func labelMarginal(_ labels: [Int], classes: Int = 10) -> [Double] {
        precondition(labels.allSatisfy { (0..<classes).contains($0) }, "labelMarginal: a label outside 0..<\(classes)")
        var counts = [Double](repeating: 0, count: classes)
        for label in labels { counts[label] += 1 }
        return counts.map { $0 / Double(max(labels.count, 1)) }
    }

    /// KL(p || q) = Σ_k p_k (log p_k - log q_k), logarithms floored at `logFloor`.
    public static func klDivergence(_ p: [Double], _ q: [Double]) -> Double {
        precondition(p.count == q.count, "klDivergence of distributions over \(p.count) and \(q.count) classes")
        var total = 0.0
        for (pk, qk) in zip(p, q) where pk > 0 {
            total += pk * (Foundation.log(max(pk, logFloor)) - Foundation.log(max(qk, logFloor)))
        }
        return total
    }

    /// `score(rows, marginal)` on each of `splits` equal splits, with the split's rows in
    /// Double and their mean p(y); the mean and population deviation over splits.
    static func scoreOverSplits(_ probabilities: Tensor, splits: Int,
                                _ score: ([[Double]], [Double]) -> Double) -> ScoreWithSpread {
        let (n, k) = (probabilities.shape[0], probabilities.shape[1])
        precondition(splits >= 1 && n >= splits, "\(n) samples cannot be cut into \(splits) splits")
        let size = n / splits
        let values = probabilities.values
        let scores = (0..<splits).map { split -> Double in
            let rows = (split * size..<(split + 1) * size).map { row in
                values[(row * k)..<(row * k + k)].map(Double.init)
            }
            var marginal = [Double](repeating: 0, count: k)
            for row in rows { for c in 0..<k { marginal[c] += row[c] } }
            return score(rows, marginal.map { $0 / Double(size) })
        }
        let mean = scores.reduce(0, +) / Double(splits)
        let variance = scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(splits)
        return ScoreWithSpread(mean: mean, standardDeviation: variance.squareRoot())
    }
}
