// Chapter 06: the three models of chapter 05 measured every way the paper measured them: exact
// likelihood against KDE and AIS estimates, sample-quality scores, and the singular values of
// the generator's Jacobian; beside the paper's baseline of one Gaussian per training image.
// Read top to bottom beside book.md's chapter 06; `swift run chapter06-evaluation --help`
// lists every setting.
import Foundation
import TensorCore
import Datasets
import Flows
import Checkpoints
import GAN
import Evaluation
import Figures
import Course

/// The chapter's settings. CIFAR-10 has presets of its own, as every pass through the
/// recipe's Real NVP costs far more than one through NICE; `--dataset cifar10` chooses the
/// one of the same size (`preset(_:following:)` below), under the values the command line gives.
struct Settings: ChapterSettings {
    /// Generated samples for the KDE and the sample-quality scores.
    var samples = 10_000
    /// Test images the AIS estimate anneals, and its schedule: annealing steps per chain and
    /// σ of the observation noise p(x|z) = N(x; G(z), σ²I), which sets the floor
    /// (D/2) log(2πσ²) no AIS estimate of the NLL can go below.
    var aisImages = 20
    var aisSteps = 125
    var aisSigma = 0.3
    /// Images simulated from each model on which bidirectional Monte Carlo measures how far
    /// AIS can be off at this σ and schedule (its gap), and tunes the HMC step sizes.
    var aisCheckImages = 8
    /// Also the AIS study: the estimate and its BDMC gap against σ, and importance sampling
    /// from the prior against its number of draws.
    var aisStudy = false
    /// Random latent points for the Jacobian spectra, and the rows of dG/dz they take (nil: all).
    var jacobianPoints = 20
    var jacobianRows: Int?
    var dataset: DatasetName?
    /// Fixed by the preset: test images for the exact NLL and the KDE (nil: all 10,000), AIS
    /// chains and leapfrog steps, the classifier's epochs and training images (nil: all),
    /// the AIS study's values of σ, the schedule length of each, its test and validation
    /// images and its largest number of prior draws, and the Gaussian-mixture baseline's
    /// training images (nil: all), bandwidths and samples scored at each.
    var testImages: Int?
    var aisChains = 2, aisLeapfrogSteps = 20
    var classifierEpochs = 3
    var classifierImages: Int?
    var aisStudySigmas = [0.5, 0.3, 0.2, 0.1]
    var aisStudySteps = [100, 100, 200, 400]
    var aisStudyTestImages = 8, aisStudyValidationImages = 8
    var aisStudyPriorDraws = 100_000
    var mixtureCentres: Int?
    var mixtureBandwidths = 10, mixtureSamples = 2000

    static let presets = [
        Preset("default", Settings(), help: "the book's numbers"),
        Preset("quick", Settings(samples: 1000, aisImages: 2, aisSteps: 10, aisCheckImages: 2, jacobianPoints: 1, testImages: 1000,
                                 aisChains: 2, aisLeapfrogSteps: 5,
                                 classifierEpochs: 1, classifierImages: 5000, aisStudySigmas: [0.3, 0.2], aisStudySteps: [5, 10],
                                 aisStudyTestImages: 2, aisStudyValidationImages: 2, aisStudyPriorDraws: 1000, mixtureCentres: 5000,
                                 mixtureBandwidths: 4), help: "a smoke run"),
        Preset("cifar", Settings(samples: 1000, aisImages: 2, aisSteps: 20, aisCheckImages: 2, jacobianPoints: 1, jacobianRows: 768,
                                 dataset: .cifar10, testImages: 1000, aisChains: 2, aisLeapfrogSteps: 5, classifierEpochs: 5),
               help: "what --dataset cifar10 chooses (tens of minutes per model with the recipe's Real NVP)"),
        Preset("cifar-quick", Settings(samples: 500, aisImages: 2, aisSteps: 10, aisCheckImages: 2, jacobianPoints: 1, jacobianRows: 256,
                                       dataset: .cifar10, testImages: 1000, aisChains: 2, aisLeapfrogSteps: 5, classifierEpochs: 1, classifierImages: 5000,
                                       aisStudySigmas: [0.3, 0.2], aisStudySteps: [5, 10], aisStudyTestImages: 2,
                                       aisStudyValidationImages: 2, aisStudyPriorDraws: 1000,
                                       mixtureCentres: 5000, mixtureBandwidths: 4, mixtureSamples: 500),
               help: "what --quick --dataset cifar10 chooses"),
    ]
    static let table: [Setting<Settings>] = [
        .integer("samples", \.samples, 100...100_000, "generated samples for the KDE and the scores"),
        .integer("ais-images", \.aisImages, 1...10_000, "test images for the AIS estimate"),
        .integer("jacobian-points", \.jacobianPoints, 1...1000, "random latent points for the Jacobian spectra"),
        .number("ais-sigma", \.aisSigma, .within(1e-4...1), "AIS: sigma of the Gaussian observation noise p(x|z)"),
        .integer("ais-steps", \.aisSteps, 1...100_000, "AIS: annealing steps (intermediate distributions) per chain"),
        .integer("ais-check-images", \.aisCheckImages, 1...1000, "AIS: images simulated from each model for the BDMC check of its accuracy"),
        .flag("ais-study", \.aisStudy, "also the AIS study: AIS and its BDMC gap against sigma, importance sampling from the prior (under an hour)"),
        .integer("jacobian-rows", \.jacobianRows, 1...1_000_000, none: "all", "rows of dG/dz, evenly spaced, whose singular values the spectra take"),
        .choice("dataset", \.dataset, "auto: MNIST if found, else Fashion-MNIST"),
    ]

