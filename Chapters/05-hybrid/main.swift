// Chapter 05: the hybrid objective. One flow trained three ways from the same seed on the same
// data: maximum likelihood (MLE), adversarially against a WGAN-GP critic (ADV), and with the
// hybrid loss g_loss / λ + NLL. Read top to bottom beside book.md's chapter 05;
// `swift run chapter05-hybrid --help` lists every setting.
import Foundation
import TensorCore
import Autodiff
import Datasets
import NeuralLayers
import Flows
import Checkpoints
import Evaluation
import GAN
import Training
import Figures
import Course

/// The chapter's settings. The default run ("classroom") keeps the paper's recipe (4
/// couplings, batch 100, Adam 1e-4 / 0.5 / 0.9, λ = 0.1, 5 critic steps) but narrows the
/// networks so that it trains past the early transient within a class period on two cores;
/// `--recipe` trains the paper's sizes. `--dataset cifar10` switches to the CIFAR-10 preset
/// of the same size (`preset(_:following:)` below). The 2-D demonstration on 8 Gaussians uses
/// chapter 02's flow and chapter 04's learning rate for 2-D GANs (with the recipe's 1e-4,
/// 1500 iterations left all three densities far from 8 Gaussians).
struct Settings: ChapterSettings {
    var objective = Objectives.all
    var lambda: Float = 0.1
    var nCritic = 5
    var length = TrainingLength.iterations(1500)
    var dataset: DatasetName?
    /// MNIST: the coupling networks' width and width-to-width layers (hidden layers minus
    /// one), the critic's dense layer.
    var hidden = 500, depth = 4, criticWidth = 256
    /// CIFAR-10: the Real NVP's s/t networks (features, residual blocks), the critic's first width.
    var features = 64, blocks = 8, cifarCriticWidth = 64
    var toyLearningRate: Float = 1e-3
    var toyIterations = 1500
    var toyOnly = false
    var toyCouplings = 8, toyHidden = 128
    /// Fixed by the preset: its name in the results and checkpoints, the test images whose
    /// NLL is tracked during training, and those measured at the end (nil: all).
    var configuration = "classroom"
    var trackedImages = 2000
    var testImages: Int?

    enum Objectives: String, Codable, CaseIterable { case mle, adv, hybrid, all }

    // [book:ch05-presets]
    static let presets = [
        Preset("default", Settings(), help: "the classroom sizes, 1500 iterations per objective (about 16 minutes)"),
        Preset("quick", Settings(length: .iterations(3), hidden: 1000, depth: 5, criticWidth: 1024, features: 8, blocks: 1,
                                 cifarCriticWidth: 8, toyIterations: 40, configuration: "quick", trackedImages: 500,
                                 testImages: 500), help: "a smoke run of the paper's sizes (3 iterations)"),
        Preset("recipe", Settings(hidden: 1000, depth: 5, criticWidth: 1024, configuration: "recipe"),
               help: "the paper's sizes: coupling networks 1000 wide, 6 hidden layers; critic 1024 units"),
        Preset("cifar", Settings(lambda: 1, length: .iterations(3), dataset: .cifar10, configuration: "cifar10",
                                 trackedImages: 100, testImages: 500),
               help: "what --dataset cifar10 chooses: the recipe's Real NVP, 3 iterations"),
        Preset("cifar-quick", Settings(lambda: 1, length: .iterations(3), dataset: .cifar10, features: 8, blocks: 1,
                                       cifarCriticWidth: 8, toyIterations: 40, configuration: "quick", trackedImages: 100,
                                       testImages: 100),
               help: "what --quick --dataset cifar10 chooses: a tiny Real NVP"),
    ]
    // [/book:ch05-presets]
    static let table: [Setting<Settings>] = [
        .choice("objective", \.objective, "the objectives to train"),
        // The paper uses 0.1 and 1; outside 1e-4...1e4 one term of g_loss / λ + NLL
        // swamps the other in Float32.
        .number("lambda", \.lambda, .within(1e-4...1e4), "weight of the likelihood in the hybrid objective"),
        .integer("n-critic", \.nCritic, 1...100, "critic steps per generator step"),
    ] + Setting.trainingLength(\.length) + [
        Setting.choice("dataset", \.dataset, "auto: MNIST if found, else Fashion-MNIST").requiring(recipeNotWithCIFAR),
        Setting.integer("features", \.features, 1...512, "CIFAR-10: feature channels of the s/t networks").requiring(cifarSizesOnlyWithCIFAR),
        Setting.integer("blocks", \.blocks, 1...64, "CIFAR-10: residual blocks of each s/t network").requiring(cifarSizesOnlyWithCIFAR),
        .number("toy-learning-rate", \.toyLearningRate, .above(0, atMost: 0.1), "Adam's learning rate of the 2-D runs (both networks)"),
        .integer("toy-iterations", \.toyIterations, 1...TrainingLength.maximumIterations, "generator iterations of each 2-D run"),
        .flag("toy-only", \.toyOnly, "run only the 2-D demonstration on 8 Gaussians"),
        .integer("toy-couplings", \.toyCouplings, 1...64, "couplings of the 2-D flow"),
        .integer("toy-hidden", \.toyHidden, 1...4096, "units per hidden layer of the 2-D flow's coupling networks"),
        Setting.integer("hidden", \.hidden, 1...4096, "MNIST: width of the coupling networks").requiring(mnistSizesNotWithCIFAR),
        Setting.integer("depth", \.depth, 0...32, "MNIST: width-to-width layers of each coupling network (its hidden layers minus one)").requiring(mnistSizesNotWithCIFAR),
        Setting.integer("critic-width", \.criticWidth, 1...8192, "MNIST: units of the critic's dense layer").requiring(mnistSizesNotWithCIFAR),
    ]

