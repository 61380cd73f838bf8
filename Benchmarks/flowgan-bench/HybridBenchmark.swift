import ArgumentParser
import Foundation
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import GAN
import Training

/// One hybrid iteration of the MNIST recipe: five WGAN-GP critic steps and one generator
/// step (g_loss / λ + NLL), NICE generator, batch 100, on random images.
struct HybridBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hybrid",
        abstract: "Times a hybrid iteration (5 critic steps + 1 generator step) of the MNIST recipe.")

    @OptionGroup var timing: TimingOptions

    func run() throws {
        var generator = RandomGenerator(seed: 0)
        let model = FlowModels.nice(generator: &generator)
        let flowTrainer = FlowTrainer(model: model, learningRate: 1e-4, beta1: 0.5, beta2: 0.9, batchSize: 100, seed: 0)
        let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: Critics.mnist(generator: &generator),
                                         objective: .hybrid, lambda: 0.1, criticSteps: 5, seed: 0)
        let images = Tensor.uniform([100, 1, 28, 28], generator: &generator)
        var failure: Error? = nil
        let seconds = medianSeconds(warmup: timing.warmup, repeats: timing.steps) {
            do { _ = try trainer.iteration(real: images) } catch { failure = error }
        }
        if let failure { throw failure }
        report([("benchmark", "hybrid"),
                ("model", "nice-mnist + mnist critic"),
                ("batch_size", 100),
                ("critic_steps", 5),
                ("iteration_ms", seconds * 1e3),
                ("images_per_s", 100 / seconds),
                ("blas_threads", BLASInfo.threadCount)], json: timing.json)
    }
}