    /// `--dataset cifar10` starts from the CIFAR-10 preset of the size asked for.
    static func preset(_ name: String, following settings: Settings) -> String {
        guard settings.dataset == .cifar10 else { return name }
        return name == "default" ? "cifar" : name == "quick" ? "cifar-quick" : name
    }
}

/// ch06-results.json.
struct Results: Codable {
    var chapter = "06-evaluation"
    var dataset: String
    var quick: Bool
    var samples: Int
    var classifierTestAccuracy = Double.nan
    var testImages: ReferenceScores?
    var mle, adv, hybrid: ModelEvaluation.Summary?
    var rankings: [String: [String]] = [:]
    var aisStudy: AISStudy?
    var gaussianMixtureBaseline: MixtureBaseline?
    var seconds = 0.0
}

/// The scores of real test images, the reference for the models'.
struct ReferenceScores: Codable {
    var modeScore, modeScoreSd, inceptionScore, inceptionScoreSd, saturatedPixelShare: Double
}

let program = ChapterProgram<Settings>(
    command: "chapter06-evaluation", shortName: "ch06",
    abstract: "Chapter 06: exact likelihood against KDE and AIS estimates, sample-quality scores, Jacobian spectra.",
    discussion: """
    Reads the MLE, ADV and hybrid models that chapter05-hybrid saved (with --quick, trains tiny \
    stand-ins if they are missing) and measures each: exact test NLL, a KDE (Parzen) estimate, an \
    AIS estimate, MODE and Inception-style scores from a classifier trained here, and the singular \
    values of the generator's Jacobian. Also the paper's baseline of one Gaussian per training \
    image. Writes ch06-* figures and ch06-results.json. The models are read from where chapter 05 \
    run with the same preset and --dataset saves them (Checkpoints, Checkpoints/ch05-quick, ...), \
    or from --checkpoint-dir, which also holds the classifier cache.

    With --dataset cifar10 it evaluates the Real NVP models of 'chapter05-hybrid --dataset cifar10' \
    (rebuilt from the size in their metadata) on 3x32x32 images, reports NLL in bits/dim too, and \
    trains a small CIFAR-10 classifier (5 epochs) for the scores, with the smaller CIFAR-10 values \
    (--cifar): 1000 test images for the exact NLL and the KDE, 1000 samples, 2 AIS images with 20 \
    annealing steps and 2 chains, and the singular values of 768 evenly spaced rows of the \
    3072x3072 Jacobian at 1 point (--jacobian-rows all for all of it); with the recipe's model that \
    is still tens of minutes per model on two cores.
    """,
    runOptions: [.dataDirectory, .checkpointDirectory])