    /// `--dataset cifar10` starts from the CIFAR-10 preset of the size asked for.
    static func preset(_ name: String, following settings: Settings) -> String {
        guard settings.dataset == .cifar10 else { return name }
        return name == "default" ? "cifar" : name == "quick" ? "cifar-quick" : name
    }
}

/// What one objective's run measured (an entry of ch05-results.json).
struct ObjectiveResults: Codable {
    var testNllNats, testNllStandardError, testBitsPerDim, initialTrackedNllNats: Double
    var iterations: Int
    var seconds: Double
    var finalWassersteinEstimate: Double
    var history: [HistoryPoint]

    struct HistoryPoint: Codable {
        var iteration: Int
        var testNllTracked, wasserstein: Double
        /// The hybrid's only: the norms of ∇ NLL and ∇ (g_loss / λ), and their cosine.
        var gradientNormNll, gradientNormAdversarial, gradientCosine: Double?
    }
}

/// ch05-results.json (the image runs' keys are absent with --toy-only).
struct Results: Codable {
    var chapter = "05-hybrid"
    var dataset: String?
    var settings: TrainingSettings?
    var mle, adv, hybrid: ObjectiveResults?
    var toy: ToyResults?
    var seconds = 0.0
}

/// The paper's MNIST setup: NICE against the MNIST critic, Adam lr 1e-4, betas (0.5, 0.9), batch 100.
func makeTrainer(_ objective: Objective, settings: Settings, seed: UInt64) -> AdversarialTrainer {
    // [book:ch05-setup]
    var generator = RandomGenerator(seed: seed)
    let flow = FlowModels.nice(hidden: settings.hidden, depth: settings.depth, generator: &generator)
    let flowTrainer = FlowTrainer(model: flow, learningRate: 1e-4, beta1: 0.5, beta2: 0.9,
                                  batchSize: 100, seed: seed)
    let critic = Critics.mnist(generator: &generator, width: settings.criticWidth)
    let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic, objective: objective,
                                     lambda: settings.lambda, criticSteps: settings.nCritic, seed: seed)
    // [/book:ch05-setup]
    return trainer
}

