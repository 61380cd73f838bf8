import Foundation
import TensorCore
import Autodiff
import NeuralLayers
import Flows

// Annealed importance sampling for decoder-based models (Wu, Burda, Salakhutdinov,
// Grosse 2017, "On the Quantitative Analysis of Decoder-Based Generative Models"),
// following Neal (2001) for AIS and Neal (2011) for the HMC transitions.

/// The inverse temperatures 0 = β_0 < β_1 < ... < β_T = 1 of the annealing path.
public enum AISSchedule: Sendable {
    /// Wu et al.'s schedule: s_t = sigmoid(δ (2t/T - 1)), rescaled so that β_0 = 0 and
    /// β_T = 1. Steps are small at both ends, where the intermediate distributions change
    /// fastest. δ = 4 in their code.
    case sigmoid(radius: Double)
    /// β_t = t / T.
    case linear
    /// β_t = start^((T - t) / (T - 1)) for t ≥ 1 (from `start` to 1 in equal ratios),
    /// β_0 = 0: many small steps near the prior.
    case geometric(start: Double)

    /// The T + 1 temperatures β_0 ... β_T.
    public func temperatures(steps: Int) -> [Double] {
        precondition(steps >= 1, "an annealing schedule needs at least one step")
        let t = (0...steps).map { Double($0) / Double(steps) }
        switch self {
        case .sigmoid(let radius):
            let s = t.map { 1 / (1 + Foundation.exp(-radius * (2 * $0 - 1))) }
            return s.map { ($0 - s[0]) / (s[steps] - s[0]) }
        case .linear:
            return t
        case .geometric(let start):
            precondition(start > 0 && start < 1, "a geometric schedule starts in (0, 1)")
            if steps == 1 { return [0, 1] }
            return [0] + (1...steps).map { Foundation.pow(start, Double(steps - $0) / Double(steps - 1)) }
        }
    }
}

/// The settings of an AIS run. Wu et al. use 16 chains, 10 leapfrog steps and a target
/// acceptance rate of 0.65; the number of intermediate distributions trades time for a
/// tighter bound.
public struct AISConfiguration {
    /// T, the number of intermediate distributions (and of HMC transitions).
    public var steps: Int
    /// Leapfrog steps per HMC transition (gradient evaluations per transition).
    public var leapfrogSteps: Int
    /// Independent AIS chains per image; their weights are averaged.
    public var chains: Int
    /// σ of the observation model p(x | z) = N(x; G(z), σ² I).
    public var noiseStandardDeviation: Double
    /// The HMC step size every chain starts from.
    public var initialStepSize: Double
    public var schedule: AISSchedule
    /// The acceptance rate the per-chain step sizes are adapted toward.
    public var targetAcceptanceRate: Double = 0.65
    /// Whether each chain's step size follows its acceptance rate (Wu et al. do); fixed step
    /// sizes keep every transition exactly reversible, as BDMC's bounds assume.
    public var adaptsStepSize = true
    /// A step size for each transition t = 1...T, the same for every chain, in place of the
    /// adaptation (which it turns off): a schedule tuned once by an adaptive pilot run
    /// (`AISResult.stepSizeTrace`) keeps the transitions fixed and still fits each temperature.
    public var stepSizes: [Double]?
    /// Images are annealed in groups of at most this many rows (images × chains), each
    /// group as one batch, to bound the memory of the decoder's graph.
    public var maximumBatchRows: Int = 4096

    public init(steps: Int = 200, leapfrogSteps: Int = 10, chains: Int = 8,
                noiseStandardDeviation: Double = 0.05, initialStepSize: Double = 0.05,
                schedule: AISSchedule = .sigmoid(radius: 4)) {
        self.steps = steps
        self.leapfrogSteps = leapfrogSteps
        self.chains = chains
        self.noiseStandardDeviation = noiseStandardDeviation
        self.initialStepSize = initialStepSize
        self.schedule = schedule
    }
}

