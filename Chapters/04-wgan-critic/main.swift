// Chapter 04: the Wasserstein critic with the gradient penalty, and a flow trained
// adversarially: first in 2-D (8 and 25 Gaussians), then the paper's NICE on MNIST. Read
// top to bottom beside book.md's chapter 04; `swift run chapter04-wgan-critic --help`
// lists every setting.
import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Checkpoints
import Evaluation
import GAN
import Training
import Figures
import Course

// [book:toy-settings]
/// The chapter's settings. The 2-D runs' settings differ from the MNIST recipe, and why:
///
/// - The generator is chapter 02's flow that fits 8 Gaussians by maximum likelihood, so
///   that what an adversarial run fails to learn is the objective's doing, not the model's.
/// - Adam's learning rate is ten times the recipe's 1e-4: the 2-D networks are small and
///   their steps cheap, and at 1e-4 most samples still lie between the modes after 2000
///   iterations.
/// - 8 Gaussians keep the recipe's penalty weight of 10. The 25-Gaussian grid gets the
///   weight of the WGAN-GP authors' own toy experiments, 0.1, and eight times as many
///   iterations: at weight 10 and 2000 iterations neither constraint got out of the middle
///   of the grid (8 of 25 modes each, in an earlier version of this chapter), and at 0.1
///   the penalised critic's generator gains modes until late in the run (the chapter's
///   figure ch04-25-gaussians-coverage.png counts them along the way).
struct Settings: ChapterSettings {
    var toyCouplings = 8
    var toyHidden = 128
    var toyLearningRate: Float = 1e-3
    var toyIterations = 2000
    var penaltyWeight: Float = 10
    var gridIterations = 16000
    var gridPenaltyWeight: Float = 0.1
    /// The MNIST run: the recipe's critic steps per generator step, and its length.
    var nCritic = 5
    var iterations = 300
    /// Test images whose exact NLL is reported at the end (at most the test set's 10,000).
    var testImages = 10_000
    var dataset: DatasetName?
    var toyOnly = false
    var gridOnly = false

    static let presets = [
        Preset("default", Settings(), help: "the book's figures (about 23 minutes on two cores)"),
        Preset("quick", Settings(toyIterations: 60, gridIterations: 60, iterations: 4, testImages: 2000), help: "a smoke run"),
    ]
    static let table: [Setting<Settings>] = [
        .integer("toy-iterations", \.toyIterations, 1...TrainingLength.maximumIterations, "generator iterations of each 8-Gaussian run"),
        .integer("grid-iterations", \.gridIterations, 1...TrainingLength.maximumIterations, "generator iterations of each 25-Gaussian run"),
        .number("toy-learning-rate", \.toyLearningRate, .above(0, atMost: 0.1), "Adam's learning rate of the 2-D runs, generator and critic"),
        .number("penalty-weight", \.penaltyWeight, .within(0...1000), "weight of the gradient penalty in the 8-Gaussian runs' critic loss"),
        .number("grid-penalty-weight", \.gridPenaltyWeight, .within(0...1000), "weight of the gradient penalty in the 25-Gaussian runs"),
        .integer("toy-couplings", \.toyCouplings, 1...64, "couplings of the 2-D flow generator"),
        .integer("toy-hidden", \.toyHidden, 1...4096, "units per hidden layer of the 2-D generator's coupling networks"),
        .integer("n-critic", \.nCritic, 1...100, "critic steps per generator step"),
        .integer("iterations", \.iterations, 1...TrainingLength.maximumIterations, "generator iterations on MNIST"),
        .integer("test-images", \.testImages, 1...10_000, "test images whose exact NLL is reported at the end"),
        Setting.choice("dataset", \.dataset, "data set (auto: MNIST if found, else Fashion-MNIST)")
            .requiring { $0.dataset == .cifar10 ? "chapter 04 trains on 28x28 images: --dataset mnist or fashion-mnist" : nil },
        .flag("toy-only", \.toyOnly, "run only the 2-D runs (minutes), not the MNIST run"),
        .flag("grid-only", \.gridOnly, "of the 2-D runs, only the 25-Gaussian grid (with --toy-only: for trying its settings)"),
    ]
}
// [/book:toy-settings]

