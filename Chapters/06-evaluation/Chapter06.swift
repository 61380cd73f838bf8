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
        """)

    @OptionGroup var options: ChapterOptions

    @Option(help: "Folder with chapter 05's models (ch05-mle.safetensors, ...) and the classifier cache.")
    var checkpointDir: String = "Checkpoints"

    @Option(help: "Generated samples for the KDE and the scores (default 10000, or 1000 with --quick).")
    var samples: Int?

    @Option(help: "Test images for the AIS estimate (default 10, or 2 with --quick).")
    var aisImages: Int?

    @Option(help: "Random latent points for the Jacobian spectra (default 5, or 1 with --quick).")
    var jacobianPoints: Int?

    @Option(help: "Data set: mnist or fashion-mnist (default: MNIST if found, else Fashion-MNIST).")
    var dataset: DatasetName?

    func validate() throws {
        if let samples { guard samples >= 100 && samples <= 100_000 else { throw ValidationError("--samples must be in 100...100000, got \(samples)") } }
        if let aisImages { guard aisImages >= 1 && aisImages <= 10_000 else { throw ValidationError("--ais-images must be in 1...10000, got \(aisImages)") } }
        if let jacobianPoints { guard jacobianPoints >= 1 && jacobianPoints <= 1000 else { throw ValidationError("--jacobian-points must be in 1...1000, got \(jacobianPoints)") } }
        if dataset == .cifar10 { throw ValidationError("chapter 06 evaluates chapter 05's 28x28 models: --dataset mnist or fashion-mnist") }
    }

    func run() throws {
        try options.prepareOutput()
        let started = Date()
        let data = try loadImageData(explicit: dataset, search: options.dataSearch)
        let sampleCount = samples ?? (options.quick ? 1000 : 10_000)
        var results = ResultsFile()
        results["chapter"] = "06-evaluation"
        results["dataset"] = data.name.rawValue
        results["seed"] = Int(options.seed)
        results["quick"] = options.quick
        results["samples"] = sampleCount

        // The classifier behind the MODE and Inception-style scores.
        // A smoke run trains a rough classifier on 5,000 images and caches it separately.
        let classifierPath = (checkpointDir as NSString).appendingPathComponent(
            "ch06-classifier-\(data.name.rawValue)\(options.quick ? "-quick" : "").safetensors")
        let (classifier, accuracy, _) = try DigitClassifier.trainOrLoad(data: data, cachePath: classifierPath,
                                                                        epochs: options.quick ? 1 : 3, seed: options.seed,
                                                                        trainingImages: options.quick ? 5000 : nil)
        results["classifier_test_accuracy"] = accuracy
        print(String(format: "classifier test accuracy %.2f%%", 100 * accuracy))
        let marginal = SampleQuality.labelMarginal(data.train.labels)

        // Real test images as the reference for the scores.
        let reference = data.test.slice(0..<min(sampleCount, data.test.count))
        let referenceProbabilities = classifier.probabilities(reference.images)
        let realMode = SampleQuality.modeScore(probabilities: referenceProbabilities, trainingLabelMarginal: marginal)
        let realInception = SampleQuality.inceptionScore(probabilities: referenceProbabilities)
        results["test_images"] = ["mode_score": realMode.mean, "mode_score_sd": realMode.standardDeviation,
                                  "inception_score": realInception.mean, "inception_score_sd": realInception.standardDeviation]

        var table: [(Objective, ModelEvaluation)] = []
        for objective in Objective.allCases {
            let model = try loadOrTrainModel(objective, data: data)
            let evaluation = try evaluate(model, objective: objective, data: data, classifier: classifier,
                                          marginal: marginal, sampleCount: sampleCount)
            table.append((objective, evaluation))
            results[objective.rawValue] = evaluation.dictionary
        }
        results["rankings"] = rankings(table)
        try drawJacobianSpectra(table)
        results["gaussian_mixture_baseline"] = try gaussianMixtureBaseline(data: data, classifier: classifier, marginal: marginal,
                                                                          adv: table.first { $0.0 == .adv }!.1)
        results["seconds"] = Date().timeIntervalSince(started)
        try results.write(to: options.outputPath("ch06-results.json"))
        print("Wrote figures and ch06-results.json to \(options.out)/")
    }

    /// Best first, by each method's NLL (lower is a better likelihood).
    func rankings(_ table: [(Objective, ModelEvaluation)]) -> [String: [String]] {
        func order(_ key: (ModelEvaluation) -> Double) -> [String] {
            table.sorted { key($0.1) < key($1.1) }.map { $0.0.rawValue }
        }
        return ["exact": order(\.exactNLL.mean), "ais": order(\.ais.meanNLL), "kde": order(\.kdeNLL.mean)]
    }
}