extension AISConfiguration {
    /// The schedule for observation noise σ. For σ of 0.05 and above, Wu et al.'s sigmoid.
    /// For small σ the log-likelihood term is huge (|x - G(z)|²/(2σ²), millions of nats at
    /// a prior draw when σ = 0.003) and the posterior is hundreds of times narrower than
    /// the prior: the log-normaliser log Z(β) then changes like (d/2) log β over many
    /// decades of β, and only a geometric schedule, equal steps in log β from 1e-8, spends
    /// its steps where Z changes. (The linear-Gaussian test at σ = 0.003 is off by
    /// hundreds of nats with the sigmoid schedule at 1000 steps.)
    public static func schedule(sigma: Double) -> AISSchedule {
        sigma >= 0.05 ? .sigmoid(radius: 4) : .geometric(start: 1e-8)
    }

    /// The lowest NLL any estimate of log p_σ(x) can give an image of dimension D,
    /// (D/2) log(2π σ²): p(x | z) ≤ (2π σ²)^{-D/2} for every z, so p_σ(x) is too. For
    /// D = 784 and σ = 0.05 the floor is -1628 nats, above a good MNIST flow's exact NLL
    /// (-3118 for chapter 05's MLE model): at that σ AIS cannot come near the exact
    /// likelihood at all. σ = 0.003 puts the floor at -3834.
    public static func floorNLL(dimension: Int, sigma: Double) -> Double {
        0.5 * Double(dimension) * Foundation.log(2 * Double.pi * sigma * sigma)
    }
}

/// AIS estimates of log p(x), one per image.
public struct AISResult {
    /// log (1/K Σ_k w_k) for each image, in nats.
    public let logLikelihoods: [Double]
    /// The fraction of HMC proposals accepted, over all chains and transitions.
    public let acceptanceRate: Double
    /// The step size at each transition t = 1...T, the geometric mean over the chains of the
    /// first group of images (to tune `AISConfiguration.stepSizes` from a pilot run).
    public let stepSizeTrace: [Double]
    /// The mean over an image's chains of log p(x | z_T) at the chains' last points, per
    /// image (forward AIS: approximately posterior draws). Since p(z|x) = p(x|z) p(z) / p(x),
    /// KL(p(z|x) ‖ p(z)) = E_posterior[log p(x|z)] - log p(x): this minus the estimate is
    /// how many nats the posterior is from the prior (`posteriorKLEstimates`), and about
    /// exp(KL) draws from the prior are what importance sampling from it would need.
    public let finalLogLikelihoods: [Double]

    public init(logLikelihoods: [Double], acceptanceRate: Double, stepSizeTrace: [Double] = [],
                finalLogLikelihoods: [Double] = []) {
        self.logLikelihoods = logLikelihoods
        self.acceptanceRate = acceptanceRate
        self.stepSizeTrace = stepSizeTrace
        self.finalLogLikelihoods = finalLogLikelihoods
    }

    /// The mean negative log-likelihood over the images.
    public var meanNLL: Double {
        -logLikelihoods.reduce(0, +) / Double(max(logLikelihoods.count, 1))
    }

    /// The standard error of `meanNLL` over images: sample standard deviation / √N.
    public var standardError: Double { meanAndStandardError(logLikelihoods).standardError }

    /// The estimates of the images (not chains) in `range`; the acceptance rate and the trace
    /// are the whole run's.
    func images(_ range: Range<Int>) -> AISResult {
        AISResult(logLikelihoods: Array(logLikelihoods[range]), acceptanceRate: acceptanceRate, stepSizeTrace: stepSizeTrace,
                  finalLogLikelihoods: finalLogLikelihoods.isEmpty ? [] : Array(finalLogLikelihoods[range]))
    }

    /// KL(p(z|x) ‖ p(z)) per image, estimated as the chains' final mean log p(x|z) minus the
    /// estimate of log p(x) (nats). Forward AIS only, and meaningful only where it has
    /// converged: otherwise the last states are not posterior draws and log p̂ is low.
    public var posteriorKLEstimates: [Double] { zip(finalLogLikelihoods, logLikelihoods).map { $0 - $1 } }
}

