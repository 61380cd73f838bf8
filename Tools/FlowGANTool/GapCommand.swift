import ArgumentParser
import Foundation
import TensorCore
import Datasets
import Figures
import Course

/// `flowgan gap`: is a model's likelihood as good on images it never saw as on the images it
/// trained on? A test NLL far above the training NLL (many standard errors) means the model
/// learnt something about its own training images that does not carry over to new ones.
struct GapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gap",
        abstract: "Compares a model's NLL on the images it trained on with its NLL on validation and test images.",
        discussion: """
        Computes the exact NLL of the first --images images of each split of the model's data \
        set (train: the images its chapter trained on; validation; test), each image \
        dequantised as 'flowgan score' does, and prints each split's mean with its standard \
        error and the gap, test minus train, with the gap's standard error (the two sets are \
        independent: the square root of the sum of their squared errors). A gap of many \
        standard errors says the model fits its training images better than new ones. \
        Writes flowgan-gap.json (every model) and, per model, a histogram of the training and \
        test NLLs (flowgan-gap-<model>.png with its gnuplot script and data) in --out.

        Example: flowgan gap --checkpoint-dir Checkpoints/ch05-classroom-long
        """)

    @OptionGroup var folders: ModelFolders
    @Option(help: "The model (default: every model in the checkpoint folder).")
    var model: String?
    @Option(help: "How many images of each split (the first ones, 100...10000).")
    var images = 10_000
    @OptionGroup var figureFolder: FigureFolder

    func validate() throws {
        guard (100...10_000).contains(images) else { throw ValidationError("--images must be in 100...10000, got \(images)") }
    }

    func run() throws {
        let catalog = try folders.catalog()
        let models = try catalog.loadModels(model)
        try ensureWritableFolder(figureFolder.folder, option: "--out")
        let splitsOf = try folders.splits(for: models)
        var report = GapReport(images: images, models: [:])
        for loaded in models {
            print("model: \(loaded.label)")
            let splits = splitsOf[loaded.dataset]!
            var nlls: [String: [Double]] = [:]
            for (name, split) in [("train", splits.train), ("validation", splits.validation), ("test", splits.test)] {
                let pixels = split.images.slice(0..<min(images, split.count), alongAxis: 0)
                nlls[name] = exactNLLTerms(loaded.flow, images: pixels).map(\.nll)
            }
            let summary = GapSummary(train: nlls["train"]!, validation: nlls["validation"]!, test: nlls["test"]!,
                                     iterations: loaded.metadata.iterations)
            report.models[loaded.name] = summary
            for (name, split) in [("train", summary.train), ("validation", summary.validation), ("test", summary.test)] {
                print(String(format: "  %@: mean NLL %.1f ± %.1f nats over %d images", name, split.meanNllNats,
                             split.standardError, split.images))
            }
            print(String(format: "  gap, test minus train: %.1f ± %.1f nats (%.1f standard errors); validation minus train %.1f ± %.1f",
                         summary.testMinusTrainNats, summary.testMinusTrainStandardError,
                         summary.testMinusTrainNats / summary.testMinusTrainStandardError,
                         summary.validationMinusTrainNats, summary.validationMinusTrainStandardError))
            let figure = overlaidHistograms(
                name: "flowgan-gap-\(fileSafe(loaded.name))",
                title: "NLL of \(loaded.dataset.displayName) training and test images under \(loaded.name)",
                xLabel: "NLL (nats per image; lower: likelier; the 1% beyond either end counted in the end bins)",
                sets: [("training images (mean \(String(format: "%.1f", summary.train.meanNllNats)))", nlls["train"]!, "#1f5fa8"),
                       ("test images (mean \(String(format: "%.1f", summary.test.meanNllNats)))", nlls["test"]!, "#c0392b")])
            if let message = try figure.write(to: figureFolder.folder) { note(message) }
        }
        let json = try figureFolder.writeNumbers(report, name: "flowgan-gap")
        print("results: \(json); figures: flowgan-gap-<model>.png in \(figureFolder.folder)")
    }
}

/// The numbers `flowgan gap` writes, per model.
struct GapReport: Codable {
    var images: Int
    var models: [String: GapSummary]
}

struct GapSummary: Codable {
    struct Split: Codable {
        var images: Int
        var meanNllNats: Double
        /// The standard error of the mean: the sample standard deviation over √images.
        var standardError: Double

        init(_ nlls: [Double]) {
            images = nlls.count
            (meanNllNats, standardError) = meanAndStandardError(nlls)
        }
    }
    var iterations: Int?
    var train, validation, test: Split
    var testMinusTrainNats, testMinusTrainStandardError: Double
    var validationMinusTrainNats, validationMinusTrainStandardError: Double

    init(train: [Double], validation: [Double], test: [Double], iterations: Int?) {
        (self.train, self.validation, self.test) = (Split(train), Split(validation), Split(test))
        self.iterations = iterations
        // Independent sets: the variance of a difference of means is the sum of their variances.
        testMinusTrainNats = self.test.meanNllNats - self.train.meanNllNats
        testMinusTrainStandardError = (pow(self.test.standardError, 2) + pow(self.train.standardError, 2)).squareRoot()
        validationMinusTrainNats = self.validation.meanNllNats - self.train.meanNllNats
        validationMinusTrainStandardError = (pow(self.validation.standardError, 2) + pow(self.train.standardError, 2)).squareRoot()
    }
}