/// ch04-results.json: the 2-D runs under `toy`, then the MNIST run's numbers (absent with --toy-only).
struct Results: Codable {
    var chapter = "04-wgan-critic"
    var quick: Bool
    var nCritic, toyCouplings, toyHidden, toyIterations, gridIterations: Int
    var toyLearningRate, penaltyWeight, gridPenaltyWeight: Double
    /// One entry per 2-D run, "8-gaussians-gp", "25-gaussians-clip", ...
    var toy: [String: ToyRunResults] = [:]
    var dataset: String?
    var mnistIterations: Int?
    var initialTestNllNats, testNllNats, testNllStandardError, wassersteinEstimate: Double?
    /// The exact NLL of 2,000 test images and the critic's mean Wasserstein estimate, during training.
    var history: [HistoryPoint]?
    var stripeContrast: StripeContrast?
    var mnistSeconds, seconds: Double?
}

/// One 2-D run: the modes its generator covers at the end and along the way, and its critic.
struct ToyRunResults: Codable {
    var iterations: Int
    var penaltyWeight: Double
    var modesCovered = 0, modesTotal = 0
    /// The share of samples within 3 standard deviations of a mode.
    var shareNearMode = 0.0
    var wassersteinEstimate = Double.nan
    /// The critic's mean score on data minus on samples, at the iterations its map is drawn.
    var criticGapAt: [String: Double] = [:]
    var coverageHistory = CoverageHistory()
}

/// Modes covered and the share of samples near a mode, counted along a 2-D run.
struct CoverageHistory: Codable {
    var iteration: [Int] = []
    var modesCovered: [Int] = []
    var shareNearMode: [Double] = []
}

/// An MNIST evaluation during training.
struct HistoryPoint: Codable {
    var iteration: Int
    var testNll2000: Double
    var wasserstein: Double
    enum CodingKeys: String, CodingKey { case iteration, wasserstein, testNll2000 = "test_nll_2000" }
}

let program = ChapterProgram<Settings>(
    command: "chapter04-wgan-critic", shortName: "ch04",
    abstract: "Chapter 04: the WGAN critic with gradient penalty, and a flow trained adversarially.",
    discussion: """
    First in 2-D (8 and 25 Gaussians): a flow generator trained against an MLP critic, \
    with the gradient penalty and with weight clipping; critic maps at several moments \
    and the modes each variant covers. Then on MNIST: the paper's NICE generator \
    trained adversarially, its samples, and its exact test NLL beside the critic's \
    Wasserstein estimate over training. Writes ch04-* figures and ch04-results.json.
    """,
    runOptions: [.dataDirectory])

