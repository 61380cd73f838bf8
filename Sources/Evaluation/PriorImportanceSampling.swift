import Foundation
import TensorCore
import Autodiff
import Flows

// The estimator of the VAE slide, p(x) ≈ (1/N) Σ_i p(x | z_i) with z_i drawn from the prior:
// importance sampling with the prior as proposal, which is AIS with a single step
// (Tests/EvaluationTests/BDMCTests.swift checks that they agree). It is unbiased for p_σ(x),
// but its weights p(x | z_i) differ by hundreds of nats between draws in 784 dimensions, so
// the average is the largest weight among the N draws, and it needs of the order of
// exp(KL(p(z | x) ‖ p(z))) draws before it nears log p_σ(x): the reason AIS anneals.
// It needs no gradient, only G(z), so it runs in batches of plain forward passes, and the
// estimates at every N asked for come from one sequence of draws.

/// Estimates of log p_σ(x) from the prior alone, per image, after each of `sampleCounts`
/// draws (the first N of one sequence, so the curve against N is one run's).
public struct PriorImportanceSamplingResult {
    /// The sample counts N, increasing.
    public let sampleCounts: [Int]
    /// logEstimates[k][i]: log((1/N_k) Σ_{j ≤ N_k} p(x_i | z_j)) for image i.
    public let logEstimates: [[Double]]
    /// The largest log p(x_i | z_j) among all draws, per image: the estimate after all N
    /// draws is never above it, and at most log N below it.
    public let largestLogLikelihood: [Double]

    /// The mean negative log-likelihood over the images at each N.
    public var meanNLL: [Double] { logEstimates.map { -$0.reduce(0, +) / Double(max($0.count, 1)) } }
}

/// Importance sampling from the prior for each row of `images` [N, ...] under
/// p(x | z) = N(x; G(z), σ² I), the same draws z_1, z_2, ... for every image, in batches of
/// `batchSize` forward passes of the decoder (which must map each row on its own).
public func priorImportanceSampling(decoder: (Variable) -> Variable, latentDimension: Int,
                                    samplePrior: (Int, inout RandomGenerator) -> Tensor,
                                    images: Tensor, sigma: Double, sampleCounts: [Int], batchSize: Int = 500,
                                    generator: inout RandomGenerator,
                                    progress: ((Int, Int) -> Void)? = nil) -> PriorImportanceSamplingResult {
    precondition(sigma > 0 && batchSize >= 1, "prior importance sampling needs σ > 0 and a positive batch size")
    precondition(!sampleCounts.isEmpty && sampleCounts.first! >= 1 && zip(sampleCounts, sampleCounts.dropFirst()).allSatisfy { $0 < $1 },
                 "sample counts must be positive and increasing")
    let n = images.shape[0], dimension = images.count / max(images.shape[0], 1)
    let x = images.reshaped([n, dimension]).values
    let total = sampleCounts.last!
    let logNormalizer = -0.5 * Double(dimension) * Foundation.log(2 * Double.pi * sigma * sigma)
    // A running log-sum-exp per image: the largest term so far and the sum of exp(term - largest).
    var largest = [Double](repeating: -.infinity, count: n)
    var scaledSum = [Double](repeating: 0, count: n)
    var estimates: [[Double]] = []
    var drawn = 0, nextReport = 0
    while drawn < total {
        // Stop each batch at the next N asked for, so that its estimate is exact to the draw.
        let stop = sampleCounts.first { $0 > drawn }!
        let count = min(batchSize, stop - drawn)
        let z = samplePrior(count, &generator).reshaped([count, latentDimension])
        let means = GradientRecording.withoutRecording { decoder(Variable(z)).value }
        precondition(means.count == count * dimension, "the decoder gave \(means.shape) for \(count) rows of \(dimension) values")
        let g = means.values
        for i in 0..<n {
            for j in 0..<count {
                var squares = 0.0
                for k in 0..<dimension {
                    let r = Double(x[i * dimension + k]) - Double(g[j * dimension + k])
                    squares += r * r
                }
                let term = logNormalizer - 0.5 * squares / (sigma * sigma)
                // A NaN output of the decoder gives that draw zero weight, as AIS's
                // Metropolis test rejects it.
                if !term.isFinite { continue }
                if term > largest[i] {
                    scaledSum[i] = scaledSum[i] * Foundation.exp(largest[i] - term) + 1
                    largest[i] = term
                } else {
                    scaledSum[i] += Foundation.exp(term - largest[i])
                }
            }
        }
        drawn += count
        if drawn == stop {
            estimates.append((0..<n).map { largest[$0] + Foundation.log(scaledSum[$0] / Double(drawn)) })
        }
        if drawn >= nextReport || drawn == total {
            progress?(drawn, total)
            nextReport = drawn + total / 100
        }
    }
    return PriorImportanceSamplingResult(sampleCounts: sampleCounts, logEstimates: estimates, largestLogLikelihood: largest)
}

/// Prior importance sampling for a normalizing flow used as a generator (G = f⁻¹ with the
/// flow's own prior), in evaluation mode (restored afterwards).
public func priorImportanceSampling(flow model: NormalizingFlow, images: Tensor, sigma: Double, sampleCounts: [Int],
                                    generator: inout RandomGenerator,
                                    progress: ((Int, Int) -> Void)? = nil) -> PriorImportanceSamplingResult {
    withFlowAsDecoder(model) { decoder, d, _, samplePrior in
        priorImportanceSampling(decoder: decoder, latentDimension: d, samplePrior: samplePrior, images: images, sigma: sigma,
                                sampleCounts: sampleCounts, generator: &generator, progress: progress)
    }
}
