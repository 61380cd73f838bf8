import Foundation
import Testing
import TensorCore
import Evaluation

/// MODE and Inception-style scores of hand-made p(y|x) tables, against values worked out
/// by hand from the definitions
///   IS   = exp(E_x KL(p(y|x) || p(y))),
///   MODE = exp(E_x KL(p(y|x) || p*(y)) - KL(p*(y) || p(y))),
/// with p(y) the mean of p(y|x) over a split.
@Suite("Sample-quality scores")
struct ScoreTests {
    /// Rows of probabilities as an [N, K] tensor.
    static func table(_ rows: [[Double]]) -> Tensor {
        Tensor(shape: [rows.count, rows[0].count], values: rows.flatMap { $0.map(Float.init) })
    }

    /// A one-hot row of K classes.
    static func confident(_ label: Int, classes: Int = 10) -> [Double] {
        (0..<classes).map { $0 == label ? 1 : 0 }
    }

    @Test("confident samples spread evenly over ten classes: IS = 10 and MODE = 10 with a uniform p*")
    func perfectSamples() {
        // Each split of 10 holds every digit once: KL(onehot || uniform) = log 10 and p(y) = p*.
        let probabilities = Self.table((0..<100).map { Self.confident($0 % 10) })
        let uniform = [Double](repeating: 0.1, count: 10)
        let inception = SampleQuality.inceptionScore(probabilities: probabilities)
        let mode = SampleQuality.modeScore(probabilities: probabilities, trainingLabelMarginal: uniform)
        #expect(abs(inception.mean - 10) < 1e-9 && inception.standardDeviation < 1e-9, "\(inception)")
        #expect(abs(mode.mean - 10) < 1e-9 && mode.standardDeviation < 1e-9, "\(mode)")
    }

    @Test("identical samples give IS = 1, and MODE = exp(KL(p || p*) - KL(p* || p))")
    func identicalSamples() {
        let p = [0.5, 0.3, 0.2]
        let pStar = [0.2, 0.2, 0.6]
        let probabilities = Self.table([[Double]](repeating: p, count: 12))
        let inception = SampleQuality.inceptionScore(probabilities: probabilities, splits: 3)
        #expect(abs(inception.mean - 1) < 1e-12 && inception.standardDeviation < 1e-12, "\(inception)")

        // KL(p || p*) = .5 log(.5/.2) + .3 log(.3/.2) + .2 log(.2/.6)
        // KL(p* || p) = .2 log(.2/.5) + .2 log(.2/.3) + .6 log(.6/.2)
        let forward = 0.5 * log(2.5) + 0.3 * log(1.5) + 0.2 * log(1.0 / 3)
        let backward = 0.2 * log(0.4) + 0.2 * log(2.0 / 3) + 0.6 * log(3.0)
        let mode = SampleQuality.modeScore(probabilities: probabilities, trainingLabelMarginal: pStar, splits: 3)
        // The table is stored in Float: 0.3 and 0.2 are off by ~1e-8.
        #expect(abs(mode.mean - exp(forward - backward)) < 1e-6, "\(mode) vs \(exp(forward - backward))")
    }

    @Test("a four-sample, two-class table computed term by term")
    func smallTable() {
        let rows = [[0.9, 0.1], [0.2, 0.8], [0.5, 0.5], [0.75, 0.25]]
        // p(y) = ([0.9 + 0.2 + 0.5 + 0.75] / 4, [0.1 + 0.8 + 0.5 + 0.25] / 4) = (0.5875, 0.4125).
        let (m0, m1) = (0.5875, 0.4125)
        let kls = [0.9 * log(0.9 / m0) + 0.1 * log(0.1 / m1),
                   0.2 * log(0.2 / m0) + 0.8 * log(0.8 / m1),
                   0.5 * log(0.5 / m0) + 0.5 * log(0.5 / m1),
                   0.75 * log(0.75 / m0) + 0.25 * log(0.25 / m1)]
        let expectedInception = exp(kls.reduce(0, +) / 4)
        let inception = SampleQuality.inceptionScore(probabilities: Self.table(rows), splits: 1)
        #expect(abs(inception.mean - expectedInception) < 1e-6, "\(inception.mean) vs \(expectedInception)")
        #expect(inception.standardDeviation == 0)

        let pStar = [0.4, 0.6]
        let toPStar = [0.9 * log(0.9 / 0.4) + 0.1 * log(0.1 / 0.6),
                       0.2 * log(0.2 / 0.4) + 0.8 * log(0.8 / 0.6),
                       0.5 * log(0.5 / 0.4) + 0.5 * log(0.5 / 0.6),
                       0.75 * log(0.75 / 0.4) + 0.25 * log(0.25 / 0.6)]
        let penalty = 0.4 * log(0.4 / m0) + 0.6 * log(0.6 / m1)
        let expectedMode = exp(toPStar.reduce(0, +) / 4 - penalty)
        let mode = SampleQuality.modeScore(probabilities: Self.table(rows), trainingLabelMarginal: pStar, splits: 1)
        #expect(abs(mode.mean - expectedMode) < 1e-6, "\(mode.mean) vs \(expectedMode)")
    }