let run = program.start()
do {
    let settings = run.settings
    let started = Date()
    // 1. Load the data first: a missing data set should stop the run before minutes of 2-D training.
    let data = settings.toyOnly ? nil : try loadImageData(explicit: settings.dataset, search: run.dataSearch)
    var results = Results(quick: run.isQuick, nCritic: settings.nCritic, toyCouplings: settings.toyCouplings,
                          toyHidden: settings.toyHidden, toyIterations: settings.toyIterations,
                          gridIterations: settings.gridIterations, toyLearningRate: Double(settings.toyLearningRate),
                          penaltyWeight: Double(settings.penaltyWeight), gridPenaltyWeight: Double(settings.gridPenaltyWeight))

    // 2. In 2-D: a flow against an MLP critic, kept Lipschitz by the gradient penalty or by clipping.
    for density in settings.gridOnly ? [ToyDensity.twentyFiveGaussians] : [.eightGaussians, .twentyFiveGaussians] {
        var runs: [(variant: CriticVariant, results: ToyRunResults)] = []
        for variant in [CriticVariant.gradientPenalty, .weightClipping] {
            let eight = density == .eightGaussians
            let outcome = try trainToy(density, variant: variant, iterations: eight ? settings.toyIterations : settings.gridIterations,
                                       penaltyWeight: eight ? settings.penaltyWeight : settings.gridPenaltyWeight,
                                       settings: settings, seed: run.seed, folder: run.folder)
            results.toy["\(density.rawValue)-\(variant.rawValue)"] = outcome
            runs.append((variant, outcome))
        }
        try drawCoverage(density, runs, folder: run.folder)
    }
    // The 2-D numbers are kept even if the MNIST part fails; written again at the end.
    try writeResults(results, settings: settings, preset: run.preset, seed: run.seed, to: run.path("ch04-results.json"))
    guard let data else {
        print("Wrote the 2-D figures and ch04-results.json to \(run.folder)/")
        exit(0)
    }

    // 3. On MNIST: the paper's NICE generator against the recipe's critic (Adam at 1e-4, β = (0.5, 0.9)).
    let mnistStarted = Date()
    var generator = RandomGenerator(seed: run.seed)
    let flow = FlowModels.nice(generator: &generator)
    let flowTrainer = FlowTrainer(model: flow, learningRate: 1e-4, beta1: 0.5, beta2: 0.9, batchSize: 100, seed: run.seed)
    let critic = Critics.mnist(generator: &generator)
    let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic, objective: .adv, lambda: 1,
                                     criticSteps: settings.nCritic, seed: run.seed)
    // The NLL is tracked on 2,000 test images during training (each evaluation costs a
    // forward pass over them) and on --test-images at the end.
    let tracked = data.test.slice(0..<min(2000, data.test.count)).images
    let initial = evaluateNLL(flow, images: tracked)
    var history = [HistoryPoint(iteration: 0, testNll2000: initial.mean, wasserstein: .nan)]
    print("\(data.name.displayName): NICE generator trained adversarially for \(settings.iterations) iterations (\(settings.nCritic) critic steps each)")

    // 4. Train: each iteration n-critic critic steps on one batch, then one generator step;
    //    the exact NLL of the tracked images 12 times along the way.
    let evaluateEvery = max(1, settings.iterations / 12)
    let progress = ProgressLine("ADV on \(data.name.rawValue)", total: settings.iterations)
    var means = MeansSinceEvaluation()
    while flowTrainer.iteration < settings.iterations {
        // [book:ch04-iteration]
        let batch = data.train.gather(flowTrainer.batchIndices(trainCount: data.train.count)).images
        var statistics = IterationStatistics()
        for (fake, epsilon) in trainer.criticBatches(like: batch) {          // n-critic critic steps
            (statistics.wassersteinEstimate, statistics.penalty) =
                try trainer.criticStep(real: batch, fake: fake, epsilon: epsilon)
        }
        try trainer.generatorStep(real: batch, statistics: &statistics)      // one generator step
        // [/book:ch04-iteration]
        means.add(statistics)
        progress.update(flowTrainer.iteration, metric: means.metric)
        if flowTrainer.iteration % evaluateEvery == 0 || flowTrainer.iteration == settings.iterations {
            let nll = evaluateNLL(flow, images: tracked)
            history.append(HistoryPoint(iteration: flowTrainer.iteration, testNll2000: nll.mean, wasserstein: means.mean("wasserstein")))
            means = MeansSinceEvaluation()
        }
    }

    // 5. Measure: the exact test NLL, and the stripes NICE's even/odd split leaves in its samples.
    let test = evaluateNLL(flow, images: data.test.slice(0..<min(settings.testImages, data.test.count)).images)
    let finalW = history.last?.wasserstein ?? .nan
    print(String(format: "ADV: test NLL %.1f nats at initialisation, %.1f ± %.1f after %d iterations; Wasserstein estimate %.3f",
                 initial.mean, test.mean, test.standardError, settings.iterations, finalW))
    flow.isTraining = false
    var sampler = RandomGenerator(seed: run.seed, stream: .mnistSamples)
    let samples = GradientRecording.withoutRecording { flow.sample(100, generator: &sampler).value }
    let stripes = StripeContrast(samples: samples, testImages: data.test.slice(0..<100).images)
    print(String(format: "stripes: column contrast %.4f in the samples, %.4f in test images; row contrast %.4f and %.4f",
                 stripes.samplesColumns, stripes.testImagesColumns, stripes.samplesRows, stripes.testImagesRows))

    // 6. The numbers, before the figures (a figure that fails cannot cost the run its results).
    results.dataset = data.name.rawValue
    results.mnistIterations = settings.iterations
    (results.initialTestNllNats, results.testNllNats, results.testNllStandardError) = (initial.mean, test.mean, test.standardError)
    results.wassersteinEstimate = finalW
    results.history = history
    results.stripeContrast = stripes
    results.mnistSeconds = Date().timeIntervalSince(mnistStarted)
    results.seconds = Date().timeIntervalSince(started)
    try writeResults(results, settings: settings, preset: run.preset, seed: run.seed, to: run.path("ch04-results.json"))

    // 7. Draw the samples, and the NLL beside the Wasserstein estimate.
    try drawAdversarialSamples(samples, iterations: settings.iterations, dataset: data.name, folder: run.folder)
    try drawNLLAndWasserstein(history, dataset: data.name, folder: run.folder)
    print("Wrote ch04-results.json and figures to \(run.folder)/")
} catch {
    run.stop(error)
}
