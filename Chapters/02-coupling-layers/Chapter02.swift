import ArgumentParser
import Foundation
import TensorCore
import Autodiff
import NeuralLayers
import Datasets
import Flows
import Figures
import Course

/// The settings of the chapter's default run, in one place. The 2-D toys train with more
/// steps, a higher learning rate and a decaying schedule than the MNIST recipe (Adam at
/// 1e-4): a batch of 2-D points costs microseconds, and eight modes of standard deviation
/// 0.1 need a flow trained until its density is sharp, not just roughly placed.
struct ToySettings {
    var couplings = 8
    var hidden = 128
    var iterations = 10_000
    var quickIterations = 300
    var batchSize = 256
    /// Adam's learning rate decays geometrically from the first value to the second.
    var learningRate: Float = 1e-3
    var finalLearningRate: Float = 1e-4
}

/// Chapter 02: coupling layers, trained on 2-D toy densities.
@main
struct Chapter02: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter02-coupling-layers",
        abstract: "Chapter 02: additive and affine coupling layers on 2-D toy densities.",
        discussion: """
        Trains a flow of additive couplings (NICE) and one of affine couplings (Real NVP) by \
        maximum likelihood on two moons, 8 Gaussians and a checkerboard, and compares their \
        test log-likelihood with a full-covariance Gaussian fitted to the same data. Draws \
        the data and model densities, samples, and a grid followed through the flow layer \
        by layer. Writes ch02-* figures and ch02-results.json into --out.
        """)

    @OptionGroup var options: ChapterOptions

    @Option(help: "Training iterations per flow (default 10000, or 300 with --quick).")
    var iterations: Int?

    @Option(help: "Points per batch (default 256).")
    var batchSize: Int?

    @Option(help: "Couplings per flow (default 8).")
    var couplings: Int?

    @Option(help: "Units in each hidden layer of the coupling networks (default 128).")
    var hidden: Int?

    @Option(help: "Adam's learning rate at the start (default 1e-3); it decays geometrically to a tenth of this.")
    var learningRate: Float?

    func validate() throws {
        if let iterations { guard (1...TrainingLength.maximumIterations).contains(iterations) else { throw ValidationError("--iterations must be in 1...\(TrainingLength.maximumIterations), got \(iterations)") } }
        // Batches are slices of the 20,000 training points, so a batch must leave room to slide.
        if let batchSize { guard batchSize >= 2 && batchSize <= 10_000 else { throw ValidationError("--batch-size must be in 2...10000 (the training set holds 20000 points), got \(batchSize)") } }
        if let couplings { guard (1...64).contains(couplings) else { throw ValidationError("--couplings must be in 1...64, got \(couplings)") } }
        if let hidden { guard (1...4096).contains(hidden) else { throw ValidationError("--hidden must be in 1...4096, got \(hidden)") } }
        if let learningRate { guard learningRate > 0 && learningRate <= 1 else { throw ValidationError("--learning-rate must be in (0, 1], got \(learningRate)") } }
    }

    /// The default settings with the command line's changes applied.
    var settings: ToySettings {
        var s = ToySettings()
        if let couplings { s.couplings = couplings }
        if let hidden { s.hidden = hidden }
        if let batchSize { s.batchSize = batchSize }
        if let learningRate { s.learningRate = learningRate; s.finalLearningRate = learningRate / 10 }
        s.iterations = iterations ?? (options.quick ? s.quickIterations : s.iterations)
        return s
    }

    mutating func run() throws {
        try options.prepare(chapter: "ch02", changes: [ChapterOptions.setting("iterations", iterations),
                                                       ChapterOptions.setting("batch-size", batchSize),
                                                       ChapterOptions.setting("couplings", couplings),
                                                       ChapterOptions.setting("hidden", hidden),
                                                       ChapterOptions.setting("learning-rate", learningRate)])
        let started = Date()
        let settings = self.settings
        let steps = settings.iterations, batchSize = settings.batchSize
        var results = ResultsFile()
        results["chapter"] = "02-coupling-layers"
        results["iterations"] = steps
        results["couplings"] = settings.couplings
        results["hidden"] = settings.hidden
        results["batch_size"] = batchSize
        results["learning_rate"] = settings.learningRate
        results["final_learning_rate"] = settings.finalLearningRate
        results["seed"] = options.seed
        results["quick"] = options.quick
        var table: [String: Any] = [:]
        for density in [ToyDensity.twoMoons, .eightGaussians, .checkerboard] {
            var generator = RandomGenerator(seed: options.seed &+ 17, stream: UInt64(density.rawValue.count))
            let train = density.sample(20_000, generator: &generator)
            let test = density.sample(5_000, generator: &generator)
            var entry: [String: Any] = ["gaussian_test_log_likelihood": GaussianBaseline(fitting: train).meanLogDensity(test)]
            if let exact = density.logDensity(test) { entry["true_test_log_likelihood"] = Double(exact.mean()) }
            var models: [(String, NormalizingFlow)] = []
            for additive in [true, false] {
                let name = additive ? "additive" : "affine"
                let flow = FlowModels.toy(additive: additive, couplings: settings.couplings, hidden: settings.hidden,
                                          generator: &generator)
                let decay = Foundation.pow(settings.finalLearningRate / settings.learningRate, 1 / Float(steps))
                let optimiser = Adam(parameters: flow.parameters, learningRate: settings.learningRate, decay: decay)
                let progress = ProgressLine("\(density.rawValue) \(name)", total: steps)
                // [book:toy-training]
                for step in 1...steps {
                    // The training points are independent draws, so consecutive slices are random batches.
                    let start = (step - 1) * batchSize % (train.shape[0] - batchSize)
                    let batch = Variable(train.slice(start..<(start + batchSize), alongAxis: 0))
                    let loss = flow.negativeLogLikelihood(batch)
                    optimiser.update(gradients(of: loss, withRespectTo: optimiser.parameters))
                    progress.update(step, metric: String(format: "NLL %.3f", loss.value.scalar))
                }
                // [/book:toy-training]
                let testLogLikelihood = GradientRecording.withoutRecording { Double(flow.logLikelihood(Variable(test)).value.mean()) }
                let roundTrip = GradientRecording.withoutRecording { () -> Double in
                    let z = flow.flow.forward(Variable(test)).output
                    let back = flow.flow.inverse(z).output.value
                    return Double(zip(back.values, test.values).map { abs($0 - $1) }.max() ?? 0)
                }
                entry["\(name)_test_log_likelihood"] = testLogLikelihood
                if !density.modes.isEmpty {
                    var sampler = RandomGenerator(seed: options.seed, stream: 203)
                    let (covered, share) = density.modeCoverage(GradientRecording.withoutRecording { flow.sample(5000, generator: &sampler).value })
                    entry["\(name)_modes_covered"] = covered
                    entry["\(name)_share_near_mode"] = share
                }
                entry["\(name)_invertibility_error"] = roundTrip
                print(String(format: "%@ %@: test log-likelihood %.3f nats (Gaussian %.3f), max |f⁻¹(f(x)) - x| = %.1e",
                             density.rawValue, name, testLogLikelihood, entry["gaussian_test_log_likelihood"] as! Double, roundTrip))
                models.append((name, flow))
            }
            table[density.rawValue] = entry
            try drawDensities(density, train: train, models: models, generator: &generator)
            if density != .checkerboard { try drawLayerByLayer(models[1].1, density: density, data: train) }
        }
        results["densities"] = table
        results["seconds"] = Date().timeIntervalSince(started)
        try results.write(to: options.outputPath("ch02-results.json"))
        print("Wrote figures and ch02-results.json to \(options.folder)/")
    }
}