    @Test("confident samples whose labels follow p* score MODE = exp(H(p*))")
    func modeOfMatchingMarginal() {
        // Labels 0,0,0,0,0,1,1,1,2,2 in every split of 10: p* = (0.5, 0.3, 0.2).
        let labels = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2]
        let probabilities = Self.table((0..<40).map { Self.confident(labels[$0 % 10], classes: 3) })
        let pStar = SampleQuality.labelMarginal(labels, classes: 3)
        #expect(pStar == [0.5, 0.3, 0.2])
        let entropy = -(0.5 * log(0.5) + 0.3 * log(0.3) + 0.2 * log(0.2))
        let mode = SampleQuality.modeScore(probabilities: probabilities, trainingLabelMarginal: pStar, splits: 4)
        #expect(abs(mode.mean - exp(entropy)) < 1e-6, "\(mode.mean) vs \(exp(entropy))")
        // The Inception-style score does not know p*; here p(y) = p*, so it agrees.
        let inception = SampleQuality.inceptionScore(probabilities: probabilities, splits: 4)
        #expect(abs(inception.mean - exp(entropy)) < 1e-6)
    }

    @Test("mode collapse: confident samples all of one class get IS = 1 and a MODE score far below 1")
    func collapsedSamples() {
        let probabilities = Self.table([[Double]](repeating: Self.confident(3), count: 20))
        let uniform = [Double](repeating: 0.1, count: 10)
        #expect(abs(SampleQuality.inceptionScore(probabilities: probabilities).mean - 1) < 1e-12)
        // E KL(onehot || uniform) = log 10; KL(uniform || onehot) = 0.1 log 0.1 + 0.9 log(0.1 / 1e-12),
        // the nine missing classes costing log(0.1 / 1e-12) each through the floor.
        let expected = exp(log(10) - (0.1 * log(0.1) + 0.9 * log(0.1 / 1e-12)))
        let mode = SampleQuality.modeScore(probabilities: probabilities, trainingLabelMarginal: uniform, splits: 2)
        #expect(mode.mean.isFinite && abs(mode.mean / expected - 1) < 1e-9, "\(mode.mean) vs \(expected)")
    }

    @Test("the spread is the population deviation over equal splits; a remainder is left out")
    func spreadOverSplits() {
        // First split: ten confident, distinct digits (IS = 10). Second: ten identical rows (IS = 1).
        // A 21st row would start a third split of one: it is dropped, so it cannot change anything.
        var rows = (0..<10).map { Self.confident($0) }
        rows += [[Double]](repeating: [Double](repeating: 0.1, count: 10), count: 10)
        let score = SampleQuality.inceptionScore(probabilities: Self.table(rows), splits: 2)
        #expect(abs(score.mean - 5.5) < 1e-9 && abs(score.standardDeviation - 4.5) < 1e-9, "\(score)")

        let withRemainder = SampleQuality.inceptionScore(probabilities: Self.table(rows + [Self.confident(0)]), splits: 2)
        #expect(withRemainder == score)

        // Three splits of IS 10, 10, 1: mean 7, population deviation sqrt(((3)² + 3² + 6²) / 3) = sqrt(18).
        let three = SampleQuality.inceptionScore(probabilities: Self.table(Array(rows[0..<10]) + Array(rows[0..<10]) + Array(rows[10...])),
                                                 splits: 3)
        #expect(abs(three.mean - 7) < 1e-9 && abs(three.standardDeviation - 18.0.squareRoot()) < 1e-9, "\(three)")
    }

    @Test("the label marginal counts each class")
    func labelMarginal() {
        #expect(SampleQuality.labelMarginal([0, 0, 1, 3], classes: 4) == [0.5, 0.25, 0, 0.25])
        let tenClasses = SampleQuality.labelMarginal(Array(0..<10) + [9])
        #expect(tenClasses.count == 10 && abs(tenClasses[9] - 2.0 / 11) < 1e-15 && abs(tenClasses.reduce(0, +) - 1) < 1e-12)
    }
}
