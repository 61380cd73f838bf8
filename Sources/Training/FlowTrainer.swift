import Foundation
import TensorCore
import Autodiff
import NeuralLayers
import Datasets
import Flows

/// One evaluation of a model during training.
public struct TrainingRecord: Codable, Equatable {
    public var iteration: Int
    public var seconds: Double
    /// Mean training loss over the iterations since the previous record.
    public var trainLoss: Double
    public var validationNLL: Double
    /// Extra numbers an objective reports (the critic's Wasserstein estimate, ...).
    public var extra: [String: Double] = [:]

    public init(iteration: Int, seconds: Double, trainLoss: Double, validationNLL: Double, extra: [String: Double] = [:]) {
        self.iteration = iteration; self.seconds = seconds; self.trainLoss = trainLoss
        self.validationNLL = validationNLL; self.extra = extra
    }
}

public enum TrainingError: Error, CustomStringConvertible {
    case nonFinite(iteration: Int, quantity: String, value: Float)

    public var description: String {
        switch self {
        case .nonFinite(let iteration, let quantity, let value):
            return "training stopped at iteration \(iteration): the \(quantity) is \(value); a checkpoint written before it, if the run writes them, is kept as it was"
        }
    }
}

/// The state shared by every way of training a flow: the model, its Adam optimiser, the
/// random stream of the dequantisation noise, the iteration count, the learning curve,
/// and the best model by validation NLL. A training checkpoint (Checkpoints) holds all of
/// it, so `--resume` continues exactly where a run stopped.
public final class FlowTrainer {
    public let model: NormalizingFlow
    public let optimiser: Adam
    public let seed: UInt64
    public let batchSize: Int
    /// Whether batches are 8-bit images to dequantise (false for continuous 2-D data).
    public let dequantizes: Bool
    /// The dequantisation noise of the training batches.
    public internal(set) var noise: RandomGenerator
    public internal(set) var iteration = 0
    public internal(set) var history: [TrainingRecord] = []
    public internal(set) var best: (iteration: Int, validationNLL: Double)? = nil
    /// The weights of `best`, kept in memory.
    public internal(set) var bestState: [(String, Tensor)]? = nil

    public init(model: NormalizingFlow, learningRate: Float, beta1: Float, beta2: Float, decay: Float = 1,
                batchSize: Int, seed: UInt64, dequantizes: Bool = true) {
        self.model = model
        self.optimiser = Adam(parameters: model.parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, decay: decay)
        self.seed = seed
        self.batchSize = batchSize
        self.dequantizes = dequantizes
        self.noise = RandomGenerator(seed: seed, stream: .trainingNoise)
    }

    /// Puts back where a run stood (from a training checkpoint, after its weights and
    /// Adam's moments): its iteration, noise stream, learning curve and best model.
    public func resume(iteration: Int, noise: RandomGenerator, history: [TrainingRecord],
                       best: (iteration: Int, validationNLL: Double)?, bestState: [(String, Tensor)]?) {
        self.iteration = iteration
        self.noise = noise
        self.history = history
        self.best = best
        self.bestState = bestState
    }

    /// The training images of the current iteration: each epoch visits the training set
    /// in an order drawn from (seed, epoch), so the order never depends on when a run
    /// was resumed.
    public func batchIndices(trainCount: Int) -> [Int] {
        let perEpoch = max(trainCount / batchSize, 1)
        let epoch = iteration / perEpoch, position = iteration % perEpoch
        var shuffler = RandomGenerator(seed: seed &+ UInt64(epoch), stream: .batchOrder)
        let order = shuffler.permutation(trainCount)
        return Array(order[(position * batchSize)..<min(trainCount, (position + 1) * batchSize)])
    }

    /// Dequantised images of a batch, a fresh noise draw each time.
    public func dequantized(_ images: Tensor) -> Variable {
        dequantizes ? Variable(Dequantization.apply(images, generator: &noise)) : Variable(images)
    }

    // [book:mle-step]
    /// One maximum-likelihood step: the mean NLL of a dequantised batch, its gradient
    /// with respect to every parameter, and an Adam update. Returns the NLL (nats).
    public func maximumLikelihoodStep(_ images: Tensor) throws -> Float {
        let loss = model.negativeLogLikelihood(dequantized(images))
        try checkFinite(loss.value.scalar, "negative log-likelihood")
        optimiser.minimise(loss)
        finishIteration()
        return loss.value.scalar
    }
    // [/book:mle-step]

    /// Counts an iteration (objectives with their own step call this once per iteration).
    public func finishIteration() { iteration += 1 }

    public func checkFinite(_ value: Float, _ quantity: String) throws {
        guard value.isFinite else { throw TrainingError.nonFinite(iteration: iteration, quantity: quantity, value: value) }
    }

    /// Records an evaluation and keeps the model if its validation NLL is the best yet.
    public func record(_ entry: TrainingRecord) {
        history.append(entry)
        if best == nil || entry.validationNLL < best!.validationNLL {
            best = (entry.iteration, entry.validationNLL)
            bestState = stateTensors(of: model)
        }
    }

    /// Puts the best model (by validation NLL) back in place.
    public func restoreBest() throws {
        guard let bestState else { return }
        try restoreState(of: model, from: Dictionary(uniqueKeysWithValues: bestState))
    }
}
