import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import GAN
import Training
import Figures
import Course

extension Chapter04 {
    /// The paper's NICE generator trained adversarially (ADV) on MNIST against the recipe's
    /// critic; its exact test NLL and the critic's Wasserstein estimate over training.
    func trainImages(_ data: DatasetSplits, iterations: Int) throws -> [String: Any] {
        let started = Date()
        var generator = RandomGenerator(seed: options.seed)
        let flow = FlowModels.nice(generator: &generator)
        let flowTrainer = FlowTrainer(model: flow, learningRate: 1e-4, beta1: 0.5, beta2: 0.9, batchSize: 100, seed: options.seed)
        let critic = Critics.mnist(generator: &generator)
        let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic, objective: .adv, lambda: 1,
                                         criticSteps: nCritic, seed: options.seed)
        // The NLL is tracked on 2,000 test images during training (each evaluation costs a
        // forward pass over them) and on all 10,000 at the end.
        let tracked = data.test.slice(0..<min(2000, data.test.count)).images
        let initial = evaluateNLL(flow, images: tracked)
        flowTrainer.record(TrainingRecord(iteration: 0, seconds: 0, trainLoss: .nan, validationNLL: initial.mean))
        print("\(data.name.displayName): NICE generator trained adversarially for \(iterations) iterations (\(nCritic) critic steps each)")
        try trainImageFlow(trainer, train: data.train, evaluationImages: tracked, iterations: iterations,
                           evaluateEvery: max(1, iterations / 12), label: "ADV on \(data.name.rawValue)", started: started)
        let test = evaluateNLL(flow, images: options.quick ? tracked : data.test.images)
        let history = flowTrainer.history
        let finalW = history.last?.extra["wasserstein"] ?? .nan
        print(String(format: "ADV: test NLL %.1f nats at initialisation, %.1f ± %.1f after %d iterations; Wasserstein estimate %.3f",
                     initial.mean, test.mean, test.standardError, iterations, finalW))

        flow.isTraining = false
        var sampler = RandomGenerator(seed: options.seed, stream: 9)
        let samples = GradientRecording.withoutRecording { flow.sample(100, generator: &sampler).value }
        try PNGFile.write(ImageFigures.grid(samples, columns: 10, scale: 2), to: options.outputPath("ch04-adv-samples.png"))

        var figure = GnuplotFigure(name: "ch04-nll-and-wasserstein",
                                   title: "NICE trained adversarially on \(data.name.displayName)",
                                   xLabel: "generator iteration", yLabel: "test NLL (nats per image, 2,000 images)")
        figure.settings = ["set y2label 'critic Wasserstein estimate'", "set y2tics", "set ytics nomirror", "set key top left"]
        figure.series = [
            PlotSeries(title: "exact test NLL", x: history.map { Double($0.iteration) }, y: history.map(\.validationNLL),
                       style: "linespoints lw 2 pt 7 ps 0.6"),
            PlotSeries(title: "Wasserstein estimate E[D(x)] - E[D(G(z))]", columns: [history.dropFirst().map { Double($0.iteration) },
                                                                                      history.dropFirst().map { $0.extra["wasserstein"] ?? .nan }],
                       style: "linespoints lw 2 pt 5 ps 0.6", using: "1:2 axes x1y2"),
        ]
        if let message = try figure.write(to: options.folder) { note(message) }
        return ["mnist_iterations": iterations,
                "initial_test_nll_nats": initial.mean,
                "test_nll_nats": test.mean,
                "test_nll_standard_error": test.standardError,
                "wasserstein_estimate": finalW,
                "mnist_seconds": Date().timeIntervalSince(started),
                "history": history.map { ["iteration": $0.iteration, "test_nll_2000": $0.validationNLL,
                                          "wasserstein": $0.extra["wasserstein"] ?? Double.nan] }]
    }
}
