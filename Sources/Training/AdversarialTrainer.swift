import Foundation
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import GAN

/// How the generator learns (RECIPE.md, "Critic and objectives").
public enum Objective: String, CaseIterable, Sendable {
    /// Maximum likelihood: the NLL only, no critic.
    case mle
    /// Adversarial: the WGAN generator loss -E[D(G(z))] only.
    case adv
    /// Both: g_loss / λ + NLL, the slides' V - λ log p scaled by 1/λ.
    case hybrid
}

/// What one iteration measured.
public struct IterationStatistics {
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
    var randomness: RandomGenerator

    public init(generatorTrainer: FlowTrainer, critic: any Layer, objective: Objective, lambda: Float,
                criticSteps: Int = 5, criticLearningRate: Float = 1e-4, penaltyWeight: Float = 10,
                clipping: Float? = nil, seed: UInt64) {
        self.generatorTrainer = generatorTrainer
        self.critic = critic
        self.criticOptimiser = Adam(parameters: critic.parameters, learningRate: criticLearningRate, beta1: 0.5, beta2: 0.9)
        self.objective = objective
        self.lambda = lambda
        self.criticSteps = criticSteps
        self.penaltyWeight = penaltyWeight
        self.clipping = clipping
        self.randomness = RandomGenerator(seed: seed, stream: 4004)
    }

    var model: NormalizingFlow { generatorTrainer.model }

    /// Samples from the generator without recording (the critic's fake batch).
    func fakeBatch(_ n: Int) -> Tensor {
        GradientRecording.withoutRecording { model.sample(n, generator: &randomness).value }
    }

    // [book:critic-step]
    /// One critic update: minimise E[D(G(z))] - E[D(x)] + 10 GP (or clip the weights).
    public func criticStep(real: Tensor) throws -> (wasserstein: Float, penalty: Float) {
        let fake = fakeBatch(real.shape[0])
        let realScore = critic(Variable(real)).mean()
        let fakeScore = critic(Variable(fake)).mean()
        var loss = fakeScore - realScore
        var penaltyValue: Float = 0
        if clipping == nil {
            let penalty = gradientPenalty(critic: critic, real: real, fake: fake, generator: &randomness)
            penaltyValue = penalty.value.scalar
            loss = loss + penalty * penaltyWeight
        }
        try generatorTrainer.checkFinite(loss.value.scalar, "critic loss")
        criticOptimiser.update(gradients(of: loss, withRespectTo: criticOptimiser.parameters))
        if let clipping { clipWeights(critic, to: clipping) }
        return (realScore.value.scalar - fakeScore.value.scalar, penaltyValue)
    }
    // [/book:critic-step]

    // [book:generator-step]
    /// One iteration: the critic steps (not for MLE), then one generator update.
    public func iteration(real images: Tensor) throws -> IterationStatistics {
        var statistics = IterationStatistics()
        if objective != .mle {
            for _ in 0..<criticSteps {
                (statistics.wassersteinEstimate, statistics.penalty) = try criticStep(real: images)
            }
        }
        var loss: Variable? = nil
        if objective != .mle {
            let z = Variable(model.prior.sample(images.shape[0], shape: model.latentShape, generator: &randomness))
            let generatorLoss = -critic(model.generate(z)).mean()           // -E[D(G(z))]
            statistics.generatorLoss = generatorLoss.value.scalar
            loss = objective == .adv ? generatorLoss : generatorLoss * (1 / lambda)
        }
        if objective != .adv {
            let nll = model.negativeLogLikelihood(generatorTrainer.dequantised(images))
            statistics.nll = nll.value.scalar
            loss = loss.map { $0 + nll } ?? nll
        }
        try generatorTrainer.checkFinite(loss!.value.scalar, "\(objective.rawValue) generator loss")
        let optimiser = generatorTrainer.optimiser
        optimiser.update(gradients(of: loss!, withRespectTo: optimiser.parameters))
        generatorTrainer.finishIteration()
        return statistics
    }
    // [/book:generator-step]
}
