import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import GAN
import Training
import Figures
import Course

extension Chapter05 {
    /// The paper's Figure 1: 64 samples of each objective's generator.
    func drawFigureOne(_ samples: [(Objective, Tensor)], dataName: String) throws {
        for (objective, images) in samples {
            let figure = ImageGridFigure(name: "ch05-samples-\(objective.rawValue)",
                                         title: "\(images.shape[0]) samples of the \(objective.rawValue.uppercased())-trained generator (\(dataName))",
                                         images: images, columns: 8)
            if let message = try figure.write(to: options.folder) { note(message) }
        }
    }

    /// The paper's Figure 2: the exact test NLL over training for every objective.
    /// CIFAR-10's curves are in bits/dim, the unit its literature reports.
    func drawFigureTwo(_ curves: [(Objective, [TrainingRecord])], dataName: String, tracked: Int, cifar: CIFARSetup?) throws {
        let generatorName = cifar == nil ? "NICE" : "Real NVP"
        let unit = cifar == nil ? "nats per image" : "bits/dim"
        var figure = GnuplotFigure(name: "ch05-test-nll", title: "Exact test NLL during training (\(dataName), \(generatorName) generator)",
                                   xLabel: "generator iteration", yLabel: "NLL, \(unit) (\(tracked) test images)")
        // ADV's spikes can reach any corner of the plot: the key goes below it.
        figure.settings = ["set key below horizontal"]
        func series(_ objective: Objective, _ history: [TrainingRecord]) -> PlotSeries {
            PlotSeries(title: objective.rawValue.uppercased(), x: history.map { Double($0.iteration) },
                       y: history.map { cifar == nil ? $0.validationNLL : bitsPerDimension(nllNats: $0.validationNLL, dimension: 3072) },
                       style: "linespoints lw 2 pt \(objective == .mle ? 7 : objective == .adv ? 5 : 9) ps 0.8 lc \(objective == .mle ? 1 : objective == .adv ? 7 : 2)")
        }
        figure.series = curves.map(series)
        if let message = try figure.write(to: options.folder) { note(message) }
        // ADV's NLL climbs to tens of thousands of nats and flattens MLE and the hybrid into
        // one line on the figure above; a second figure shows those two on their own scale.
        let likelihoodCurves = curves.filter { $0.0 != .adv }
        guard likelihoodCurves.count == 2 else { return }
        var zoom = GnuplotFigure(name: "ch05-test-nll-mle-hybrid", title: "Exact test NLL during training: MLE and hybrid (\(dataName))",
                                 xLabel: "generator iteration", yLabel: "NLL, \(unit) (\(tracked) test images)")
        zoom.settings = ["set key top right"]
        zoom.series = likelihoodCurves.map(series)
        if let message = try zoom.write(to: options.folder) { note(message) }
    }

    /// The three objectives on 8 Gaussians: each model's density and samples. Settings in
    /// `ToyDemonstration`.
    func toyDemonstration(iterations: Int, lambda: Float) throws -> [String: Any] {
        let density = ToyDensity.eightGaussians
        var dataGenerator = RandomGenerator(seed: options.seed &+ 505, stream: 1)
        let data = density.sample(50_000, generator: &dataGenerator)
        let test = density.sample(5_000, generator: &dataGenerator)
        var panels: [HeatmapPanel] = []
        var summary: [String: Any] = [:]
        var samplePanels: [(title: String, points: [Float])] = []
        let n = 120, extent = 3.0
        var grid: [Float] = []
        for i in 0..<n { for j in 0..<n {
            grid.append(Float(-extent + (Double(j) + 0.5) * 2 * extent / Double(n)))
            grid.append(Float(extent - (Double(i) + 0.5) * 2 * extent / Double(n)))
        } }
        for objective in Objective.allCases {
            var generator = RandomGenerator(seed: options.seed &+ 506)
            let flow = FlowModels.toy(additive: false, couplings: toyCouplings, hidden: toyHidden, generator: &generator)
            // --toy-learning-rate for both networks.
            let flowTrainer = FlowTrainer(model: flow, learningRate: toyLearningRate, beta1: 0.5, beta2: 0.9, batchSize: 256, seed: options.seed)
            flowTrainer.dequantizes = false
            let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: Critics.toy(generator: &generator),
                                             objective: objective, lambda: lambda, criticSteps: nCritic,
                                             criticLearningRate: toyLearningRate, seed: options.seed)
            let progress = ProgressLine("8 Gaussians \(objective.rawValue)", total: iterations)
            while flowTrainer.iteration < iterations {
                let start = flowTrainer.iteration * 256 % (50_000 - 256)
                _ = try trainer.iteration(real: data.slice(start..<(start + 256), alongAxis: 0))
                progress.update(flowTrainer.iteration)
            }
            let logLikelihood = GradientRecording.withoutRecording { Double(flow.logLikelihood(Variable(test)).value.mean()) }
            summary["\(objective.rawValue)_test_log_likelihood"] = logLikelihood
            let densityValues = GradientRecording.withoutRecording {
                flow.logLikelihood(Variable(Tensor(shape: [n * n, 2], values: grid))).value.map { Foundation.exp($0) }
            }
            panels.append(HeatmapPanel(title: objective.rawValue.uppercased(), values: densityValues.values.map(Double.init), n: n, extent: extent))
            var sampler = RandomGenerator(seed: options.seed, stream: 57)
            let sampleTensor = GradientRecording.withoutRecording { flow.sample(1500, generator: &sampler).value }
            let samples = sampleTensor.values
            let (covered, share) = density.modeCoverage(sampleTensor)
            summary["\(objective.rawValue)_modes_covered"] = covered
            summary["\(objective.rawValue)_share_near_mode"] = share
            samplePanels.append((title: objective.rawValue.uppercased(), points: samples))
            print(String(format: "8 Gaussians, %@: test log-likelihood %.3f nats, %d of 8 modes covered, %.1f%% of samples near a mode",
                         objective.rawValue.uppercased(), logLikelihood, covered, 100 * share))
        }
        summary["true_test_log_likelihood"] = Double(density.logDensity(test)!.mean())
        summary["iterations"] = iterations
        summary["learning_rate"] = Double(toyLearningRate)
        summary["couplings"] = toyCouplings
        summary["hidden"] = toyHidden
        let densities = HeatmapPanels(name: "ch05-toy-densities", title: "8 Gaussians: the densities of the flows trained by MLE, ADV and the hybrid",
                                      xLabel: "x_1", yLabel: "x_2", colourLabel: "density", panels: panels)
        if let message = try densities.write(to: options.folder) { note(message) }
        let figure = ScatterPanels(name: "ch05-toy-samples", title: "8 Gaussians: 1,500 samples of each flow, the data grey beneath",
                                   xLabel: "x_1", yLabel: "x_2", extent: extent, data: Array(data.values.prefix(3000)),
                                   panels: samplePanels)
        if let message = try figure.write(to: options.folder) { note(message) }
        return summary
    }
}

/// The settings of the 2-D demonstration's default run: chapter 02's flow (8 affine
/// couplings of 128 units, which fits 8 Gaussians by maximum likelihood) and chapter 04's
/// learning rate for 2-D GANs, ten times the MNIST recipe's: with the recipe's 1e-4 and
/// the smaller flow of 6 couplings of 64 units, 1500 iterations left all three densities
/// far from 8 Gaussians. A 2-D batch costs microseconds, so the faster rate costs nothing.
enum ToyDemonstration {
    static let learningRate: Float = 1e-3
    static let iterations = 1500
    static let quickIterations = 40
    static let couplings = 8
    static let hidden = 128
}