/// Estimates log p(x) for each image x of a decoder-based model by annealed importance
/// sampling (AIS), reading the decoder G as the mean of p(x | z) = N(x; G(z), σ² I):
///
///     p_σ(x) = ∫ p(x | z) p(z) dz,     log w = Σ_{t=1..T} (β_t - β_{t-1}) log p(x | z_{t-1}),
///
/// with HMC transitions between the temperatures and log p̂(x) = log-mean-exp of the
/// chains' log w. E[w] = p_σ(x), so log p̂ is a stochastic lower bound on log p_σ(x), and
/// p_σ is the flow's density convolved with the noise, not the flow's own: book.md,
/// chapter 06 ("AIS"), explains the path, the weights, the bias and the transitions.
///
/// The decoder must map each row on its own (evaluation mode: batch norm on running
/// averages), or the chains of one batch would interact. Weights and energies are
/// accumulated in Double.
///
/// - Parameters:
///   - decoder: z [B, d] -> G(z) [B, ...] in the space of `images`.
///   - logPrior: log p(z) for z [B, d], as [B], differentiable.
///   - samplePrior: `n` draws of z, [n, d].
///   - images: [N, ...], the same per-sample size D as the decoder's output.
///   - progress: called with (annealing steps done, total) after every step.
public func annealedImportanceSampling(decoder: (Variable) -> Variable, latentDimension: Int,
                                       logPrior: (Variable) -> Variable,
                                       samplePrior: (Int, inout RandomGenerator) -> Tensor,
                                       images: Tensor, configuration: AISConfiguration,
                                       generator: inout RandomGenerator,
                                       progress: ((Int, Int) -> Void)? = nil) -> AISResult {
    withoutActuallyEscaping(decoder) { decoder in
        withoutActuallyEscaping(logPrior) { logPrior in
            runAIS(decoder: decoder, latentDimension: latentDimension, logPrior: logPrior, samplePrior: samplePrior,
                   images: images, configuration: configuration, generator: &generator, progress: progress)
        }
    }
}

/// The body of `annealedImportanceSampling`: the chains of a group of images are stored
/// with the (non-escaping) decoder, hence the escaping closures here.
func runAIS(decoder: @escaping (Variable) -> Variable, latentDimension: Int,
            logPrior: @escaping (Variable) -> Variable,
            samplePrior: (Int, inout RandomGenerator) -> Tensor,
            images: Tensor, configuration: AISConfiguration,
            generator: inout RandomGenerator, progress: ((Int, Int) -> Void)?,
            reverseFrom posterior: Tensor? = nil) -> AISResult {
    let c = configuration
    precondition(c.steps >= 1 && c.leapfrogSteps >= 1 && c.chains >= 1, "AIS needs steps, leapfrog steps and chains ≥ 1")
    precondition(c.noiseStandardDeviation > 0 && c.initialStepSize > 0, "AIS needs σ > 0 and a positive step size")
    let n = images.shape[0]
    let flat = images.reshaped([n, images.count / max(n, 1)])
    let betas = c.schedule.temperatures(steps: c.steps)
    let imagesPerGroup = max(1, c.maximumBatchRows / c.chains)
    let groups = (n + imagesPerGroup - 1) / imagesPerGroup
    precondition(c.stepSizes == nil || c.stepSizes!.count == c.steps, "AIS needs one step size per transition")
    var logLikelihoods: [Double] = []
    var accepted = 0, proposed = 0
    var trace: [Double] = []
    var finalLogLikelihoods: [Double] = []
    for group in 0..<groups {
        let range = (group * imagesPerGroup)..<min(n, (group + 1) * imagesPerGroup)
        let target = AnnealingTarget(decoder: decoder, logPrior: logPrior,
                                     observations: replicateRows(flat.slice(range, alongAxis: 0), times: c.chains),
                                     sigma: c.noiseStandardDeviation)
        var chains = AISChains(target: target, latentDimension: latentDimension, configuration: c,
                               samplePrior: samplePrior, generator: &generator,
                               start: posterior.map { replicateRows($0.slice(range, alongAxis: 0), times: c.chains) })
        if posterior != nil {
            // Reverse AIS (AnnealedImportanceSampling+Bidirectional.swift): the forward
            // chain read backwards, from an exact posterior sample down to the prior.
            for t in stride(from: c.steps, through: 1, by: -1) {
                chains.hamiltonianTransition(beta: betas[t], stepSize: c.stepSizes?[t - 1], generator: &generator)
                chains.accumulateWeights(from: betas[t], to: betas[t - 1])
                progress?(group * c.steps + c.steps - t + 1, groups * c.steps)
            }
        } else {
            // [book:ais-loop]
            for t in 1...c.steps {
                chains.accumulateWeights(from: betas[t - 1], to: betas[t])
                chains.hamiltonianTransition(beta: betas[t], stepSize: c.stepSizes?[t - 1], generator: &generator)
                progress?(group * c.steps + t, groups * c.steps)
            }
            // [/book:ais-loop]
        }
        accepted += chains.accepted
        proposed += chains.proposed
        if group == 0 { trace = chains.stepSizeTrace }
        for image in 0..<range.count {
            let weights = chains.logWeights[(image * c.chains)..<((image + 1) * c.chains)]
            // Forward: log p̂ = log-mean-exp of log w. Reverse: the weights estimate 1/p(x).
            logLikelihoods.append(posterior == nil ? logMeanExp(weights) : -logMeanExp(weights))
            let last = chains.current.logLikelihood[(image * c.chains)..<((image + 1) * c.chains)]
            finalLogLikelihoods.append(last.reduce(0, +) / Double(c.chains))
        }
    }
    return AISResult(logLikelihoods: logLikelihoods, acceptanceRate: Double(accepted) / Double(max(proposed, 1)),
                     stepSizeTrace: trace, finalLogLikelihoods: finalLogLikelihoods)
}

