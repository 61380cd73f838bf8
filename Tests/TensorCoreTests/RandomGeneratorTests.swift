import Foundation
import Testing
import TestSupport
import TensorCore

// PCG32 against the reference C implementation's published output, and each
// distribution against its closed-form moments. Bounds are about five standard errors
// wide for 100,000 draws, so a correct generator passes and a wrong formula does not.

@Test func pcg32MatchesTheReferenceDemoOutput() {
    // pcg32-demo (pcg-c-basic), pcg32_srandom_r(&rng, 42, 54): the first six outputs.
    var generator = RandomGenerator(seed: 42, stream: 54)
    let expected: [UInt32] = [0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e]
    #expect((0..<6).map { _ in generator.nextUInt32() } == expected)
}

@Test func boundedDrawsMatchTheReferenceRejectionRule() {
    // pcg32_boundedrand_r(&rng, 6) from a fresh (42, 54) state, computed with an
    // independent C transcription of pcg_basic.c: 3 3 2 1 1 4.
    var generator = RandomGenerator(seed: 42, stream: 54)
    #expect((0..<6).map { _ in generator.nextInt(below: 6) } == [3, 3, 2, 1, 1, 4])
}

@Test func theSameSeedGivesTheSameStreamAndOthersDiffer() {
    var a = RandomGenerator(seed: 7, stream: 3), b = RandomGenerator(seed: 7, stream: 3)
    var otherSeed = RandomGenerator(seed: 8, stream: 3), otherStream = RandomGenerator(seed: 7, stream: 4)
    let stream = (0..<100).map { _ in a.nextUInt32() }
    #expect(stream == (0..<100).map { _ in b.nextUInt32() })
    #expect(stream != (0..<100).map { _ in otherSeed.nextUInt32() })
    #expect(stream != (0..<100).map { _ in otherStream.nextUInt32() })

    var c = RandomGenerator(seed: 7, stream: 3), d = RandomGenerator(seed: 7, stream: 3)
    #expect(Tensor.normal([3, 5], generator: &c).values == Tensor.normal([3, 5], generator: &d).values)
    #expect(c.permutation(50) == d.permutation(50))
}

/// Mean and (population) variance in Double.
private func moments(_ values: [Float]) -> (mean: Double, variance: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0.0) { $0 + Double($1) } / n
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
    return (mean, variance)
}

@Test func uniformDrawsLieInTheUnitIntervalWithUniformMoments() {
    var generator = RandomGenerator(seed: 1)
    let draws = (0..<100_000).map { _ in generator.nextUniform() }
    #expect(draws.allSatisfy { $0 >= 0 && $0 < 1 })
    let (mean, variance) = moments(draws)
    #expect(abs(mean - 0.5) < 0.005)          // standard error 0.0009
    #expect(abs(variance - 1.0 / 12) < 0.002) // standard error 0.0003
    let open = (0..<10_000).map { _ in generator.nextOpenUniform() }
    #expect(open.allSatisfy { $0 > 0 && $0 < 1 })

    let scaled = Tensor.uniform([200, 50], low: -2, high: 3, generator: &generator).values
    #expect(scaled.allSatisfy { $0 >= -2 && $0 < 3 })
    #expect(abs(moments(scaled).mean - 0.5) < 0.08)
}

@Test func normalDrawsHaveUnitVarianceAndGaussianKurtosis() {
    var generator = RandomGenerator(seed: 2)
    let draws = (0..<100_000).map { _ in generator.nextNormal() }
    let (mean, variance) = moments(draws)
    #expect(abs(mean) < 0.02)            // standard error 0.0032
    #expect(abs(variance - 1) < 0.03)    // standard error 0.0045
    let fourth = draws.reduce(0.0) { $0 + pow(Double($1), 4) } / 1e5
    #expect(abs(fourth - 3) < 0.2)       // E x^4 = 3, standard error 0.031
    let withinOne = Double(draws.filter { abs($0) < 1 }.count) / 1e5
    #expect(abs(withinOne - erf(1 / 2.0.squareRoot())) < 0.008) // 0.6827

    let shifted = Tensor.normal([100_000], mean: 3, std: 2, generator: &generator).values
    let (shiftedMean, shiftedVariance) = moments(shifted)
    #expect(abs(shiftedMean - 3) < 0.04 && abs(shiftedVariance - 4) < 0.12)
}

