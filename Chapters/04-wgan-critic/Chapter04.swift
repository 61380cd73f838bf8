import ArgumentParser
import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import GAN
import Training
import Figures
import Course

/// Chapter 04: the Wasserstein critic, and a flow trained adversarially.
@main
struct Chapter04: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter04-wgan-critic",
        abstract: "Chapter 04: the WGAN critic with gradient penalty, and a flow trained adversarially.",
        discussion: """
        First in 2-D (8 and 25 Gaussians): a flow generator trained against an MLP critic, \
        with the gradient penalty and with weight clipping; critic maps at several moments \
        and the modes each variant covers. Then on MNIST: the paper's NICE generator \
        trained adversarially, its samples, and its exact test NLL beside the critic's \
        Wasserstein estimate over training. Writes ch04-* figures and ch04-results.json.
        """)

    @OptionGroup var options: ChapterOptions

    @Option(help: "Generator iterations for each 2-D run (default 2000, or 60 with --quick).")
    var toyIterations: Int?

    @Option(help: "Generator iterations on MNIST (default 300, or 4 with --quick).")
    var iterations: Int?

    @Option(help: "Critic steps per generator step.")
    var nCritic: Int = 5

    @Option(help: "Adam learning rate of the 2-D runs, generator and critic (default 1e-3: ten times the MNIST recipe's, at which 2000 iterations reach the modes of 8 Gaussians).")
    var toyLearningRate: Float = 1e-3

    @Option(help: "Weight of the gradient penalty in the 2-D runs' critic loss (default 10, the recipe's).")
    var penaltyWeight: Float = 10

    @Option(help: "Generator iterations for each 25-Gaussian run (default: as --toy-iterations).")
    var gridIterations: Int?

    @Option(help: "Couplings of the 2-D flow generator (default \(ToyGenerator.couplings)).")
    var toyCouplings: Int = ToyGenerator.couplings

    @Option(help: "Units per hidden layer of the 2-D flow generator's coupling networks (default \(ToyGenerator.hidden)).")
    var toyHidden: Int = ToyGenerator.hidden

    @Option(help: "Data set: mnist or fashion-mnist (default: MNIST if found, else Fashion-MNIST).")
    var dataset: DatasetName?

    func validate() throws {
        let limit = TrainingLength.maximumIterations
        if let toyIterations { guard (1...limit).contains(toyIterations) else { throw ValidationError("--toy-iterations must be in 1...\(limit), got \(toyIterations)") } }
        if let iterations { guard (1...limit).contains(iterations) else { throw ValidationError("--iterations must be in 1...\(limit), got \(iterations)") } }
        guard toyLearningRate > 0 && toyLearningRate <= 0.1 else { throw ValidationError("--toy-learning-rate must be in (0, 0.1], got \(toyLearningRate)") }
        guard penaltyWeight >= 0 && penaltyWeight <= 1000 else { throw ValidationError("--penalty-weight must be in 0...1000, got \(penaltyWeight)") }
        if let gridIterations { guard (1...limit).contains(gridIterations) else { throw ValidationError("--grid-iterations must be in 1...\(limit), got \(gridIterations)") } }
        guard (1...64).contains(toyCouplings) else { throw ValidationError("--toy-couplings must be in 1...64, got \(toyCouplings)") }
        guard (1...4096).contains(toyHidden) else { throw ValidationError("--toy-hidden must be in 1...4096, got \(toyHidden)") }
        guard nCritic >= 1 && nCritic <= 100 else { throw ValidationError("--n-critic must be in 1...100, got \(nCritic)") }
        if dataset == .cifar10 { throw ValidationError("chapter 04 trains on 28x28 images: --dataset mnist or fashion-mnist") }
    }

    mutating func run() throws {
        try options.prepare(chapter: "ch04", changes: [ChapterOptions.setting("toy-iterations", toyIterations),
                                                       ChapterOptions.setting("iterations", iterations),
                                                       nCritic != 5 ? "n-critic-\(nCritic)" : nil,
                                                       toyLearningRate != 1e-3 ? "toy-learning-rate-\(toyLearningRate)" : nil,
                                                       toyCouplings != ToyGenerator.couplings ? "toy-couplings-\(toyCouplings)" : nil,
                                                       toyHidden != ToyGenerator.hidden ? "toy-hidden-\(toyHidden)" : nil,
                                                       ChapterOptions.setting("grid-iterations", gridIterations),
                                                       penaltyWeight != 10 ? "penalty-weight-\(penaltyWeight)" : nil,
                                                       ChapterOptions.setting("dataset", dataset?.rawValue)])
        let started = Date()
        // The data first: a missing data set should stop the run before minutes of 2-D training.
        let data = try loadImageData(explicit: dataset, search: options.dataSearch)
        var results = ResultsFile()
        results["chapter"] = "04-wgan-critic"
        results["seed"] = options.seed
        results["quick"] = options.quick
        results["n_critic"] = nCritic
        results["toy_learning_rate"] = Double(toyLearningRate)
        results["toy_couplings"] = toyCouplings
        results["toy_hidden"] = toyHidden
        results["penalty_weight"] = Double(penaltyWeight)

        let toySteps = toyIterations ?? (options.quick ? 60 : 2000)
        results["toy_iterations"] = toySteps
        var toy: [String: Any] = [:]
        // The 25-Gaussian grid has a length of its own (--grid-iterations), for longer runs.
        let gridSteps = gridIterations ?? toySteps
        results["grid_iterations"] = gridSteps
        for density in [ToyDensity.eightGaussians, .twentyFiveGaussians] {
            for variant in [CriticVariant.gradientPenalty, .weightClipping] {
                let outcome = try trainToy(density, variant: variant, iterations: density == .eightGaussians ? toySteps : gridSteps)
                toy["\(density.rawValue)-\(variant.rawValue)"] = outcome
            }
        }
        results["toy"] = toy
        // The 2-D numbers are kept even if the MNIST part fails; written again at the end.
        try results.write(to: options.outputPath("ch04-results.json"))

        let mnist = try trainImages(data, iterations: iterations ?? (options.quick ? 4 : 300))
        for (key, value) in mnist { results[key] = value }
        results["dataset"] = data.name.rawValue
        results["seconds"] = Date().timeIntervalSince(started)
        try results.write(to: options.outputPath("ch04-results.json"))
        print("Wrote figures and ch04-results.json to \(options.folder)/")
    }
}

/// The 2-D flow generator of the default run: chapter 02's flow that fits 8 Gaussians by
/// maximum likelihood, so that what the GAN runs fail to learn is the objective's doing,
/// not the model's.
enum ToyGenerator {
    static let couplings = 8
    static let hidden = 128
}

/// How the critic is kept Lipschitz.
enum CriticVariant: String {
    case gradientPenalty = "gp"
    case weightClipping = "clip"
}