/// AIS for a normalizing flow used as a generator: G(z) = f⁻¹(z) with the flow's own
/// prior, in evaluation mode (restored afterwards). `images` are in the flow's data space
/// ([N, 1, 28, 28] pixels in [0, 1] for MNIST).
public func annealedImportanceSampling(flow model: NormalizingFlow, images: Tensor,
                                       configuration: AISConfiguration, generator: inout RandomGenerator,
                                       progress: ((Int, Int) -> Void)? = nil) -> AISResult {
    withFlowAsDecoder(model) { decoder, d, logPrior, samplePrior in
        annealedImportanceSampling(decoder: decoder, latentDimension: d, logPrior: logPrior, samplePrior: samplePrior,
                                   images: images, configuration: configuration, generator: &generator, progress: progress)
    }
}

/// A flow read as a decoder-based model, for AIS and BDMC: G(z) = f⁻¹(z) of latent rows
/// [B, d], the flow's own prior's log-density and samples, with the flow in evaluation mode
/// while `body` runs (restored afterwards).
func withFlowAsDecoder<Result>(_ model: NormalizingFlow,
                               _ body: (_ decoder: (Variable) -> Variable, _ latentDimension: Int,
                                        _ logPrior: (Variable) -> Variable,
                                        _ samplePrior: (Int, inout RandomGenerator) -> Tensor) -> Result) -> Result {
    let wasTraining = model.isTraining
    model.isTraining = false
    defer { model.isTraining = wasTraining }
    let latentShape = model.latentShape
    let d = latentShape.reduce(1, *)
    let prior = model.prior
    return body({ model.generate($0.reshaped([$0.shape[0]] + latentShape)) }, d, { prior.logProbability($0) },
                { count, random in prior.sample(count, shape: [d], generator: &random) })
}

/// [N, D] -> [N·K, D] with row i·K + k a copy of row i: the K chains of an image are
/// adjacent.
func replicateRows(_ rows: Tensor, times k: Int) -> Tensor {
    let (n, d) = (rows.shape[0], rows.shape[1])
    var out = Tensor(uninitializedShape: [n * k, d])
    let src = rows.unsafeReadPointer, dst = out.unsafeWritePointer()
    for i in 0..<n { for j in 0..<k { (dst + (i * k + j) * d).update(from: src + i * d, count: d) } }
    return out
}

/// log p(z), log p(x | z) and their gradients with respect to z, for every row.
struct TargetEvaluation {
    var logPrior: [Double]
    var logLikelihood: [Double]
    var priorGradient: Tensor        // [B, d]
    var likelihoodGradient: Tensor   // [B, d]

    /// Takes row b of `other` wherever `accepted[b]`.
    mutating func take(_ other: TargetEvaluation, where accepted: [Bool]) {
        let d = priorGradient.shape[1]
        priorGradient.withUnsafeMutableBufferPointer { prior in
            likelihoodGradient.withUnsafeMutableBufferPointer { likelihood in
                let otherPrior = other.priorGradient.unsafeReadPointer
                let otherLikelihood = other.likelihoodGradient.unsafeReadPointer
                for b in accepted.indices where accepted[b] {
                    logPrior[b] = other.logPrior[b]
                    logLikelihood[b] = other.logLikelihood[b]
                    (prior.baseAddress! + b * d).update(from: otherPrior + b * d, count: d)
                    (likelihood.baseAddress! + b * d).update(from: otherLikelihood + b * d, count: d)
                }
            }
        }
    }
}