let program = ChapterProgram<Settings>(
    command: "chapter05-hybrid", shortName: "ch05",
    abstract: "Chapter 05: the hybrid objective: one flow trained by MLE, ADV and the hybrid loss.",
    discussion: """
    Trains the paper's NICE generator three ways from the same seed on the same data: maximum \
    likelihood (MLE), adversarially against a WGAN-GP critic (ADV), and with the hybrid loss \
    g_loss / lambda + NLL. Writes samples of each (the paper's Figure 1), the exact test NLL over \
    training for all three (Figure 2), a 2-D demonstration on 8 Gaussians, and ch05-results.json; \
    the three models go to --checkpoint-dir for chapter 06.

    With --dataset cifar10 (the binary CIFAR-10 you supply) the generator is the recipe's Real NVP \
    (2 scales, 10 affine couplings, s/t networks of 64 features and 8 residual blocks) against the \
    recipe's CIFAR critic, batch 64, lambda 1 and the recipe's CIFAR learning rates. One iteration \
    of that model took 53 s (MLE) to about 280 s (hybrid) on the project's shared 2-core machine, so \
    that run is 3 iterations per objective, with the exact NLL of 100 test images after each and of \
    500 at the end: a demonstration of the pipeline, not a trained model. --full runs the recipe's \
    500 epochs (months on a CPU); with --quick a tiny Real NVP (8 features, 1 block) against a \
    narrow critic (width 8).
    """,
    runOptions: [.dataDirectory, .checkpointDirectory, .resume])

