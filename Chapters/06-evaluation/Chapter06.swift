import ArgumentParser
import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import GAN
import Training
import Evaluation
import Figures
import Course

/// Chapter 06's settings in one place: the default run, the `--quick` smoke run, and
/// CIFAR-10, where every pass through the recipe's Real NVP costs far more than one
/// through NICE. Command-line options override single values.
struct EvaluationSettings {
    /// Generated samples for the KDE and the sample-quality scores.
    var samples: Int
    /// Test images for the exact NLL and the KDE (nil: all 10,000).
    var testImages: Int?
    /// Test images the AIS estimate anneals, and its schedule (steps nil: `--ais-steps`).
    var aisImages: Int
    var aisSteps: Int?
    var aisLeapfrogSteps = 5
    var aisChains: Int
    /// Random latent points for the Jacobian spectra, and the rows of dG/dz they take
    /// (nil: all).
    var jacobianPoints: Int
    var jacobianRows: Int?
    /// The classifier behind the scores: epochs, and training images (nil: all).
    var classifierEpochs: Int
    var classifierImages: Int?
    /// Schedule lengths of the AIS convergence study (`--ais-study`).
    var aisStudySteps: [Int]
    /// The Gaussian-mixture baseline: training images it centres on (nil: all), how many
    /// bandwidths it tries, and how many samples it scores at each.
    var mixtureCentres: Int?
    var mixtureBandwidths: Int
    var mixtureSamples: Int

    static func chosen(quick: Bool, cifar: Bool) -> EvaluationSettings {
        switch (quick, cifar) {
        case (false, false):
            return EvaluationSettings(samples: 10_000, testImages: nil, aisImages: 20, aisSteps: nil, aisChains: 4,
                                      jacobianPoints: 20, jacobianRows: nil, classifierEpochs: 3, classifierImages: nil,
                                      aisStudySteps: [10, 30, 100, 300, 1000, 3000],
                                      mixtureCentres: nil, mixtureBandwidths: 10, mixtureSamples: 2000)
        case (true, false):
            return EvaluationSettings(samples: 1000, testImages: 1000, aisImages: 2, aisSteps: 20, aisChains: 2,
                                      jacobianPoints: 1, jacobianRows: nil, classifierEpochs: 1, classifierImages: 5000,
                                      aisStudySteps: [5, 10], mixtureCentres: 5000, mixtureBandwidths: 4, mixtureSamples: 2000)
        case (false, true):
            return EvaluationSettings(samples: 1000, testImages: 1000, aisImages: 2, aisSteps: 20, aisChains: 2,
                                      jacobianPoints: 1, jacobianRows: 768, classifierEpochs: 5, classifierImages: nil,
                                      aisStudySteps: [10, 30, 100, 300, 1000, 3000],
                                      mixtureCentres: nil, mixtureBandwidths: 10, mixtureSamples: 2000)
        case (true, true):
            return EvaluationSettings(samples: 500, testImages: 1000, aisImages: 2, aisSteps: 10, aisChains: 2,
                                      jacobianPoints: 1, jacobianRows: 256, classifierEpochs: 1, classifierImages: 5000,
                                      aisStudySteps: [5, 10], mixtureCentres: 5000, mixtureBandwidths: 4, mixtureSamples: 500)
        }
    }
}