/// The pieces of the annealed targets f_β(z) = p(z) p(x | z)^β for a batch of rows, each
/// row an (image, chain) pair.
struct AnnealingTarget {
    let decoder: (Variable) -> Variable
    let logPrior: (Variable) -> Variable
    let observations: Tensor   // [B, D]
    let sigma: Double

    var rows: Int { observations.shape[0] }

    func evaluate(_ z: Tensor) -> TargetEvaluation {
        let (rows, dimension) = (observations.shape[0], observations.shape[1])
        let inverseVariance = 1 / (sigma * sigma)
        let logNormalizer = -0.5 * Double(dimension) * Foundation.log(2 * Double.pi * sigma * sigma)
        return GradientRecording.with(true) {
            let point = Variable(z, requiresGradient: true)
            let prior = logPrior(point)
            precondition(prior.shape == [rows], "logPrior must return [B] = [\(rows)], got \(prior.shape)")
            let priorGradient = gradients(of: prior, withRespectTo: [point], seed: Tensor(ones: [rows]))[0].value
            let output = decoder(point)
            precondition(output.value.count == rows * dimension,
                         "the decoder's output \(output.shape) does not match images of \(dimension) values")
            // The seed (x - G(z)) / σ² is ∂ log p(x|z) / ∂G(z); the same pass gives |x - G(z)|².
            var seed = Tensor(uninitializedShape: output.shape)
            var logLikelihood = [Double](repeating: 0, count: rows)
            let x = observations.unsafeReadPointer, g = output.value.unsafeReadPointer, s = seed.unsafeWritePointer()
            let scale = Float(inverseVariance)
            for b in 0..<rows {
                var squares = 0.0
                for j in (b * dimension)..<((b + 1) * dimension) {
                    let r = x[j] - g[j]
                    s[j] = r * scale
                    squares += Double(r) * Double(r)
                }
                logLikelihood[b] = -0.5 * squares * inverseVariance + logNormalizer
            }
            let likelihoodGradient = gradients(of: output, withRespectTo: [point], seed: seed)[0].value
            return TargetEvaluation(logPrior: prior.value.values.map(Double.init), logLikelihood: logLikelihood,
                                    priorGradient: priorGradient, likelihoodGradient: likelihoodGradient)
        }
    }
}

/// B = images × chains AIS chains advanced together.
struct AISChains {
    let target: AnnealingTarget
    let leapfrogSteps: Int
    let targetAcceptanceRate: Double
    let adaptsStepSize: Bool
    var position: Tensor            // z, [B, d]
    var current: TargetEvaluation   // at `position`
    var logWeights: [Double]
    var stepSizes: [Float]
    var averageAcceptance: [Double]
    var accepted = 0, proposed = 0

    /// Chains starting from `start` [rows, d] when given (reverse AIS), else from the prior.
    init(target: AnnealingTarget, latentDimension d: Int, configuration: AISConfiguration,
         samplePrior: (Int, inout RandomGenerator) -> Tensor, generator: inout RandomGenerator, start: Tensor? = nil) {
        let rows = target.rows
        let start = start ?? samplePrior(rows, &generator)
        precondition(start.count == rows * d, "samplePrior(\(rows)) gave shape \(start.shape), expected [\(rows), \(d)]")
        self.target = target
        leapfrogSteps = configuration.leapfrogSteps
        targetAcceptanceRate = configuration.targetAcceptanceRate
        adaptsStepSize = configuration.adaptsStepSize && configuration.stepSizes == nil
        position = start.reshaped([rows, d])
        current = target.evaluate(position)
        logWeights = [Double](repeating: 0, count: rows)
        stepSizes = [Float](repeating: Float(configuration.initialStepSize), count: rows)
        averageAcceptance = [Double](repeating: configuration.targetAcceptanceRate, count: rows)
    }

    /// The geometric mean of the chains' step sizes after each transition so far.
    var stepSizeTrace: [Double] = []

