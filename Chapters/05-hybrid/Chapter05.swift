import ArgumentParser
import Foundation
import TensorCore
import Autodiff
import NeuralLayers
import Datasets
import Flows
import GAN
import Training
import Figures
import Course

/// The MNIST settings of this chapter, in one place. `recipe` is the paper's (see
/// book.md's chapter 05): NICE with coupling networks 1000 wide and 5 hidden layers,
/// against a critic whose dense layer has 1024 units. `classroom`, the default, keeps
/// everything else (4 couplings, batch 100, Adam 1e-4 / 0.5 / 0.9, λ = 0.1, 5 critic steps)
/// and shrinks the networks so that a default run trains past the early transient within
/// a class period on two cores; book.md's chapter 05 tabulates the configurations tried.
struct MNISTSettings {
    var hidden: Int          // width of each coupling network
    var depth: Int           // hidden layers of each coupling network
    var criticWidth: Int     // units of the critic's dense layer
    var iterations: Int      // generator iterations per objective
    var trackedImages = 2000 // test images whose NLL is tracked during training

    static let recipe = MNISTSettings(hidden: 1000, depth: 5, criticWidth: 1024, iterations: 1500)
    static let classroom = MNISTSettings(hidden: 500, depth: 4, criticWidth: 256, iterations: 1500)
    /// --quick: a smoke run of the paper's sizes.
    static let quick = MNISTSettings(hidden: 1000, depth: 5, criticWidth: 1024, iterations: 3, trackedImages: 500)
}

