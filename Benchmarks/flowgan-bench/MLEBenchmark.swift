import ArgumentParser
import Foundation
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import Training

/// One maximum-likelihood training step of the recipe's NICE for MNIST (logit
/// preprocessing, 4 additive couplings with 1000-unit networks, logistic prior, Adam),
/// batch 100, on random images.
struct MLEBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mle",
        abstract: "Times an MLE training step of NICE on MNIST-shaped data (batch 100).")

    @OptionGroup var timing: TimingOptions

    func run() throws {
        var generator = RandomGenerator(seed: 0)
        let model = FlowModels.nice(generator: &generator)
        let trainer = FlowTrainer(model: model, learningRate: 1e-4, beta1: 0.5, beta2: 0.9, batchSize: 100, seed: 0)
        let images = Tensor.uniform([100, 1, 28, 28], generator: &generator)
        var failure: Error? = nil
        let seconds = medianSeconds(warmup: timing.warmup, repeats: timing.steps) {
            do { _ = try trainer.maximumLikelihoodStep(images) } catch { failure = error }
        }
        if let failure { throw failure }
        report([("benchmark", "mle"),
                ("model", "nice-mnist"),
                ("parameters", model.parameterCount),
                ("batch_size", 100),
                ("step_ms", seconds * 1e3),
                ("images_per_s", 100 / seconds),
                ("blas_threads", BLASInfo.threadCount)], json: timing.json)
    }
}