    /// log w += (β_t - β_{t-1}) log p(x | z_{t-1}).
    mutating func accumulateWeights(from previous: Double, to next: Double) {
        for b in logWeights.indices { logWeights[b] += (next - previous) * current.logLikelihood[b] }
    }

    /// -log f_β(z) = -log p(z) - β log p(x | z) for row b.
    func potential(_ e: TargetEvaluation, _ b: Int, beta: Double) -> Double {
        -(e.logPrior[b] + beta * e.logLikelihood[b])
    }

    /// p_b += fraction · ε_b · ∇ log f_β(z_b), row by row.
    func kick(_ momentum: inout Tensor, _ e: TargetEvaluation, beta: Float, fraction: Float) {
        let d = momentum.shape[1]
        let prior = e.priorGradient.unsafeReadPointer, likelihood = e.likelihoodGradient.unsafeReadPointer
        momentum.withUnsafeMutableBufferPointer { p in
            for b in 0..<stepSizes.count {
                let h = fraction * stepSizes[b]
                for j in (b * d)..<((b + 1) * d) { p[j] += h * (prior[j] + beta * likelihood[j]) }
            }
        }
    }

    /// z_b += ε_b p_b.
    func drift(_ z: inout Tensor, _ momentum: Tensor) {
        let d = z.shape[1]
        let p = momentum.unsafeReadPointer
        z.withUnsafeMutableBufferPointer { q in
            for b in 0..<stepSizes.count {
                let h = stepSizes[b]
                for j in (b * d)..<((b + 1) * d) { q[j] += h * p[j] }
            }
        }
    }

    static func kineticEnergies(_ momentum: Tensor) -> [Double] {
        let (rows, d) = (momentum.shape[0], momentum.shape[1])
        let p = momentum.unsafeReadPointer
        return (0..<rows).map { b in
            var sum = 0.0
            for j in (b * d)..<((b + 1) * d) { sum += Double(p[j]) * Double(p[j]) }
            return 0.5 * sum
        }
    }

    /// One HMC transition leaving f_β invariant, for every chain at once, with every
    /// chain's step size set to `stepSize` when given, else followed by the adaptation.
    mutating func hamiltonianTransition(beta: Double, stepSize: Double? = nil, generator: inout RandomGenerator) {
        if let stepSize { for b in stepSizes.indices { stepSizes[b] = Float(stepSize) } }
        defer {
            stepSizeTrace.append(Foundation.exp(stepSizes.reduce(0.0) { $0 + Foundation.log(Double($1)) } / Double(stepSizes.count)))
        }
        let rows = target.rows, d = position.shape[1]
        var momentum = Tensor.normal([rows, d], generator: &generator)
        let initialKinetic = AISChains.kineticEnergies(momentum)
        var proposal = position
        var evaluation = current
        kick(&momentum, evaluation, beta: Float(beta), fraction: 0.5)
        for step in 0..<leapfrogSteps {
            drift(&proposal, momentum)
            evaluation = target.evaluate(proposal)
            kick(&momentum, evaluation, beta: Float(beta), fraction: step == leapfrogSteps - 1 ? 0.5 : 1)
        }
        let finalKinetic = AISChains.kineticEnergies(momentum)
        var accept = [Bool](repeating: false, count: rows)
        for b in 0..<rows {
            // log of the Metropolis ratio exp(H_before - H_after); NaN or -inf rejects.
            let logRatio = (potential(current, b, beta: beta) + initialKinetic[b])
                - (potential(evaluation, b, beta: beta) + finalKinetic[b])
            let probability = logRatio.isNaN ? 0 : Foundation.exp(min(0, logRatio))
            accept[b] = Foundation.log(generator.nextOpenUniform()) < logRatio
            averageAcceptance[b] = 0.9 * averageAcceptance[b] + 0.1 * probability
            if adaptsStepSize {
                let factor: Float = averageAcceptance[b] > targetAcceptanceRate ? 1.02 : 0.98
                stepSizes[b] = min(1, max(1e-6, stepSizes[b] * factor))
            }
        }
        accepted += accept.lazy.filter { $0 }.count
        proposed += rows
        current.take(evaluation, where: accept)
        let source = proposal.unsafeReadPointer
        position.withUnsafeMutableBufferPointer { z in
            for b in 0..<rows where accept[b] { (z.baseAddress! + b * d).update(from: source + b * d, count: d) }
        }
    }
}