/// Chapter 05: one flow, three objectives (MLE, ADV, hybrid).
@main
struct Chapter05: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter05-hybrid",
        abstract: "Chapter 05: the hybrid objective: one flow trained by MLE, ADV and the hybrid loss.",
        discussion: """
        Trains the paper's NICE generator three ways from the same seed on the same data: \
        maximum likelihood (MLE), adversarially against a WGAN-GP critic (ADV), and with the \
        hybrid loss g_loss / lambda + NLL. Writes samples of each (the paper's Figure 1), the \
        exact test NLL over training for all three (Figure 2), a 2-D demonstration on 8 \
        Gaussians, and ch05-results.json; the three models go to --checkpoint-dir for \
        chapter 06. By default the networks are narrower than the paper's (coupling \
        networks 500 wide with 4 hidden layers, critic 256 units) so that 1500 iterations per \
        objective fit a class period; --recipe trains the paper's sizes. 3 iterations of the \
        paper's sizes with --quick.

        With --dataset cifar10 (the binary CIFAR-10 you supply) the generator is the recipe's \
        Real NVP (2 scales, 10 affine couplings, s/t networks of 64 features and 8 residual \
        blocks) against the recipe's CIFAR critic, batch 64, lambda 1 and the recipe's CIFAR \
        learning rates. One iteration of that model took 53 s (MLE) to about 280 s (hybrid: 5 \
        critic steps and a generator step) on the project's shared 2-core machine, so the \
        default run is 3 iterations per objective, with the exact NLL of 100 test images after \
        each and of 500 at the end (up to about 40 minutes in all; less on an idle machine): a \
        demonstration of the pipeline, not a trained model. --full runs the recipe's 500 epochs \
        (months on a CPU) and --quick a tiny Real NVP (8 features, 1 block) against a narrow \
        critic (width 8) for 3 iterations.
        """)

    @OptionGroup var options: ChapterOptions

    @Option(help: "mle, adv, hybrid or all.")
    var objective: ObjectiveChoice = .all

    @Option(help: "Weight of the likelihood in the hybrid objective (default 0.1 for MNIST-like data, 1 for CIFAR-10).")
    var lambda: Float?

    @Option(help: "Critic steps per generator step.")
    var nCritic: Int = 5

    @OptionGroup var length: TrainingLength

    @Option(help: "Data set: mnist, fashion-mnist or cifar10 (default: MNIST if found, else Fashion-MNIST).")
    var dataset: DatasetName?

    @Option(help: "CIFAR-10 only: feature channels of the Real NVP's s/t networks (default 64, the recipe's; 8 with --quick).")
    var features: Int?

    @Option(help: "CIFAR-10 only: residual blocks of each s/t network (default 8, the recipe's; 1 with --quick).")
    var blocks: Int?

    @Option(help: "Folder for the trained models (default: Checkpoints for the default run, Checkpoints/<chapter>-<settings> for a side run).")
    var checkpointDir: String?

    @Flag(help: "Continue each objective from its training checkpoint in --checkpoint-dir (written at every evaluation), if it has one.")
    var resume = false

    @Option(help: "Adam learning rate of the 2-D demonstration on 8 Gaussians, generator and critic (default \(ToyDemonstration.learningRate)).")
    var toyLearningRate: Float = ToyDemonstration.learningRate

    @Option(help: "Generator iterations of each 2-D run (default \(ToyDemonstration.iterations), or \(ToyDemonstration.quickIterations) with --quick).")
    var toyIterations: Int?

    @Flag(help: "Run only the 2-D demonstration on 8 Gaussians (seconds to minutes), not the image runs.")
    var toyOnly = false

    @Option(help: "Couplings of the 2-D flow (default \(ToyDemonstration.couplings)).")
    var toyCouplings: Int = ToyDemonstration.couplings

    @Option(help: "Units per hidden layer of the 2-D flow's coupling networks (default \(ToyDemonstration.hidden)).")
    var toyHidden: Int = ToyDemonstration.hidden

    @Flag(help: "MNIST: the paper's network sizes (coupling networks 1000 wide, 5 hidden layers; critic 1024 units) instead of the classroom default.")
    var recipe = false

    @Option(help: "MNIST: width of the coupling networks (overrides the default or --recipe).")
    var hidden: Int?

    @Option(help: "MNIST: hidden layers of each coupling network.")
    var depth: Int?

    @Option(help: "MNIST: units of the critic's dense layer.")
    var criticWidth: Int?

    /// The MNIST settings this run uses.
    var settings: MNISTSettings {
        var chosen = options.quick ? MNISTSettings.quick : (recipe ? .recipe : .classroom)
        if let hidden { chosen.hidden = hidden }
        if let depth { chosen.depth = depth }
        if let criticWidth { chosen.criticWidth = criticWidth }
        return chosen
    }

    enum ObjectiveChoice: String, ExpressibleByArgument, CaseIterable { case mle, adv, hybrid, all }

    func validate() throws {
        guard toyLearningRate > 0 && toyLearningRate <= 0.1 else { throw ValidationError("--toy-learning-rate must be in (0, 0.1], got \(toyLearningRate)") }
        if let toyIterations { guard (1...TrainingLength.maximumIterations).contains(toyIterations) else { throw ValidationError("--toy-iterations must be in 1...\(TrainingLength.maximumIterations), got \(toyIterations)") } }
        guard (1...64).contains(toyCouplings) else { throw ValidationError("--toy-couplings must be in 1...64, got \(toyCouplings)") }
        guard (1...4096).contains(toyHidden) else { throw ValidationError("--toy-hidden must be in 1...4096, got \(toyHidden)") }
        if let lambda { guard lambda > 0 && lambda.isFinite else { throw ValidationError("--lambda must be positive, got \(lambda)") } }
        guard nCritic >= 1 && nCritic <= 100 else { throw ValidationError("--n-critic must be in 1...100, got \(nCritic)") }
        if let features { guard features >= 1 && features <= 512 else { throw ValidationError("--features must be in 1...512, got \(features)") } }
        if let blocks { guard blocks >= 1 && blocks <= 64 else { throw ValidationError("--blocks must be in 1...64, got \(blocks)") } }
        if let hidden { guard (1...4096).contains(hidden) else { throw ValidationError("--hidden must be in 1...4096, got \(hidden)") } }
        if let depth { guard (0...32).contains(depth) else { throw ValidationError("--depth must be in 0...32, got \(depth)") } }
        if let criticWidth { guard (1...8192).contains(criticWidth) else { throw ValidationError("--critic-width must be in 1...8192, got \(criticWidth)") } }
        if (recipe || hidden != nil || depth != nil || criticWidth != nil) && dataset == .cifar10 {
            throw ValidationError("--recipe, --hidden, --depth and --critic-width size the MNIST models; CIFAR-10 takes --features and --blocks")
        }
        if (features != nil || blocks != nil) && dataset != .cifar10 {
            throw ValidationError("--features and --blocks size the CIFAR-10 Real NVP: pass them with --dataset cifar10")
        }
    }

    var objectives: [Objective] {
        objective == .all ? [.mle, .adv, .hybrid] : [Objective(rawValue: objective.rawValue)!]
    }

    /// The settings in which this run differs from the default run (its folder's name).
    var changes: [String?] {
        [objective != .all ? objective.rawValue : nil, ChapterOptions.setting("lambda", lambda),
         nCritic != 5 ? "n-critic-\(nCritic)" : nil, ChapterOptions.setting("dataset", dataset?.rawValue),
         recipe ? "recipe" : nil, ChapterOptions.setting("hidden", hidden), ChapterOptions.setting("depth", depth),
         ChapterOptions.setting("critic-width", criticWidth), ChapterOptions.setting("features", features),
         ChapterOptions.setting("blocks", blocks), toyLearningRate != ToyDemonstration.learningRate ? "toy-learning-rate-\(toyLearningRate)" : nil,
         ChapterOptions.setting("toy-iterations", toyIterations),
         toyCouplings != ToyDemonstration.couplings ? "toy-couplings-\(toyCouplings)" : nil,
         toyHidden != ToyDemonstration.hidden ? "toy-hidden-\(toyHidden)" : nil, toyOnly ? "toy-only" : nil] + length.changes
    }

    mutating func run() throws {
        let plan = try options.prepare(chapter: "ch05", changes: changes)
        let started = Date()
        let toyLength = toyIterations ?? (options.quick ? ToyDemonstration.quickIterations : ToyDemonstration.iterations)
        if toyOnly {
            var results = ResultsFile()
            results["chapter"] = "05-hybrid"
            results["toy"] = try toyDemonstration(iterations: toyLength, lambda: lambda ?? 0.1)
            results["seconds"] = Date().timeIntervalSince(started)
            try results.write(to: options.outputPath("ch05-results.json"))
            print("Wrote the 2-D figures and ch05-results.json to \(options.folder)/")
            return
        }
        let checkpointDir = try plan.checkpointFolder(checkpointDir)
        let data = try loadImageData(explicit: dataset, search: options.dataSearch)
        let cifar = data.name == .cifar10 ? CIFARSetup(features: features ?? (options.quick ? 8 : 64),
                                                       blocks: blocks ?? (options.quick ? 1 : 8),
                                                       criticWidth: options.quick ? 8 : 64) : nil
        if let cifar { try cifar.check(data) }
        let perEpoch = data.train.count / (cifar?.batchSize ?? 100)
        let total = try length.iterations(perEpoch: perEpoch, default: cifar == nil ? settings.iterations
                                                                            : (options.quick ? 3 : CIFARSetup.defaultIterations))
        let weight = lambda ?? (cifar == nil ? 0.1 : 1)
        let trackedCount = cifar == nil ? settings.trackedImages : CIFARSetup.trackedImages
        let tracked = data.test.slice(0..<min(trackedCount, data.test.count)).images
        print("Chapter 05 on \(data.name.displayName): \(objectives.map(\.rawValue).joined(separator: ", ")), \(total) iterations each, lambda \(weight), \(nCritic) critic steps")
        if cifar == nil {
            let s = settings
            print("Networks: coupling networks \(s.hidden) wide with \(s.depth) hidden layers, critic dense layer \(s.criticWidth) units"
                  + (recipe || options.quick ? " (the paper's recipe)" : " (the classroom default; --recipe for the paper's sizes)"))
        }
        if let cifar { cifar.announce(iterations: total, objectives: objectives, criticSteps: nCritic) }

        var results = ResultsFile()
        results["chapter"] = "05-hybrid"
        results["dataset"] = data.name.rawValue
        if let cifar {
            results["settings"] = cifar.settings(objectives, lambda: weight, criticSteps: nCritic, seed: options.seed, quick: options.quick)
        } else {
            results["settings"] = ["lambda": Double(weight), "n_critic": nCritic, "batch_size": 100, "learning_rate": 1e-4,
                                   "beta1": 0.5, "beta2": 0.9, "seed": options.seed, "quick": options.quick,
                                   "configuration": options.quick ? "quick" : (recipe ? "recipe" : "classroom"),
                                   "coupling_hidden": settings.hidden, "coupling_depth": settings.depth,
                                   "critic_width": settings.criticWidth] as [String: Any]
        }
        var curves: [(Objective, [TrainingRecord])] = []
        var samples: [(Objective, Tensor)] = []
        for objective in objectives {
            let outcome = try train(objective, data: data, iterations: total, lambda: weight, tracked: tracked, cifar: cifar,
                                    checkpointDir: checkpointDir)
            results[objective.rawValue] = outcome.summary
            curves.append((objective, outcome.history))
            samples.append((objective, outcome.samples))
        }
        // The numbers first, so that no figure can cost the run its results; written again
        // with the 2-D demonstration's numbers at the end.
        results["seconds"] = Date().timeIntervalSince(started)
        try results.write(to: options.outputPath("ch05-results.json"))
        try drawFigureOne(samples, dataName: data.name.displayName)
        try drawFigureTwo(curves, dataName: data.name.displayName, tracked: tracked.shape[0], cifar: cifar)
        results["toy"] = try toyDemonstration(iterations: toyLength, lambda: weight)
        results["seconds"] = Date().timeIntervalSince(started)
        try results.write(to: options.outputPath("ch05-results.json"))
        print("Wrote figures and ch05-results.json to \(options.folder)/")
    }

    /// Trains one objective from the course seed; returns its results, curve and samples.
    func train(_ objective: Objective, data: DatasetSplits, iterations: Int, lambda: Float, tracked: Tensor,
               cifar: CIFARSetup?, checkpointDir: String) throws -> (summary: [String: Any], history: [TrainingRecord], samples: Tensor) {
        let started = Date()
        let trainer = cifar?.makeTrainer(objective, lambda: lambda, criticSteps: nCritic, seed: options.seed)
            ?? makeTrainer(objective, lambda: lambda)
        let flowTrainer = trainer.generatorTrainer, flow = flowTrainer.model
        // The training state is saved at every evaluation, so that --resume continues
        // exactly where an interrupted run last evaluated. The description ties a
        // checkpoint to its model, objective, sizes and seed.
        let size = cifar.map { "realnvp-\($0.architecture.features)x\($0.architecture.blocks)" }
            ?? "nice-\(settings.hidden)x\(settings.depth)-critic\(settings.criticWidth)"
        let trainingDescription = "ch05-\(data.name.rawValue)-\(objective.rawValue)-\(size)-seed\(options.seed)"
        let trainingCheckpoint = (checkpointDir as NSString).appendingPathComponent("ch05-\(objective.rawValue)-training.safetensors")
        if resume && FileManager.default.fileExists(atPath: trainingCheckpoint) {
            try trainer.loadCheckpoint(from: trainingCheckpoint, description: trainingDescription)
            print("\(objective.rawValue.uppercased()): resumed from \(trainingCheckpoint) at iteration \(flowTrainer.iteration)")
        } else {
            if resume { note("\(trainingCheckpoint) not found: \(objective.rawValue) starts from the beginning") }
            let initial = evaluateNLL(flow, images: tracked)
            flowTrainer.record(TrainingRecord(iteration: 0, seconds: 0, trainLoss: .nan, validationNLL: initial.mean))
        }
        let initialNLL = flowTrainer.history.first?.validationNLL ?? .nan
        try trainImageFlow(trainer, train: data.train, evaluationImages: tracked, iterations: iterations,
                           evaluateEvery: max(1, iterations / 10), label: objective.rawValue.uppercased(), started: started) {
            try trainer.saveCheckpoint(to: trainingCheckpoint, description: trainingDescription)
        }
        let test = evaluateNLL(flow, images: options.quick ? tracked
                                   : (cifar == nil ? data.test.images : data.test.slice(0..<min(CIFARSetup.testImages, data.test.count)).images))
        let bitsPerDim = bitsPerDimension(nllNats: test.mean, dimension: flow.dimension)
        let seconds = Date().timeIntervalSince(started)
        print(String(format: "%@: test NLL %.1f ± %.1f nats per image (%.3f bits/dim) after %d iterations, %.0f s",
                     objective.rawValue.uppercased(), test.mean, test.standardError, bitsPerDim, iterations, seconds))
        let description = "\(cifar == nil ? "nice" : "realnvp")-\(data.name.rawValue)-\(objective.rawValue)"
        // What chapter 06 checks and reports before it scores the model.
        var metadata = ["model": description, "objective": objective.rawValue, "iterations": String(iterations),
                        "dataset": data.name.rawValue, "lambda": String(lambda), "chapter": "05", "seed": String(options.seed),
                        "configuration": options.quick ? "quick" : (cifar != nil ? "cifar10" : (recipe ? "recipe" : "classroom")),
                        "quick": String(options.quick)]
        // Each checkpoint records its architecture, so that chapter 06 rebuilds the same model.
        metadata.merge(cifar?.architecture.metadata ?? FlowArchitecture.nice(hidden: settings.hidden, depth: settings.depth).metadata) { $1 }
        try saveModel(flow, metadata: metadata,
                      to: (checkpointDir as NSString).appendingPathComponent("ch05-\(objective.rawValue).safetensors"))
        flow.isTraining = false
        var sampler = RandomGenerator(seed: options.seed, stream: 55)
        let samples = GradientRecording.withoutRecording { flow.sample(64, generator: &sampler).value }
        let last = flowTrainer.history.last
        let summary: [String: Any] = [
            "test_nll_nats": test.mean, "test_nll_standard_error": test.standardError, "test_bits_per_dim": bitsPerDim,
            "initial_tracked_nll_nats": initialNLL, "iterations": iterations, "seconds": seconds,
            "final_wasserstein_estimate": last?.extra["wasserstein"] ?? Double.nan,
            "history": flowTrainer.history.map { ["iteration": $0.iteration, "test_nll_tracked": $0.validationNLL,
                                                  "wasserstein": $0.extra["wasserstein"] ?? Double.nan] },
        ]
        return (summary, flowTrainer.history, samples)
    }

    /// The paper's MNIST setup: NICE against the MNIST critic, Adam lr 1e-4, betas (0.5, 0.9), batch 100.
    func makeTrainer(_ objective: Objective, lambda: Float) -> AdversarialTrainer {
        // [book:ch05-setup]
        var generator = RandomGenerator(seed: options.seed)
        let flow = FlowModels.nice(hidden: settings.hidden, depth: settings.depth, generator: &generator)
        let flowTrainer = FlowTrainer(model: flow, learningRate: 1e-4, beta1: 0.5, beta2: 0.9,
                                      batchSize: 100, seed: options.seed)
        let critic = Critics.mnist(generator: &generator, width: settings.criticWidth)
        let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic, objective: objective,
                                         lambda: lambda, criticSteps: nCritic, seed: options.seed)
        // [/book:ch05-setup]
        return trainer
    }
}
