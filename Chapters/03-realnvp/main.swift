// Chapter 03: NICE, the paper's MNIST generator, and the multi-scale Real NVP, trained by
// maximum likelihood on MNIST. Read top to bottom beside book.md's chapter 03;
// `swift run chapter03-realnvp --help` lists every setting.
import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Checkpoints
import Evaluation
import Training
import Figures
import Course

/// The chapter's settings. Each model has its own run length: Real NVP's 400 iterations
/// take about as long as NICE's 3000 on two cores, and its convolutions make a validation
/// pass cost as much as 30 training steps, so its curve is measured on 2,000 images. The
/// command line's --iterations, --validation-images, ... override the chosen model's.
struct Settings: ChapterSettings {
    var model = ModelChoice.nice
    /// How long each model trains and on how many images it is measured.
    var nice = ModelRun(iterations: 3000, evaluateEvery: nil, validationImages: 10_000, testImages: 10_000)
    var realnvp = ModelRun(iterations: 400, evaluateEvery: nil, validationImages: 2000, testImages: 10_000)
    var batchSize = 100
    var dataset: DatasetName?
    /// Overrides of the chosen model's run (nil: the model's own).
    var length: TrainingLength?
    var evaluateEvery: Int?
    var validationImages: Int?
    var testImages: Int?
    /// Samples scored by chapter 06's digit classifier at T = 1 and 0.7 (nil: none).
    var modeSamples: Int?

    struct ModelRun: Codable {
        var iterations: Int
        /// Iterations between validation passes (nil: a sixth of the run, at most 500).
        var evaluateEvery: Int?
        var validationImages, testImages: Int
    }

    static let presets = [
        Preset("default", Settings(), help: "the book's figures (about 9 minutes for NICE, 11 for --model realnvp)"),
        Preset("quick", Settings(nice: ModelRun(iterations: 40, evaluateEvery: 20, validationImages: 1000, testImages: 1000),
                                 realnvp: ModelRun(iterations: 10, evaluateEvery: 5, validationImages: 300, testImages: 300)),
               help: "a smoke run (under a minute for either model)"),
    ]
    static let table: [Setting<Settings>] = [
        Setting.choice("model", \.model, "the flow: nice (the paper's MNIST generator) or realnvp (small multi-scale)")
            .notNamingTheRun(),
    ] + Setting.trainingLength(\.length, auto: " (auto: the model's, 3000 for NICE and 400 for Real NVP)") + [
        .integer("batch-size", \.batchSize, 1...10_000, "images per batch"),
        Setting.choice("dataset", \.dataset, "mnist or fashion-mnist (auto: MNIST if found, else Fashion-MNIST)")
            .requiring { $0.dataset == .cifar10 ? "chapter 03 trains on 28x28 images: --dataset mnist or fashion-mnist" : nil },
        .integer("evaluate-every", \.evaluateEvery, 1...1_000_000, "iterations between validation passes (auto: the model's)"),
        .integer("validation-images", \.validationImages, 1...10_000, "validation images (auto: the model's, all for NICE, 2000 for Real NVP)"),
        .integer("test-images", \.testImages, 1...10_000, "test images (auto: the model's, all)"),
        .integer("mode-samples", \.modeSamples, 100...100_000, none: "off",
                 "samples scored by chapter 06's classifier (MODE, Inception-style) at T = 1 and 0.7"),
    ]

    enum ModelChoice: String, Codable, CaseIterable {
        case nice, realnvp
        var displayName: String { self == .nice ? "NICE" : "Real NVP" }
        /// The start of every file a run writes: "ch03-" for NICE, "ch03-realnvp-" for Real NVP.
        var filePrefix: String { self == .nice ? "ch03-" : "ch03-realnvp-" }
    }
}

/// ch03-results.json (NICE) or ch03-realnvp-results.json; read back to draw the comparison.
struct Results: Codable {
    struct Record: Codable {
        var iteration: Int
        var trainingSeconds, trainNll, validNll: Double
    }
    var chapter = "03-realnvp"
    var model: String
    var dataset: String
    var quick: Bool
    var parameters, iterations, batchSize, validationImages, bestIteration: Int
    var validNllNats, testNllNats, testNllStandardError, testBitsPerDim: Double
    var trainingSeconds, imagesPerSecond, seconds: Double
    var initialValidNllNormalPrior: Double?
    /// Whether f⁻¹ undoes f on the trained model (nil in files written before it was measured).
    var inverseCheck: InverseCheck?
    /// Chapter 06's classifier on the model's samples (with --mode-samples).
    var sampleScores: SampleScores?
    var history: [Record]
}

/// The chapter's small multi-scale Real NVP for 28x28 images.
func realNVP(prior: Prior) -> FlowArchitecture {
    .realNVP(features: 32, blocks: 2, sampleShape: [1, 28, 28], prior: prior)
}