@Test func logisticDrawsHaveVariancePiSquaredOverThree() {
    var generator = RandomGenerator(seed: 3)
    let draws = Tensor.logistic([100_000], generator: &generator).values
    #expect(draws.allSatisfy { $0.isFinite })
    let (mean, variance) = moments(draws)
    #expect(abs(mean) < 0.03)                          // standard error 0.0057
    #expect(abs(variance - Double.pi * Double.pi / 3) < 0.1) // 3.29, standard error 0.019
    // The logistic CDF is the sigmoid: P(X <= 1) = 1 / (1 + e^-1) = 0.7311.
    let belowOne = Double(draws.filter { $0 <= 1 }.count) / 1e5
    #expect(abs(belowOne - 1 / (1 + exp(-1.0))) < 0.008)
}

@Test func truncatedNormalStaysWithinTwoStandardDeviations() {
    var generator = RandomGenerator(seed: 4)
    let std: Float = 0.5
    let draws = Tensor.truncatedNormal([100_000], std: std, generator: &generator).values
    #expect(draws.allSatisfy { abs($0) <= 2 * std })
    // Var of N(0, 1) truncated to [-2, 2] is 1 - 2·2·φ(2) / (Φ(2) - Φ(-2)) ≈ 0.7737.
    let phi2 = exp(-2.0) / (2 * Double.pi).squareRoot()
    let mass = erf(2 / 2.0.squareRoot())
    let unitVariance = 1 - 4 * phi2 / mass
    let (mean, variance) = moments(draws)
    #expect(abs(mean) < 0.01)
    #expect(abs(variance - unitVariance * Double(std * std)) < 0.01)
}

@Test func nextIntStaysInRangeAndIsUniform() {
    var generator = RandomGenerator(seed: 5)
    for bound in [1, 2, 3, 7, 1000, 3_000_000_000] {
        #expect((0..<2000).allSatisfy { _ in (0..<bound).contains(generator.nextInt(below: bound)) },
                "bound \(bound)")
    }
    // Six faces, 60,000 rolls: each count is 10,000 with standard deviation 91.
    var counts = [Int](repeating: 0, count: 6)
    for _ in 0..<60_000 { counts[generator.nextInt(below: 6)] += 1 }
    #expect(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
    // A bound just over 2^31 rejects almost half of all draws; results must still cover
    // both halves of the range evenly.
    let big = 2_147_483_649
    let upper = (0..<10_000).filter { _ in generator.nextInt(below: big) >= big / 2 }.count
    #expect(abs(upper - 5000) < 300)
}

@Test func permutationIsAUniformPermutation() {
    var generator = RandomGenerator(seed: 6)
    for n in [0, 1, 2, 7, 100] {
        #expect(generator.permutation(n).sorted() == Array(0..<n), "n \(n)")
    }
    // All 24 orders of four items, 24,000 shuffles: each about 1,000 times (sd 31);
    // an off-by-one in Fisher-Yates leaves some orders never drawn.
    var counts: [[Int]: Int] = [:]
    for _ in 0..<24_000 { counts[generator.permutation(4), default: 0] += 1 }
    #expect(counts.count == 24)
    #expect(counts.values.allSatisfy { abs($0 - 1000) < 170 }, "\(counts.values.sorted())")
}

/// The extreme 24-bit values map strictly inside (0, 1), so logistic and Box-Muller draws
/// stay finite (in Float, (2^24 - 1 + 0.5) · 2^-24 would round to exactly 1).
@Test func openUniformExtremesStayInsideTheInterval() {
    let lowest = RandomGenerator.openUniform(bits: 0)
    let highest = RandomGenerator.openUniform(bits: 0xFF_FFFF)
    #expect(lowest > 0 && lowest == 0.5 / 16_777_216)
    #expect(highest < 1 && highest == 1 - 0.5 / 16_777_216)
    #expect(RandomGenerator.logistic(uniform: highest).isFinite)
    #expect(RandomGenerator.logistic(uniform: lowest).isFinite)
    // log(u / (1 - u)) at u = 1 - 2^-25 is 25 ln 2 - tiny.
    #expect(abs(Double(RandomGenerator.logistic(uniform: highest)) - 25 * log(2.0)) < 1e-4)
}
