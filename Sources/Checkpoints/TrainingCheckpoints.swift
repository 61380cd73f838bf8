import Foundation
import TensorCore
import NeuralLayers
import Training

// Training checkpoints: everything a trainer needs to continue a run exactly (weights,
// Adam's moments, random streams, iteration, learning curve, best model), written and
// read beside the safetensors format they use.

/// The largest iteration or generator optimiser step a training checkpoint may record:
/// Course's `TrainingLength.maximumIterations` (Checkpoints does not import Course), the
/// longest run a chapter accepts. Counts read from a file are bounded by it before they
/// are used, so that continuing a run can never overflow them (Adam's step counter).
public let maximumCheckpointIterations = 1_000_000_000

extension FlowTrainer {
    /// Writes everything needed to resume: the model, Adam's moments and step, the noise
    /// stream, the iteration, the learning curve and the best model so far. Atomic.
    public func saveCheckpoint(to path: String, description: String) throws {
        let (tensors, metadata) = try checkpointContents(description: description)
        try Safetensors.write(tensors, metadata: metadata, to: path)
    }

    /// Saves the best model so far by validation NLL (or the current one, if none was
    /// recorded), with `metadata`, for the chapters that read it.
    public func saveBest(to path: String, metadata: [String: String]) throws {
        var tensors = bestState ?? stateTensors(of: model)
        tensors.sort { $0.0 < $1.0 }
        try Safetensors.write(tensors, metadata: metadata, to: path)
    }

    /// The tensors and metadata of a checkpoint (see `saveCheckpoint`).
    func checkpointContents(description: String) throws -> (tensors: [(String, Tensor)], metadata: [String: String]) {
        var tensors = stateTensors(of: model) + momentTensors(of: optimiser, for: model, prefix: "adam")
        if let bestState { tensors += bestState.map { ("best.\($0.0)", $0.1) } }
        let snapshot = noise.snapshot
        // Records may hold NaN (the first record's training loss, ADV's NLL), which plain
        // JSON cannot: they are written as strings.
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let historyJSON = String(decoding: try encoder.encode(history), as: UTF8.self)
        var metadata = [
            "format": "flowgan-trainer-1",
            "model": description,
            "iteration": String(iteration),
            "adam_step": String(optimiser.step),
            "noise_state": String(snapshot.state),
            "noise_increment": String(snapshot.increment),
            "seed": String(seed),
            "batch_size": String(batchSize),
            "history": historyJSON,
        ]
        if let best {
            metadata["best_iteration"] = String(best.iteration)
            metadata["best_validation_nll"] = String(best.validationNLL)
        }
        return (tensors, metadata)
    }

    /// Restores a checkpoint written by `saveCheckpoint` for the same model description,
    /// for a run of `maximumIterations` iterations: a checkpoint already past them is
    /// refused (its weights are not those of a run that long).
    public func loadCheckpoint(from path: String, description: String, maximumIterations: Int) throws {
        let (tensors, metadata) = try Safetensors.read(path)
        try restore(tensors: tensors, metadata: metadata, source: path, description: description, maximumIterations: maximumIterations)
    }