let program = ChapterProgram<Settings>(
    command: "chapter03-realnvp", shortName: "ch03",
    abstract: "Chapter 03: NICE and Real NVP trained by maximum likelihood on MNIST.",
    discussion: """
    Trains the paper's MNIST generator (NICE: 4 additive couplings, logistic prior) or a small \
    multi-scale Real NVP by maximum likelihood, with the recipe's Adam settings, keeps the model \
    with the best validation NLL, and reports its exact test NLL in nats per image and in bits \
    per dimension. NICE writes ch03-* figures and ch03-results.json; Real NVP writes \
    ch03-realnvp-* figures (and what each stage of the multi-scale flow does to an image) and \
    ch03-realnvp-results.json. When both results files are in the folder, either run draws \
    ch03-nice-vs-realnvp (validation NLL against training time).
    """,
    runOptions: [.dataDirectory, .checkpointDirectory, .resume])

let run = program.start()
do {
    let settings = run.settings, model = settings.model
    let checkpointFolder = try run.checkpointFolder()
    let started = Date()

    // 1. Load the data: 50,000 training, 10,000 validation and 10,000 test images.
    let data = try loadImageData(explicit: settings.dataset, search: run.dataSearch)
    guard settings.batchSize <= data.train.count else {
        throw ChapterError("--batch-size \(settings.batchSize) is larger than the \(data.train.count) training images")
    }
    let modelRun = model == .nice ? settings.nice : settings.realnvp
    let total = try (settings.length ?? .iterations(modelRun.iterations)).iterations(perEpoch: data.train.count / settings.batchSize)
    let evaluateEvery = settings.evaluateEvery ?? modelRun.evaluateEvery ?? max(1, min(500, total / 6))
    let validation = data.validation.slice(0..<min(settings.validationImages ?? modelRun.validationImages, data.validation.count))
    let test = data.test.slice(0..<min(settings.testImages ?? modelRun.testImages, data.test.count))
    print("Chapter 03: \(model.rawValue) on \(data.name.displayName), \(total) iterations of batch \(settings.batchSize)")

    // 2. Build the flow and its trainer (the recipe's Adam: 1e-4, β1 = 0.5, β2 = 0.9).
    // [book:ch03-model]
    var generator = RandomGenerator(seed: run.seed)
    // Real NVP gets NICE's logistic prior, so that the two differ in architecture only.
    let architecture = model == .nice ? FlowArchitecture.nice : realNVP(prior: .standardLogistic)
    let flow = architecture.build(generator: &generator)
    let trainer = FlowTrainer(model: flow, learningRate: 1e-4, beta1: 0.5, beta2: 0.9,
                              batchSize: settings.batchSize, seed: run.seed)
    // [/book:ch03-model]
    print("\(flow.parameterCount) parameters")

    // 3. Resume from the last checkpoint if asked; else record the untrained model, so that
    //    the learning curve starts where training does.
    let description = "\(model.rawValue)-\(data.name.rawValue)-\(flow.parameterCount)"
    let checkpoint = (checkpointFolder as NSString).appendingPathComponent("ch03-\(model.rawValue)-training.safetensors")
    if run.resume && FileManager.default.fileExists(atPath: checkpoint) {
        try trainer.loadCheckpoint(from: checkpoint, description: description, maximumIterations: total)
        print("Resumed from \(checkpoint) at iteration \(trainer.iteration)")
    } else {
        if run.resume { note("\(checkpoint) not found: training starts from the beginning") }
        trainer.record(TrainingRecord(iteration: 0, seconds: 0, trainLoss: .nan,
                                      validationNLL: evaluateNLL(flow, images: validation.images).mean))
    }

    // 4. Train by maximum likelihood, evaluating and checkpointing every `evaluateEvery` steps.
    // [book:ch03-loop]
    let progress = ProgressLine("training", total: total, startingAt: trainer.iteration)
    var lossSum = 0.0, lossCount = 0
    // The records' seconds count training steps only (not evaluation), across resumes,
    // so that two models can be compared at equal training time.
    var trainingSeconds = trainer.history.last?.seconds ?? 0
    while trainer.iteration < total {
        let stepStarted = Date()
        let batch = data.train.gather(trainer.batchIndices(trainCount: data.train.count))
        lossSum += Double(try trainer.maximumLikelihoodStep(batch.images))
        trainingSeconds += Date().timeIntervalSince(stepStarted)
        lossCount += 1
        progress.update(trainer.iteration, metric: String(format: "NLL %.1f", lossSum / Double(lossCount)))
        if trainer.iteration % evaluateEvery == 0 || trainer.iteration == total {
            let nll = evaluateNLL(flow, images: validation.images)
            trainer.record(TrainingRecord(iteration: trainer.iteration, seconds: trainingSeconds,
                                          trainLoss: lossSum / Double(lossCount), validationNLL: nll.mean))
            lossSum = 0; lossCount = 0
            try trainer.saveCheckpoint(to: checkpoint, description: description)
        }
    }
    try trainer.restoreBest()
    let testNLL = evaluateNLL(flow, images: test.images)
    // [/book:ch03-loop]

    // 5. Save the best model, report its test NLL in nats and bits per dimension, and check
    //    that f⁻¹ undoes f on it: samples that look like noise could be an untrained model
    //    or a broken inverse, and these two numbers tell which (Chapter03Inverse.swift).
    try trainer.saveBest(to: (checkpointFolder as NSString).appendingPathComponent("ch03-\(model.rawValue).safetensors"),
                         metadata: ModelMetadata(architecture: architecture, model: description, chapter: "03", objective: "mle",
                                                 dataset: data.name.rawValue, iterations: trainer.iteration, seed: run.seed,
                                                 quick: run.isQuick).entries)
    let bitsPerDim = bitsPerDimension(nllNats: testNLL.mean, dimension: 784)
    print(String(format: "best validation NLL %.1f nats (iteration %d); test NLL %.1f ± %.1f nats = %.3f bits/dim",
                 trainer.best?.validationNLL ?? .nan, trainer.best?.iteration ?? 0, testNLL.mean, testNLL.standardError, bitsPerDim))
    let inverseCheck = checkInverse(flow, testImages: test.images.slice(0..<min(1000, test.count), alongAxis: 0),
                                    samples: 1000, temperatures: [1, 0.5], seed: run.seed)
    print(String(format: "f⁻¹(f(y)) on %d test images: max |error| %.1e, mean %.1e on [0, 1] (a grey level is %.1e); max %.1e after the logit",
                 inverseCheck.images, inverseCheck.roundTripMaxAbsError, inverseCheck.roundTripMeanAbsError, 1.0 / 256,
                 inverseCheck.roundTripMaxAbsErrorAfterLogit))
    print("NLL of \(inverseCheck.samples) of its own samples: "
          + inverseCheck.sampleNll.map { String(format: "%.1f ± %.1f nats at T = %g", $0.nllNats, $0.standardError, $0.temperature) }
                .joined(separator: ", ")
          + String(format: " (each within %.1e nats of -log p_Z(z) + log |det ∂f⁻¹/∂z|); test NLL %.1f",
                   inverseCheck.sampleNll.map(\.maxAbsGapToDrawNll).max() ?? .nan, testNLL.mean))

    // 6. With --mode-samples: how recognisable the samples are to chapter 06's classifier.
    let sampleScores = try settings.modeSamples.map {
        try scoreSamples(flow, data: data, count: $0, temperatures: [1, 0.7], seed: run.seed)
    }

    // 7. The numbers first: a figure that fails cannot cost the run its results. For Real NVP,
    //    also where the same untrained model would start with the standard normal prior.
    var initialNormalPrior: Double?
    if model == .realnvp {
        var again = RandomGenerator(seed: run.seed)
        initialNormalPrior = evaluateNLL(realNVP(prior: .standardNormal).build(generator: &again), images: validation.images).mean
    }
    let results = Results(
        model: model.rawValue, dataset: data.name.rawValue, quick: run.isQuick, parameters: flow.parameterCount,
        iterations: trainer.iteration, batchSize: settings.batchSize, validationImages: validation.count,
        bestIteration: trainer.best?.iteration ?? 0, validNllNats: trainer.best?.validationNLL ?? .nan,
        testNllNats: testNLL.mean, testNllStandardError: testNLL.standardError, testBitsPerDim: bitsPerDim,
        trainingSeconds: trainingSeconds,
        imagesPerSecond: Double(trainer.iteration * settings.batchSize) / max(trainingSeconds, 1e-9),   // over every session
        seconds: Date().timeIntervalSince(started), initialValidNllNormalPrior: initialNormalPrior,
        inverseCheck: inverseCheck, sampleScores: sampleScores,
        history: trainer.history.map { .init(iteration: $0.iteration, trainingSeconds: $0.seconds, trainNll: $0.trainLoss,
                                             validNll: $0.validationNLL) })
    try writeResults(results, settings: settings, preset: run.preset, seed: run.seed, to: run.path("\(model.filePrefix)results.json"))

    // 8. Draw: samples, temperatures, the learning curve; Real NVP's stages; NICE beside Real NVP.
    try drawFigures(flow: flow, trainer: trainer, dataName: data.name.displayName, model: model, seed: run.seed, folder: run.folder)
    if model == .realnvp {
        // The image as the model sees it in training: dequantised, y = (255x + u)/256.
        var noise = RandomGenerator(seed: run.seed, stream: .stageImageNoise)
        try drawStages(flow: flow, image: Dequantization.apply(test.images.slice(0..<1, alongAxis: 0), generator: &noise),
                       folder: run.folder)
    }
    try drawComparison(run: run)
    print("Wrote figures and \(model.filePrefix)results.json to \(run.folder)/")
} catch {
    run.stop(error)
}
