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
        let grid = ImageGridFigure(name: "ch04-adv-samples", title: "100 samples of NICE trained adversarially, \(iterations) iterations (\(data.name.displayName))",
                                   images: samples, columns: 10)
        if let message = try grid.write(to: options.folder) { note(message) }
        let testImages = data.test.slice(0..<100).images
        let stripes = ["samples_columns": stripeContrast(samples, alongColumns: true),
                       "samples_rows": stripeContrast(samples, alongColumns: false),
                       "test_images_columns": stripeContrast(testImages, alongColumns: true),
                       "test_images_rows": stripeContrast(testImages, alongColumns: false)]
        print(String(format: "stripes: column contrast %.4f in the samples, %.4f in test images; row contrast %.4f and %.4f",
                     stripes["samples_columns"]!, stripes["test_images_columns"]!, stripes["samples_rows"]!, stripes["test_images_rows"]!))

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
                "stripe_contrast": stripes,
                "initial_test_nll_nats": initial.mean,
                "test_nll_nats": test.mean,
                "test_nll_standard_error": test.standardError,
                "wasserstein_estimate": finalW,
                "mnist_seconds": Date().timeIntervalSince(started),
                "history": history.map { ["iteration": $0.iteration, "test_nll_2000": $0.validationNLL,
                                          "wasserstein": $0.extra["wasserstein"] ?? Double.nan] }]
    }
}

extension Chapter04 {
    /// How strongly images alternate between even and odd columns (or rows): for each
    /// image, the mean over rows of (even columns' mean - odd columns' mean), in absolute
    /// value, averaged over the images. NICE splits the flattened 784 pixels by even and odd
    /// index, and 28 is even, so its two halves are the even and the odd columns: a shift
    /// that one coupling network gets wrong lands on every other column, a vertical stripe.
    /// Rows are the control: the split does not follow them.
    func stripeContrast(_ images: Tensor, alongColumns: Bool) -> Double {
        let (n, h, w) = (images.shape[0], images.shape[2], images.shape[3])
        let v = images.values
        var total = 0.0
        for k in 0..<n {
            var sum = 0.0
            for i in 0..<h { for j in 0..<w {
                let parity = alongColumns ? j % 2 : i % 2
                sum += (parity == 0 ? 1 : -1) * Double(v[(k * h + i) * w + j])
            } }
            total += abs(sum) / Double(h * w / 2)
        }
        return total / Double(n)
    }
}