    /// Restores the state `checkpointContents` wrote; `source` names the file in errors.
    func restore(tensors: [String: Tensor], metadata: [String: String], source path: String, description: String,
                 maximumIterations: Int) throws {
        func field(_ key: String) throws -> String {
            guard let value = metadata[key] else { throw CheckpointMismatch(source: path, reason: "metadata lacks \(key)") }
            return value
        }
        guard metadata["format"] == "flowgan-trainer-1" else {
            throw CheckpointMismatch(source: path, reason: "it is not a training checkpoint of this course")
        }
        guard try field("model") == description else {
            throw CheckpointMismatch(source: path, reason: "it holds model '\(metadata["model"] ?? "")', this run trains '\(description)'")
        }
        guard let savedIteration = Int(try field("iteration")), let adamStep = Int(try field("adam_step")),
              let state = UInt64(try field("noise_state")), let increment = UInt64(try field("noise_increment")),
              savedIteration >= 0, adamStep >= 0, let savedBatch = Int(try field("batch_size")) else {
            throw CheckpointMismatch(source: path, reason: "its iteration, optimiser step, noise state or batch size is malformed")
        }
        guard savedIteration <= maximumCheckpointIterations, adamStep <= maximumCheckpointIterations else {
            throw CheckpointMismatch(source: path, reason: "its iteration \(savedIteration) or optimiser step \(adamStep) is beyond the \(maximumCheckpointIterations) iterations a run can have")
        }
        guard savedIteration <= maximumIterations else {
            throw CheckpointMismatch(source: path, reason: "the checkpoint is at iteration \(savedIteration), past the \(maximumIterations) iterations asked for; ask for at least \(savedIteration) or start without --resume")
        }
        guard savedBatch == batchSize else {
            throw CheckpointMismatch(source: path, reason: "it was trained with batch size \(savedBatch), this run uses \(batchSize)")
        }
        // The data order and the noise are drawn from the seed: resuming under another
        // seed would splice two runs together.
        guard try field("seed") == String(seed) else {
            throw CheckpointMismatch(source: path, reason: "it was trained with seed \(metadata["seed"] ?? ""), this run uses seed \(seed); pass --seed \(metadata["seed"] ?? "")")
        }
        // Everything is checked before anything is changed.
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let savedHistory: [TrainingRecord]
        do {
            savedHistory = try decoder.decode([TrainingRecord].self, from: Data(try field("history").utf8))
        } catch {
            throw CheckpointMismatch(source: path, reason: "its learning-curve history is not valid JSON records")
        }
        try Checkpoints.restore(model, from: tensors, source: path)
        let (first, second) = try savedMoments(for: model, prefix: "adam", in: tensors, source: path)
        optimiser.restore(step: adamStep, firstMoments: first, secondMoments: second)
        let bestTensors = tensors.filter { $0.key.hasPrefix("best.") }.map { (String($0.key.dropFirst(5)), $0.value) }
        var best: (iteration: Int, validationNLL: Double)?
        if let i = metadata["best_iteration"].flatMap(Int.init), (0...savedIteration).contains(i), let v = metadata["best_validation_nll"].flatMap(Double.init) {
            best = (i, v)
        }
        resume(iteration: savedIteration, noise: RandomGenerator(restoring: (state, increment)), history: savedHistory,
               best: best, bestState: bestTensors.isEmpty ? nil : bestTensors)
    }
}

extension AdversarialTrainer {
    /// Writes everything needed to resume adversarial or hybrid training exactly: the
    /// generator's training state (as `FlowTrainer.saveCheckpoint`), the critic, its Adam
    /// moments and step, and the random stream of the critic steps and generator latents.
    /// Atomic, like every safetensors write.
    public func saveCheckpoint(to path: String, description: String) throws {
        var (tensors, metadata) = try generatorTrainer.checkpointContents(description: description)
        tensors += stateTensors(of: critic).map { ("critic.\($0.0)", $0.1) }
        tensors += momentTensors(of: criticOptimiser, for: critic, prefix: "critic_adam")
        let snapshot = randomness.snapshot
        metadata["objective"] = objective.rawValue
        // What the generator was trained under, part of the run's identity (see `loadCheckpoint`).
        metadata["lambda"] = String(lambda)
        metadata["critic_steps"] = String(criticSteps)
        metadata["critic_adam_step"] = String(criticOptimiser.step)
        metadata["critic_noise_state"] = String(snapshot.state)
        metadata["critic_noise_increment"] = String(snapshot.increment)
        try Safetensors.write(tensors, metadata: metadata, to: path)
    }

