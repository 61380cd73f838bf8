import Foundation
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import Datasets
import GAN

/// What one iteration measured.
public struct IterationStatistics {
    public init() {}
    public var nll: Float = .nan
    public var generatorLoss: Float = .nan
    /// E[D(x)] - E[D(G(z))] at the last critic step: the critic's Wasserstein estimate.
    public var wassersteinEstimate: Float = .nan
    public var penalty: Float = .nan
}

/// Trains a flow generator with a WGAN critic: `criticSteps` critic updates on one data
/// batch, then one generator update with the chosen objective.
public final class AdversarialTrainer {
    public let generatorTrainer: FlowTrainer
    public let critic: any Layer
    public let criticOptimiser: Adam
    public let objective: Objective
    public let lambda: Float
    public let criticSteps: Int
    public let penaltyWeight: Float
    /// Weight clipping instead of the gradient penalty (the original WGAN), when set.
    public let clipping: Float?
    /// The stream of the critic steps' latents and mixing weights, and the generator's latents.
    public internal(set) var randomness: RandomGenerator

    /// The critic must score every sample on its own: no batch norm, whose batch
    /// statistics would couple the samples (the per-sample gradient penalty assumes this
    /// too, and the critic step scores real and fake samples in one batch).
    public init(generatorTrainer: FlowTrainer, critic: any Layer, objective: Objective, lambda: Float,
                criticSteps: Int = 5, criticLearningRate: Float = 1e-4, penaltyWeight: Float = 10,
                clipping: Float? = nil, seed: UInt64) {
        precondition(!critic.modulesWithPaths.contains { $0.module is BatchNorm },
                     "AdversarialTrainer: the critic must not use batch norm (it couples the samples)")
        self.generatorTrainer = generatorTrainer
        self.critic = critic
        self.criticOptimiser = Adam(parameters: critic.parameters, learningRate: criticLearningRate, beta1: 0.5, beta2: 0.9)
        self.objective = objective
        self.lambda = lambda
        self.criticSteps = criticSteps
        self.penaltyWeight = penaltyWeight
        self.clipping = clipping
        self.randomness = RandomGenerator(seed: seed, stream: .adversarial)
    }

    var model: NormalizingFlow { generatorTrainer.model }

    /// Puts back the random stream a training checkpoint recorded (the generator trainer's
    /// own state is put back by its `resume`).
    public func resume(randomness: RandomGenerator) {
        self.randomness = randomness
    }

    // [book:critic-step]
    /// One critic update: minimise E[D(G(z))] - E[D(x)] + 10 GP (or clip the weights).
    /// The critic scores each sample on its own (no batch statistics, see `init`), so the
    /// real and the fake batch go through it together: one pass, larger matrix products.
    public func criticStep(real: Tensor, fake: Tensor, epsilon: Tensor?) throws -> (wasserstein: Float, penalty: Float) {
        let n = real.shape[0]
        let scores = critic(Variable(Tensor.concatenate([real, fake], alongAxis: 0)))
        let realScore = scores.slice(0..<n, alongAxis: 0).mean()
        let fakeScore = scores.slice(n..<(2 * n), alongAxis: 0).mean()
        var loss = fakeScore - realScore
        var penaltyValue: Float = 0
        if let epsilon {
            let penalty = gradientPenalty(critic: critic, real: real, fake: fake, epsilon: epsilon)
            penaltyValue = penalty.value.scalar
            loss = loss + penalty * penaltyWeight
        }
        try generatorTrainer.checkFinite(loss.value.scalar, "critic loss")
        criticOptimiser.minimise(loss)
        if let clipping { clipWeights(critic, to: clipping) }
        return (realScore.value.scalar - fakeScore.value.scalar, penaltyValue)
    }
    // [/book:critic-step]

    // [book:generator-step]
    /// One generator update with the objective's loss (ADV or hybrid; MLE's is the flow
    /// trainer's `maximumLikelihoodStep`), against the critic as it is. Records the loss's
    /// parts in `statistics` and counts the iteration.
    public func generatorStep(real images: Tensor, statistics: inout IterationStatistics) throws {
        let loss = generatorLoss(real: images, statistics: &statistics)
        try generatorTrainer.checkFinite(loss.value.scalar, "\(objective.rawValue) generator loss")
        generatorTrainer.optimiser.minimise(loss)
        generatorTrainer.finishIteration()
    }

    /// The generator's loss for the objective on a batch of real images (the critic as it
    /// is), its parts recorded in `statistics`.
    func generatorLoss(real images: Tensor, statistics: inout IterationStatistics) -> Variable {
        generatorObjective(objective, lambda: lambda, criticScoreOfSamples: {
            let z = Variable(model.prior.sample(images.shape[0], shape: model.latentShape, generator: &randomness))
            let score = critic(model.generate(z)).mean()                  // E[D(G(z))]
            statistics.generatorLoss = -score.value.scalar
            return score
        }, nll: {
            let nll = model.negativeLogLikelihood(generatorTrainer.dequantized(images))
            statistics.nll = nll.value.scalar
            return nll
        })
    }
    // [/book:generator-step]

    /// The sizes of the hybrid loss's two parts, g_loss / λ and NLL, as the generator's
    /// gradient sees them: each part differentiated on its own with respect to the flow's
    /// parameters at the current state, on the real batch `images` (dequantised with
    /// `generator`) and as many latents drawn from `generator`. Returns the two gradients'
    /// Euclidean norms and the cosine of the angle between them (1: they pull the same way).
    ///
    /// A measurement, not a step: the parameters, the optimiser and the training streams
    /// are not touched, and batch norm's running averages, which a forward pass in training
    /// mode updates, are put back as they were, so a run that measures trains exactly as
    /// one that does not.
    public func hybridGradientNorms(real images: Tensor, generator: inout RandomGenerator) throws
        -> (nll: Double, adversarial: Double, cosine: Double) {
        let saved = Dictionary(uniqueKeysWithValues: model.namedBuffers.map { ($0.name, $0.buffer) })
        let parameters = model.parameters
        let y = Variable(Dequantization.apply(images, generator: &generator))
        let nllGradient = gradients(of: model.negativeLogLikelihood(y), withRespectTo: parameters)
        let z = Variable(model.prior.sample(images.shape[0], shape: model.latentShape, generator: &generator))
        let adversarialLoss = -critic(model.generate(z)).mean() * (1 / lambda)
        let adversarialGradient = gradients(of: adversarialLoss, withRespectTo: parameters)
        var (nn, aa, na) = (0.0, 0.0, 0.0)
        for (g, h) in zip(nllGradient, adversarialGradient) {
            for (a, b) in zip(g.value.values, h.value.values) {
                nn += Double(a) * Double(a); aa += Double(b) * Double(b); na += Double(a) * Double(b)
            }
        }
        try model.loadBuffers(saved)
        return (nn.squareRoot(), aa.squareRoot(), na / max((nn * aa).squareRoot(), .leastNormalMagnitude))
    }

    /// One iteration, as chapter 05 writes it out: MLE's step, or `criticSteps` critic
    /// updates on one real batch followed by one generator update.
    public func iteration(real images: Tensor) throws -> IterationStatistics {
        var statistics = IterationStatistics()
        if objective == .mle {
            statistics.nll = try generatorTrainer.maximumLikelihoodStep(images)
            return statistics
        }
        for (fake, epsilon) in criticBatches(like: images) {
            (statistics.wassersteinEstimate, statistics.penalty) = try criticStep(real: images, fake: fake, epsilon: epsilon)
        }
        try generatorStep(real: images, statistics: &statistics)
        return statistics
    }
}
