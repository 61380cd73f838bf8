import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import GAN
import NeuralLayers
import Training
import Figures
import Course

extension Chapter04 {
    /// Trains a 2-D affine flow adversarially on `density` and returns the modes covered
    /// and the share of samples near a mode, also counted along the way (`coverage`:
    /// iteration, modes covered, share near a mode); draws the critic at four moments.
    func trainToy(_ density: ToyDensity, variant: CriticVariant, iterations: Int, penaltyWeight: Float)
        throws -> (results: [String: Any], coverage: [CoverageCount]) {
        var generator = RandomGenerator(seed: options.seed &+ 404, stream: UInt64(density.rawValue.count))
        let data = density.sample(50_000, generator: &generator)
        let flow = FlowModels.toy(additive: false, couplings: toyCouplings, hidden: toyHidden, generator: &generator)
        let flowTrainer = FlowTrainer(model: flow, learningRate: toyLearningRate, beta1: 0.5, beta2: 0.9, batchSize: 256, seed: options.seed)
        flowTrainer.dequantizes = false
        let critic = Critics.toy(generator: &generator)
        let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic, objective: .adv, lambda: 1,
                                         criticSteps: nCritic, criticLearningRate: toyLearningRate,
                                         penaltyWeight: penaltyWeight,
                                         clipping: variant == .weightClipping ? 0.01 : nil, seed: options.seed)
        let moments = Set([1, iterations / 10, iterations / 3, iterations].filter { $0 >= 1 })
        let progress = ProgressLine("\(density.rawValue) \(variant.rawValue)", total: iterations)
        var wasserstein: Float = .nan
        // The critic's mean score on the data minus on the samples at each drawn moment.
        var gaps: [String: Double] = [:]
        // Coverage counted 20 times along the run (and before it), on 5000 samples of
        // one fixed set of latent draws, so the curve shows how fast each variant gets there.
        let countEvery = max(1, iterations / 20)
        var coverage: [CoverageCount] = []
        func countCoverage() {
            var sampler = RandomGenerator(seed: options.seed, stream: 7)
            let samples = GradientRecording.withoutRecording { flow.sample(5000, generator: &sampler).value }
            let (modes, share) = density.modeCoverage(samples)
            coverage.append((flowTrainer.iteration, modes, share))
        }
        countCoverage()
        while flowTrainer.iteration < iterations {
            let batch = data.slice((flowTrainer.iteration * 256 % (50_000 - 256))..<(flowTrainer.iteration * 256 % (50_000 - 256) + 256), alongAxis: 0)
            wasserstein = try trainer.iteration(real: batch).wassersteinEstimate
            progress.update(flowTrainer.iteration, metric: String(format: "W %.3f", wasserstein))
            if variant == .gradientPenalty && moments.contains(flowTrainer.iteration) {
                var sampler = RandomGenerator(seed: options.seed, stream: 6)
                let fake = GradientRecording.withoutRecording { flow.sample(500, generator: &sampler).value.values }
                gaps[String(flowTrainer.iteration)] = try drawCritic(critic, fake: fake, data: data, density: density,
                                                                    iteration: flowTrainer.iteration)
            }
            if flowTrainer.iteration % countEvery == 0 || flowTrainer.iteration == iterations { countCoverage() }
        }
        var sampler = RandomGenerator(seed: options.seed, stream: 5)
        let samples = GradientRecording.withoutRecording { flow.sample(5000, generator: &sampler).value }
        let (covered, share) = density.modeCoverage(samples)
        print(String(format: "%@ %@: %d of %d modes covered, %.1f%% of samples within 3 sd of a mode",
                     density.rawValue, variant.rawValue, covered, density.modes.count, 100 * share))
        try drawSamples(samples, data: data, name: "ch04-\(density.rawValue)-\(variant.rawValue)-samples",
                        title: "\(density.rawValue), \(variant == .gradientPenalty ? "gradient penalty" : "weight clipping"): samples after \(iterations) iterations")
        return (["modes_covered": covered, "modes_total": density.modes.count, "share_near_mode": share,
                 "wasserstein_estimate": Double(wasserstein), "critic_gap_at": gaps, "penalty_weight": Double(penaltyWeight),
                 "iterations": iterations,
                 "coverage_history": ["iteration": coverage.map(\.iteration), "modes_covered": coverage.map(\.modes),
                                      "share_near_mode": coverage.map(\.share)]],
                coverage)
    }

    /// Modes covered against generator iterations, one line per Lipschitz constraint.
    func drawCoverage(_ density: ToyDensity, _ curves: [(variant: CriticVariant, points: [CoverageCount])]) throws {
        var figure = GnuplotFigure(name: "ch04-\(density.rawValue)-coverage",
                                   title: "\(density.rawValue): modes covered during adversarial training",
                                   xLabel: "generator iteration", yLabel: "modes covered (of \(density.modes.count))")
        figure.size = (820, 460)
        // The range starts below 0 so that a run stuck at 0 modes is drawn above the frame, not on it.
        figure.settings = ["set key outside right top vertical", "set yrange [-0.5:\(density.modes.count + 1)]", "set grid"]
        figure.series = curves.map { curve in
            PlotSeries(title: curve.variant == .gradientPenalty ? "gradient penalty" : "weight clipping",
                       x: curve.points.map { Double($0.iteration) }, y: curve.points.map { Double($0.modes) },
                       style: curve.variant == .gradientPenalty ? "linespoints lw 2 pt 7 lc rgb '#2c7fb8'"
                                                                : "linespoints lw 2 pt 5 dt 2 lc rgb '#d95f0e'")
        }
        if let message = try figure.write(to: options.folder) { note(message) }
    }


    /// The critic's value over the plane as a heatmap, with real and generated points.
    /// Returns the critic's mean score on the drawn data points minus its mean score on
    /// the drawn samples (positive: it rates the data higher, as a trained critic should).
    func drawCritic(_ critic: any Layer, fake: [Float], data: Tensor, density: ToyDensity, iteration: Int) throws -> Double {
        let n = 80, extent = 3.0
        let axis = (0..<n).map { -extent + (Double($0) + 0.5) * 2 * extent / Double(n) }
        var grid: [Float] = []
        for y in axis.reversed() { for x in axis { grid.append(Float(x)); grid.append(Float(y)) } }
        let values = GradientRecording.withoutRecording { critic(Variable(Tensor(shape: [n * n, 2], values: grid))).value.values }
        let real = Array(data.values.prefix(1000))
        let scores = GradientRecording.withoutRecording {
            (critic(Variable(Tensor(shape: [real.count / 2, 2], values: real))).value.mean(),
             critic(Variable(Tensor(shape: [fake.count / 2, 2], values: fake))).value.mean())
        }
        let gap = Double(scores.0) - Double(scores.1)
        var figure = GnuplotFigure(name: "ch04-critic-\(density.rawValue)-\(iteration)",
                                   title: "\(density.rawValue) critic after \(iteration) iteration\(iteration == 1 ? "" : "s"): "
                                       + String(format: "mean D(data) - mean D(samples) = %.3f", gap),
                                   xLabel: "x_1", yLabel: "x_2")
        figure.size = (680, 640)
        figure.settings = ["set size ratio -1", "set xrange [-3:3]", "set yrange [-3:3]", "set key outside below horizontal",
                           "set cblabel 'D(x)'"]
        let rows: [[Double]] = (0..<n).map { i in (0..<n).map { j in Double(values[i * n + j]) } }
        figure.heatmap = (x: axis, y: Array(axis.reversed()), z: rows)
        // White data points show on every colour of the map; a black rim under each makes
        // them (and their entry in the key, on white paper) visible.
        var rim = pointSeries("data", real, color: "black")
        rim.style = "points pt 7 ps 0.5 lc rgb 'black'"
        figure.series = [rim, pointSeries("", real, color: "white"), pointSeries("generated", fake, color: "#e74c3c")]
        if let message = try figure.write(to: options.folder) { note(message) }
        return gap
    }

    func drawSamples(_ samples: Tensor, data: Tensor, name: String, title: String) throws {
        let fake = Array(samples.values.prefix(4000)), real = Array(data.values.prefix(4000))
        var figure = GnuplotFigure(name: name, title: title, xLabel: "x_1", yLabel: "x_2")
        figure.size = (560, 580)
        figure.settings = ["set size ratio -1", "set xrange [-3:3]", "set yrange [-3:3]", "set key outside below horizontal"]
        figure.series = [pointSeries("data", real, color: "#999999"), pointSeries("generated", fake, color: "#c0392b")]
        if let message = try figure.write(to: options.folder) { note(message) }
    }

    /// Interleaved (x, y) values as a gnuplot point series.
    func pointSeries(_ title: String, _ xy: [Float], color: String) -> PlotSeries {
        let x: [Double] = stride(from: 0, to: xy.count, by: 2).map { Double(xy[$0]) }
        let y: [Double] = stride(from: 1, to: xy.count, by: 2).map { Double(xy[$0]) }
        return PlotSeries(title: title, x: x, y: y, style: "points pt 7 ps 0.3 lc rgb '\(color)'")
    }
}