    /// Restores a checkpoint written by `saveCheckpoint` for the same model and objective,
    /// trained under the same λ (hybrid) and number of critic steps (ADV and hybrid), for
    /// a run of `maximumIterations` iterations (see `FlowTrainer.loadCheckpoint`).
    public func loadCheckpoint(from path: String, description: String, maximumIterations: Int) throws {
        let (tensors, metadata) = try Safetensors.read(path)
        guard metadata["objective"] == objective.rawValue else {
            throw CheckpointMismatch(source: path, reason: "it was written for objective '\(metadata["objective"] ?? "none")', this run trains '\(objective.rawValue)'")
        }
        guard let savedLambda = metadata["lambda"].flatMap(Float.init), let savedSteps = metadata["critic_steps"].flatMap(Int.init) else {
            throw CheckpointMismatch(source: path, reason: "it does not record the lambda and critic steps it was trained with: it was written by an older version of the course; start without --resume")
        }
        // MLE uses neither, ADV no λ: only what shaped the weights must match.
        if objective == .hybrid && savedLambda != lambda {
            throw CheckpointMismatch(source: path, reason: "it was trained with lambda \(savedLambda), this run uses \(lambda); pass --lambda \(savedLambda) or start without --resume")
        }
        if objective != .mle && savedSteps != criticSteps {
            throw CheckpointMismatch(source: path, reason: "it was trained with \(savedSteps) critic steps per iteration, this run uses \(criticSteps); pass --n-critic \(savedSteps) or start without --resume")
        }
        // The critic takes `criticSteps` Adam steps per iteration.
        let (criticLimit, overflow) = maximumCheckpointIterations.multipliedReportingOverflow(by: max(criticSteps, 1))
        guard let step = metadata["critic_adam_step"].flatMap(Int.init), (0...(overflow ? Int.max - 1 : criticLimit)).contains(step),
              let state = metadata["critic_noise_state"].flatMap(UInt64.init),
              let increment = metadata["critic_noise_increment"].flatMap(UInt64.init) else {
            throw CheckpointMismatch(source: path, reason: "its critic metadata is missing or malformed")
        }
        let criticTensors = Dictionary(uniqueKeysWithValues: tensors.compactMap { key, value in
            key.hasPrefix("critic.") ? (String(key.dropFirst("critic.".count)), value) : nil })
        let (first, second) = try savedMoments(for: critic, prefix: "critic_adam", in: tensors, source: path)
        try generatorTrainer.restore(tensors: tensors, metadata: metadata, source: path, description: description,
                                     maximumIterations: maximumIterations)
        try Checkpoints.restore(critic, from: criticTensors, source: path)
        criticOptimiser.restore(step: step, firstMoments: first, secondMoments: second)
        resume(randomness: RandomGenerator(restoring: (state, increment)))
    }
}

/// Adam's two moments for each of `module`'s parameters, named `PREFIX.m.NAME` and
/// `PREFIX.v.NAME`, in the order of `module.namedParameters`.
func momentTensors(of optimiser: Adam, for module: any Module, prefix: String) -> [(String, Tensor)] {
    module.namedParameters.enumerated().flatMap { i, entry in
        [("\(prefix).m.\(entry.name)", optimiser.firstMoments[i]), ("\(prefix).v.\(entry.name)", optimiser.secondMoments[i])]
    }
}

/// The moments `momentTensors` wrote, each checked against its parameter's shape.
func savedMoments(for module: any Module, prefix: String, in tensors: [String: Tensor],
                  source: String) throws -> (first: [Tensor], second: [Tensor]) {
    var first: [Tensor] = [], second: [Tensor] = []
    for (name, parameter) in module.namedParameters {
        guard let m = tensors["\(prefix).m.\(name)"], let v = tensors["\(prefix).v.\(name)"],
              m.shape == parameter.shape, v.shape == parameter.shape else {
            throw CheckpointMismatch(source: source, reason: "optimiser state \(prefix) for \(name) is missing or misshapen")
        }
        first.append(m); second.append(v)
    }
    return (first, second)
}