let run = program.start()
do {
    let (settings, preset) = (run.settings, run.preset)
    let started = Date()
    let quick = settings.configuration == "quick"
    var results = Results()
    if !settings.toyOnly {
        // 1. Load the data, and choose the test images whose exact NLL is tracked.
        let checkpointFolder = try run.checkpointFolder()
        let data = try loadImageData(explicit: settings.dataset, search: run.dataSearch)
        let cifar = data.name == .cifar10 ? CIFARSetup(settings) : nil
        if let cifar { try cifar.check(data) }
        let iterations = try settings.length.iterations(perEpoch: data.train.count / (cifar?.batchSize ?? 100))
        let tracked = data.test.slice(0..<min(settings.trackedImages, data.test.count)).images
        let testImages = data.test.slice(0..<min(settings.testImages ?? data.test.count, data.test.count)).images
        let objectives = settings.objective == .all ? Objective.allCases : [Objective(rawValue: settings.objective.rawValue)!]
        announce(settings, data: data.name, objectives: objectives, iterations: iterations, cifar: cifar)
        results.dataset = data.name.rawValue
        results.settings = cifar?.recorded(objectives, lambda: settings.lambda, criticSteps: settings.nCritic, seed: run.seed, quick: quick)
            ?? TrainingSettings(mnist: settings, seed: run.seed)

        var curves: [(Objective, [TrainingRecord], Tensor)] = []
        for objective in objectives {
            // 2. Build the flow and its critic, from the course seed.
            let objectiveStarted = Date()
            let trainer = cifar?.makeTrainer(objective, lambda: settings.lambda, criticSteps: settings.nCritic, seed: run.seed)
                ?? makeTrainer(objective, settings: settings, seed: run.seed)
            let flowTrainer = trainer.generatorTrainer, flow = flowTrainer.model
            let label = objective.rawValue.uppercased()

            // 3. Train, measuring the exact NLL of the tracked images every tenth of the run
            //    and saving the training state there (--resume continues from it).
            let checkpoint = TrainingCheckpoint(folder: checkpointFolder, objective: objective, data: data.name,
                                                size: cifar?.size ?? settings.niceSize, seed: run.seed, iterations: iterations)
            try checkpoint.resumeOrStart(trainer, resume: run.resume) { evaluateNLL(flow, images: tracked).mean }
            let evaluateEvery = max(1, iterations / 10)
            let progress = ProgressLine(label, total: iterations, startingAt: flowTrainer.iteration)
            var means = MeansSinceEvaluation()
            while flowTrainer.iteration < iterations {
                // [book:ch05-iteration]
                let batch = data.train.gather(flowTrainer.batchIndices(trainCount: data.train.count)).images
                var statistics = IterationStatistics()
                if objective == .mle {
                    statistics.nll = try flowTrainer.maximumLikelihoodStep(batch)
                } else {
                    // n_critic critic steps on one real batch, then one generator step.
                    for (fake, epsilon) in trainer.criticBatches(like: batch) {
                        (statistics.wassersteinEstimate, statistics.penalty) =
                            try trainer.criticStep(real: batch, fake: fake, epsilon: epsilon)
                    }
                    try trainer.generatorStep(real: batch, statistics: &statistics)
                }
                // [/book:ch05-iteration]
                means.add(statistics)
                progress.update(flowTrainer.iteration, metric: means.metric)
                if flowTrainer.iteration % evaluateEvery == 0 || flowTrainer.iteration == iterations {
                    let nll = evaluateNLL(flow, images: tracked)
                    var entry = means.record(iteration: flowTrainer.iteration, nll: nll, started: objectiveStarted)
                    if objective == .hybrid, cifar == nil {
                        // How large each part of g_loss / λ + NLL is in the gradient (a measurement only).
                        entry.extra.merge(try gradientNorms(trainer, images: data.train, seed: run.seed)) { $1 }
                    }
                    flowTrainer.record(entry)
                    means = MeansSinceEvaluation()
                    try trainer.saveCheckpoint(to: checkpoint.path, description: checkpoint.description)
                }
            }

            // 4. Measure the exact test NLL, save the model for chapter 06, draw its samples.
            let test = evaluateNLL(flow, images: testImages)
            let outcome = ObjectiveResults(flowTrainer.history, test: test, dimension: flow.dimension, iterations: iterations,
                                           seconds: Date().timeIntervalSince(objectiveStarted))
            print(String(format: "%@: test NLL %.1f ± %.1f nats per image (%.3f bits/dim) after %d iterations, %.0f s",
                         label, test.mean, test.standardError, outcome.testBitsPerDim, iterations, outcome.seconds))
            let metadata = ModelMetadata(architecture: cifar?.architecture ?? .nice(hidden: settings.hidden, depth: settings.depth),
                                         model: "\(cifar == nil ? "nice" : "realnvp")-\(data.name.rawValue)-\(objective.rawValue)",
                                         chapter: "05", objective: objective.rawValue, dataset: data.name.rawValue,
                                         iterations: iterations, lambda: settings.lambda, seed: run.seed,
                                         configuration: settings.configuration, quick: quick)
            try saveModel(flow, metadata: metadata.entries, to: (checkpointFolder as NSString).appendingPathComponent("ch05-\(objective.rawValue).safetensors"))
            flow.isTraining = false
            var sampler = RandomGenerator(seed: run.seed, stream: .sampleGrid)
            let samples = GradientRecording.withoutRecording { flow.sample(64, generator: &sampler).value }
            results[objective] = outcome
            curves.append((objective, flowTrainer.history, samples))
        }
        // 5. Draw, after the numbers (no figure can cost the run its results): each objective's
        //    samples (the paper's Figure 1) and the exact test NLL during training (Figure 2).
        results.seconds = Date().timeIntervalSince(started)
        try writeResults(results, settings: settings, preset: preset, seed: run.seed, to: run.path("ch05-results.json"))
        for (objective, _, samples) in curves {
            try drawSamples(samples, objective: objective, dataName: data.name.displayName, folder: run.folder)
        }
        let history = curves.map { ($0.0, $0.1) }
        try drawTestNLL(history, dataName: data.name.displayName, tracked: tracked.shape[0], cifar: cifar != nil, folder: run.folder)
        try drawTestNLLWithoutADV(history, dataName: data.name.displayName, tracked: tracked.shape[0], cifar: cifar != nil, folder: run.folder)
    }

    // 6. The three objectives on 8 Gaussians, in 2-D.
    results.toy = try toyDemonstration(settings, seed: run.seed, folder: run.folder)

    // 7. The numbers.
    results.seconds = Date().timeIntervalSince(started)
    try writeResults(results, settings: settings, preset: preset, seed: run.seed, to: run.path("ch05-results.json"))
    print("Wrote figures and ch05-results.json to \(run.folder)/")
} catch {
    run.stop(error)
}
