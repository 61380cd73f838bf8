import Foundation
import Reporting
import TensorCore
import Autodiff
import Datasets
import Flows

/// Trains an image flow with any objective for `iterations` iterations, evaluating the
/// exact NLL of `evaluationImages` every `evaluateEvery` iterations (and at the end),
/// with a progress line. Each evaluation is recorded in the generator trainer's history
/// with the mean NLL, generator loss and Wasserstein estimate since the last one.
public func trainImageFlow(_ trainer: AdversarialTrainer, train: LabelledImages, evaluationImages: Tensor,
                           iterations: Int, evaluateEvery: Int, label: String,
                           started: Date = Date(), afterEvaluation: (() throws -> Void)? = nil) throws {
    let flowTrainer = trainer.generatorTrainer
    let progress = ProgressLine(label, total: iterations)
    var sums: [String: Double] = [:], count = 0
    while flowTrainer.iteration < iterations {
        let batch = train.gather(flowTrainer.batchIndices(trainCount: train.count))
        let statistics = try trainer.iteration(real: batch.images)
        count += 1
        for (key, value) in [("nll", statistics.nll), ("generator_loss", statistics.generatorLoss),
                             ("wasserstein", statistics.wassersteinEstimate), ("penalty", statistics.penalty)] where value.isFinite {
            sums[key, default: 0] += Double(value)
        }
        let metric = sums["nll"].map { String(format: "NLL %.1f", $0 / Double(count)) }
            ?? sums["wasserstein"].map { String(format: "W %.3f", $0 / Double(count)) } ?? ""
        progress.update(flowTrainer.iteration, metric: metric)
        if flowTrainer.iteration % evaluateEvery == 0 || flowTrainer.iteration == iterations {
            let nll = evaluateNLL(trainer.generatorTrainer.model, images: evaluationImages)
            var extra = sums.mapValues { $0 / Double(max(count, 1)) }
            extra["nll_standard_error"] = nll.standardError
            flowTrainer.record(TrainingRecord(iteration: flowTrainer.iteration, seconds: Date().timeIntervalSince(started),
                                              trainLoss: extra["nll"] ?? .nan, validationNLL: nll.mean, extra: extra))
            sums = [:]; count = 0
            try afterEvaluation?()
        }
    }
}