let run = program.start()
do {
    let (settings, preset) = (run.settings, run.preset)
    let started = Date()
    let quick = preset.hasSuffix("quick")
    // 1. Load the data and chapter 05's three models (a missing or mismatched model is
    //    reported before anything is trained here): where chapter 05 run with the same
    //    preset, seed and --dataset saved them.
    let modelsRun = RunPlan(chapter: "ch05", preset: run.preset == "default" ? nil : run.preset, seed: run.seed,
                            settingChanges: run.plan.changes.filter { $0.hasPrefix("dataset-") })
    let checkpointFolder = try run.checkpointFolder(readingFrom: modelsRun)
    let data = try loadImageData(explicit: settings.dataset, search: run.dataSearch)
    var models: [(Objective, NormalizingFlow)] = []
    for objective in Objective.allCases {
        models.append((objective, try loadOrTrainModel(objective, data: data, folder: checkpointFolder, quick: quick, seed: run.seed)))
    }
    var results = Results(dataset: data.name.rawValue, quick: quick, samples: settings.samples)

    // 2. The classifier behind the MODE and Inception-style scores (a smoke run trains a
    //    rough one on 5,000 images and caches it separately).
    let (classifier, accuracy) = try trainOrLoadClassifier(data: data, settings: settings, folder: checkpointFolder,
                                                           quick: quick, seed: run.seed)
    results.classifierTestAccuracy = accuracy
    print(String(format: "classifier test accuracy %.2f%%", 100 * accuracy))
    let marginal = SampleQuality.labelMarginal(data.train.labels)

    // 3. Real test images as the reference for the scores.
    let reference = data.test.slice(0..<min(settings.samples, data.test.count))
    let referenceProbabilities = classifier.probabilities(reference.images)
    let realMode = SampleQuality.modeScore(probabilities: referenceProbabilities, trainingLabelMarginal: marginal)
    let realInception = SampleQuality.inceptionScore(probabilities: referenceProbabilities)
    let referencePixels = reference.images.values
    results.testImages = ReferenceScores(modeScore: realMode.mean, modeScoreSd: realMode.standardDeviation,
                                         inceptionScore: realInception.mean, inceptionScoreSd: realInception.standardDeviation,
                                         saturatedPixelShare: Double(referencePixels.filter { $0 > 0.99 }.count) / Double(referencePixels.count))

    // 4. Measure each model: exact NLL, KDE, AIS, scores, Jacobian spectra.
    var table: [(Objective, ModelEvaluation)] = []
    for (objective, model) in models {
        let evaluation = try evaluate(model, objective: objective, data: data, classifier: classifier, marginal: marginal,
                                      settings: settings, seed: run.seed)
        table.append((objective, evaluation))
        results[objective] = evaluation.summary(dimension: data.test.dimension, cifar: data.name == .cifar10)
    }
    results.rankings = rankings(table)

    // 5. The numbers first, so that no figure can cost the run its results; then draw.
    results.seconds = Date().timeIntervalSince(started)
    try writeResults(results, settings: settings, preset: preset, seed: run.seed, to: run.path("ch06-results.json"))
    try drawJacobianSpectra(table, logit: false, folder: run.folder)
    try drawJacobianSpectra(table, logit: true, folder: run.folder)
    try drawBandwidthSearch(table, dimension: data.test.dimension, folder: run.folder)

    // 6. With --ais-study: AIS and its BDMC gap against σ, each model's σ chosen on
    //    validation images, and importance sampling from the prior against its draws.
    if settings.aisStudy {
        let study = try aisStudy(models: models, data: data, settings: settings, seed: run.seed)
        results.aisStudy = study
        try drawAISAgainstSigma(study, folder: run.folder)
        try drawPriorSampling(study, folder: run.folder)
    }

    // 7. The paper's baseline: one Gaussian per training image, against σ.
    let baseline = try gaussianMixtureBaseline(data: data, classifier: classifier, marginal: marginal, models: table,
                                               settings: settings, seed: run.seed)
    results.gaussianMixtureBaseline = baseline
    try drawMixtureNLL(baseline, models: table, folder: run.folder)
    try drawMixtureMODE(baseline, models: table, folder: run.folder)

    // 8. The numbers.
    results.seconds = Date().timeIntervalSince(started)
    try writeResults(results, settings: settings, preset: preset, seed: run.seed, to: run.path("ch06-results.json"))
    print("Wrote figures and ch06-results.json to \(run.folder)/")
} catch {
    run.stop(error)
}