/// A full-covariance Gaussian fitted by maximum likelihood (sample mean and covariance),
/// the baseline any 2-D flow should beat.
struct GaussianBaseline {
    let mean: (Double, Double)
    let covariance: (Double, Double, Double)   // s11, s12, s22

    init(fitting points: Tensor) {
        let p = points.values.map(Double.init), n = Double(points.shape[0])
        let m1 = stride(from: 0, to: p.count, by: 2).map { p[$0] }.reduce(0, +) / n
        let m2 = stride(from: 1, to: p.count, by: 2).map { p[$0] }.reduce(0, +) / n
        var s11 = 0.0, s12 = 0.0, s22 = 0.0
        for i in stride(from: 0, to: p.count, by: 2) {
            let a = p[i] - m1, b = p[i + 1] - m2
            s11 += a * a; s12 += a * b; s22 += b * b
        }
        mean = (m1, m2)
        covariance = (s11 / n, s12 / n, s22 / n)
    }

    /// The mean log-density of rows of `points`: -log(2π) - log|Σ|/2 - (x-μ)ᵀΣ⁻¹(x-μ)/2.
    func meanLogDensity(_ points: Tensor) -> Double {
        let (s11, s12, s22) = covariance
        let det = s11 * s22 - s12 * s12
        let p = points.values.map(Double.init)
        var total = 0.0
        for i in stride(from: 0, to: p.count, by: 2) {
            let a = p[i] - mean.0, b = p[i + 1] - mean.1
            let quadratic = (s22 * a * a - 2 * s12 * a * b + s11 * b * b) / det
            total += -Foundation.log(2 * Double.pi) - 0.5 * Foundation.log(det) - 0.5 * quadratic
        }
        return total / Double(points.shape[0])
    }
}