/// Chapter 06: the three models of chapter 05 measured every way the paper measured them.
@main
struct Chapter06: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter06-evaluation",
        abstract: "Chapter 06: exact likelihood against KDE and AIS estimates, sample-quality scores, Jacobian spectra.",
        discussion: """
        Reads the MLE, ADV and hybrid models that chapter05-hybrid saved in --checkpoint-dir \
        (with --quick, trains tiny stand-ins if they are missing) and measures each: exact \
        test NLL, a KDE (Parzen) estimate, an AIS estimate, MODE and Inception-style scores \
        from a classifier trained here, and the singular values of the generator's Jacobian. \
        Also the paper's baseline of one Gaussian per training image. Writes ch06-* figures \
        and ch06-results.json.

        With --dataset cifar10 it evaluates the Real NVP models of 'chapter05-hybrid --dataset \
        cifar10' (rebuilt from the size in their metadata) on 3x32x32 images, reports NLL in \
        bits/dim too, and trains a small CIFAR-10 classifier (5 epochs) for the scores. Every \
        pass through the recipe's Real NVP costs far more than one through NICE, so the CIFAR \
        defaults are smaller: 1000 test images for the exact NLL and the KDE, 1000 samples, \
        2 AIS images with 20 annealing steps and 2 chains, and the singular values of 768 \
        evenly spaced rows of the 3072x3072 Jacobian at 1 point (--jacobian-rows 3072 for \
        all of it); with the recipe's model that is still tens of minutes per model on two \
        cores.
        """)

    @OptionGroup var options: ChapterOptions

    /// This run's settings (CIFAR-10 is only ever chosen by `--dataset cifar10`).
    var settings: EvaluationSettings { .chosen(quick: options.quick, cifar: dataset == .cifar10) }

    @Option(help: "Folder with chapter 05's models (ch05-mle.safetensors, ...) and the classifier cache (default: where chapter 05 run with the same --quick and --dataset saves them: Checkpoints, or Checkpoints/ch05-quick, ...).")
    var checkpointDir: String?

    @Option(help: "Generated samples for the KDE and the scores (default 10000, or 1000 with --quick; CIFAR-10 1000, or 500).")
    var samples: Int?

    @Option(help: "Test images for the AIS estimate (default 20, CIFAR-10 2, or 2 with --quick).")
    var aisImages: Int?

    @Option(help: "Random latent points for the Jacobian spectra (default 20, or 1 with --quick).")
    var jacobianPoints: Int?

    @Option(help: "AIS: sigma of the Gaussian observation noise p(x|z) = N(x; G(z), sigma^2 I); it sets the floor (D/2) log(2 pi sigma^2) no AIS estimate of the NLL can go below.")
    var aisSigma: Double = 0.003

    @Option(help: "AIS: annealing steps (intermediate distributions) per chain.")
    var aisSteps: Int = 300

    @Flag(help: "Also run the AIS convergence study: the estimate on 2 test images per model against the number of annealing steps (10 to 3000), beside their exact NLL (several minutes).")
    var aisStudy = false

    @Option(help: "Rows of dG/dz, evenly spaced, whose singular values the spectra take (default all; CIFAR-10 768 of 3072, or 256 with --quick).")
    var jacobianRows: Int?

    @Option(help: "Data set: mnist, fashion-mnist or cifar10 (default: MNIST if found, else Fashion-MNIST).")
    var dataset: DatasetName?

    func validate() throws {
        if let samples { guard samples >= 100 && samples <= 100_000 else { throw ValidationError("--samples must be in 100...100000, got \(samples)") } }
        if let aisImages { guard aisImages >= 1 && aisImages <= 10_000 else { throw ValidationError("--ais-images must be in 1...10000, got \(aisImages)") } }
        if let jacobianRows { guard jacobianRows >= 1 else { throw ValidationError("--jacobian-rows must be positive, got \(jacobianRows)") } }
        if let jacobianPoints { guard jacobianPoints >= 1 && jacobianPoints <= 1000 else { throw ValidationError("--jacobian-points must be in 1...1000, got \(jacobianPoints)") } }
        guard aisSigma >= 1e-4 && aisSigma <= 1 else { throw ValidationError("--ais-sigma must be in 0.0001...1, got \(aisSigma)") }
        guard (1...100_000).contains(aisSteps) else { throw ValidationError("--ais-steps must be in 1...100000, got \(aisSteps)") }
    }

    mutating func run() throws {
        try options.prepare(chapter: "ch06", changes: [ChapterOptions.setting("samples", samples),
                                                       ChapterOptions.setting("ais-images", aisImages),
                                                       ChapterOptions.setting("jacobian-points", jacobianPoints),
                                                       ChapterOptions.setting("jacobian-rows", jacobianRows),
                                                       aisSigma != 0.003 ? "ais-sigma-\(aisSigma)" : nil,
                                                       aisSteps != 300 ? "ais-steps-\(aisSteps)" : nil,
                                                       aisStudy ? "ais-study" : nil,
                                                       ChapterOptions.setting("dataset", dataset?.rawValue)])
        // Chapter 05's models: where chapter 05 run with the same --quick and --dataset saved them.
        let modelsRun = RunPlan(chapter: "ch05", changes: (options.quick ? ["quick"] : []) + [ChapterOptions.setting("dataset", dataset?.rawValue)].compactMap { $0 })
        let checkpointDir = try modelsRun.checkpointFolder(checkpointDir, reading: true)
        let started = Date()
        let data = try loadImageData(explicit: dataset, search: options.dataSearch)
        let isCIFAR = data.name == .cifar10
        // The three models before anything is trained here: a missing or mismatched model
        // is reported at once.
        var models: [Objective: NormalizingFlow] = [:]
        for objective in Objective.allCases {
            models[objective] = try loadOrTrainModel(objective, data: data, checkpointDir: checkpointDir)
        }
        let sampleCount = samples ?? settings.samples
        var results = ResultsFile()
        results["chapter"] = "06-evaluation"
        results["dataset"] = data.name.rawValue
        results["seed"] = options.seed
        results["quick"] = options.quick
        results["samples"] = sampleCount

        // The classifier behind the MODE and Inception-style scores.
        // A smoke run trains a rough classifier on 5,000 images and caches it separately.
        let classifierPath = (checkpointDir as NSString).appendingPathComponent(
            "ch06-classifier-\(data.name.rawValue)\(options.quick ? "-quick" : "").safetensors")
        let classifier: any ImageClassifier, accuracy: Double
        if isCIFAR {
            // Colour images: a small CNN of its own (5 epochs; far from Inception-v3's accuracy).
            (classifier, accuracy, _) = try CIFARClassifier.trainOrLoad(data: data, cachePath: classifierPath,
                                                                        epochs: settings.classifierEpochs, seed: options.seed,
                                                                        trainingImages: settings.classifierImages)
        } else {
            (classifier, accuracy, _) = try DigitClassifier.trainOrLoad(data: data, cachePath: classifierPath,
                                                                        epochs: settings.classifierEpochs, seed: options.seed,
                                                                        trainingImages: settings.classifierImages)
        }
        results["classifier_test_accuracy"] = accuracy
        print(String(format: "classifier test accuracy %.2f%%", 100 * accuracy))
        let marginal = SampleQuality.labelMarginal(data.train.labels)

        // Real test images as the reference for the scores.
        let reference = data.test.slice(0..<min(sampleCount, data.test.count))
        let referenceProbabilities = classifier.probabilities(reference.images)
        let realMode = SampleQuality.modeScore(probabilities: referenceProbabilities, trainingLabelMarginal: marginal)
        let realInception = SampleQuality.inceptionScore(probabilities: referenceProbabilities)
        let referencePixels = reference.images.values
        results["test_images"] = ["mode_score": realMode.mean, "mode_score_sd": realMode.standardDeviation,
                                  "inception_score": realInception.mean, "inception_score_sd": realInception.standardDeviation,
                                  "saturated_pixel_share": Double(referencePixels.filter { $0 > 0.99 }.count) / Double(referencePixels.count)]

        var table: [(Objective, ModelEvaluation)] = []
        for objective in Objective.allCases {
            let model = models[objective]!
            let evaluation = try evaluate(model, objective: objective, data: data, classifier: classifier,
                                          marginal: marginal, sampleCount: sampleCount)
            table.append((objective, evaluation))
            results[objective.rawValue] = isCIFAR
                ? evaluation.dictionary(dimension: 3072).merging(evaluation.bitsPerDimensionEntries(dimension: 3072)) { $1 }
                : evaluation.dictionary(dimension: data.test.dimension)
        }
        results["rankings"] = rankings(table)
        // The numbers first, so that no figure can cost the run its results; written again
        // with the mixture baseline at the end.
        results["seconds"] = Date().timeIntervalSince(started)
        try results.write(to: options.outputPath("ch06-results.json"))
        try drawJacobianSpectra(table)
        try drawBandwidthSearch(table, dimension: data.test.dimension)
        if aisStudy {
            results["ais_study"] = try aisConvergenceStudy(models: Objective.allCases.map { ($0, models[$0]!) }, data: data)
        }
        results["gaussian_mixture_baseline"] = try gaussianMixtureBaseline(data: data, classifier: classifier, marginal: marginal,
                                                                          models: table)
        results["seconds"] = Date().timeIntervalSince(started)
        try results.write(to: options.outputPath("ch06-results.json"))
        print("Wrote figures and ch06-results.json to \(options.folder)/")
    }

    /// Best first, by each method's NLL (lower is a better likelihood).
    func rankings(_ table: [(Objective, ModelEvaluation)]) -> [String: [String]] {
        func order(_ key: (ModelEvaluation) -> Double) -> [String] {
            table.sorted { key($0.1) < key($1.1) }.map { $0.0.rawValue }
        }
        return ["exact": order(\.exactNLL.mean), "ais": order(\.ais.meanNLL), "kde": order(\.kdeNLL.mean)]
    }
}
