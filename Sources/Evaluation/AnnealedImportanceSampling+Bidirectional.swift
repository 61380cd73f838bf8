import Foundation
import TensorCore
import Autodiff
import Flows

// Bidirectional Monte Carlo (Grosse, Ghahramani and Adams 2015), the check Wu et al. (2017)
// run on AIS for decoder-based models: how far from log p_σ(x) an AIS estimate can be, measured
// rather than assumed.
//
// On data simulated from the model itself, x = G(z) + σ ε with z ~ p(z) and ε ~ N(0, I), the
// z that made x is an exact sample of the posterior p(z | x). Two AIS runs then bracket
// log p_σ(x):
// - forward AIS from the prior to the posterior: E[w] = p_σ(x), so the log-mean-exp of its
//   weights is a stochastic lower bound (Jensen);
// - reverse AIS, the same chain read backwards, from that exact posterior sample down to the
//   prior: E[w_rev] = 1 / p_σ(x), so minus the log-mean-exp of its weights is a stochastic
//   upper bound.
// The gap between the two bounds the error of the forward estimate on such data, at this σ
// and with this schedule; a schedule long enough to close the gap on simulated data is the
// one to trust on real images (which the model did not generate, so for them it is evidence,
// not proof).

/// Both AIS bounds on the same simulated images.
public struct BDMCResult {
    /// Forward AIS: stochastic lower bounds on log p_σ(x), one per image.
    public let lower: AISResult
    /// Reverse AIS: stochastic upper bounds on log p_σ(x), one per image.
    public let upper: AISResult
    /// The step size of each transition both runs used (the configuration's, or the tuned
    /// pilot's).
    public let stepSizes: [Double]
    /// Forward AIS on the images given `alongside` the simulated ones (real images), with the
    /// same transitions: estimates for which the gap is evidence, not a proof.
    public let alongside: AISResult?

    /// Upper minus lower bound per image (nats): how far the forward estimate can be off.
    public var gaps: [Double] { zip(upper.logLikelihoods, lower.logLikelihoods).map { $0 - $1 } }

    /// The mean gap over the images.
    public var meanGap: Double { meanAndStandardError(gaps).mean }

    /// The standard error of `meanGap` over the images.
    public var gapStandardError: Double { meanAndStandardError(gaps).standardError }
}

/// Simulates `count` images from the decoder, x = G(z) + σ ε with σ the configuration's
/// noise, and runs forward and reverse AIS on them with the same configuration. Returns the
/// simulated images (shaped as the decoder's output) and both bounds. The decoder must map
/// each row on its own (evaluation mode), as for `annealedImportanceSampling`.
///
/// Both runs need the same fixed transitions: a chain whose step size follows its own
/// acceptance rate is not reversible, and the bounds then cross (measured on the
/// linear-Gaussian decoder, Tests/EvaluationTests/BDMCTests.swift). Without
/// `configuration.stepSizes`, an adaptive forward pilot on the same images first tunes one
/// step size per temperature (`AISResult.stepSizeTrace`), and both runs use that schedule.
///
/// Images given `alongside` (real ones, [N, ...] of the decoder's output size) are annealed
/// forward in the same batch as the simulated ones, with the same transitions: for a
/// decoder whose passes are dominated by streaming its weights (NICE's large dense layers at
/// a few dozen rows), the check and the estimate then cost little more than either.
public func bidirectionalMonteCarlo(decoder: (Variable) -> Variable, latentDimension: Int,
                                    logPrior: (Variable) -> Variable,
                                    samplePrior: (Int, inout RandomGenerator) -> Tensor,
                                    count: Int, configuration: AISConfiguration, alongside: Tensor? = nil,
                                    generator: inout RandomGenerator,
                                    progress: ((Int, Int) -> Void)? = nil) -> (images: Tensor, result: BDMCResult) {
    let latents = samplePrior(count, &generator).reshaped([count, latentDimension])
    let means = GradientRecording.withoutRecording { decoder(Variable(latents)).value }
    let noise = Tensor.normal(means.shape, generator: &generator)
    let sigma = Float(configuration.noiseStandardDeviation)
    let images = Tensor.zip(means, noise) { $0 + sigma * $1 }
    let result = withoutActuallyEscaping(decoder) { decoder in
        withoutActuallyEscaping(logPrior) { logPrior -> BDMCResult in
            // Progress in thirds: the pilot, the forward run, the reverse run.
            func part(_ k: Int) -> ((Int, Int) -> Void)? {
                progress.map { report in { done, total in report(k * total + done, 3 * total) } }
            }
            var fixed = configuration
            if fixed.stepSizes == nil {
                let pilot = runAIS(decoder: decoder, latentDimension: latentDimension, logPrior: logPrior, samplePrior: samplePrior,
                                   images: images, configuration: configuration, generator: &generator, progress: part(0))
                fixed.stepSizes = pilot.stepSizeTrace
            }
            let dimension = images.count / count
            let forwardImages = alongside.map {
                Tensor.concatenate([images.reshaped([count, dimension]), $0.reshaped([$0.shape[0], dimension])], alongAxis: 0)
            } ?? images
            let forward = runAIS(decoder: decoder, latentDimension: latentDimension, logPrior: logPrior, samplePrior: samplePrior,
                                 images: forwardImages, configuration: fixed, generator: &generator, progress: part(1))
            let lower = forward.images(0..<count)
            let upper = runAIS(decoder: decoder, latentDimension: latentDimension, logPrior: logPrior, samplePrior: samplePrior,
                               images: images, configuration: fixed, generator: &generator, progress: part(2),
                               reverseFrom: latents)
            return BDMCResult(lower: lower, upper: upper, stepSizes: fixed.stepSizes ?? [],
                              alongside: alongside == nil ? nil : forward.images(count..<forwardImages.shape[0]))
        }
    }
    return (images, result)
}

/// Bidirectional Monte Carlo for a normalizing flow used as a generator (G = f⁻¹ with the
/// flow's own prior), in evaluation mode (restored afterwards).
public func bidirectionalMonteCarlo(flow model: NormalizingFlow, count: Int, configuration: AISConfiguration,
                                    alongside: Tensor? = nil, generator: inout RandomGenerator,
                                    progress: ((Int, Int) -> Void)? = nil) -> (images: Tensor, result: BDMCResult) {
    withFlowAsDecoder(model) { decoder, d, logPrior, samplePrior in
        bidirectionalMonteCarlo(decoder: decoder, latentDimension: d, logPrior: logPrior, samplePrior: samplePrior,
                                count: count, configuration: configuration, alongside: alongside, generator: &generator,
                                progress: progress)
    }
}
