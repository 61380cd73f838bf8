import ArgumentParser
import Foundation
import TensorCore
import Datasets
import Checkpoints
import Training
import Course

/// `flowgan batchnorm`: what batch norm's running averages do to a model's likelihood.
struct BatchNormCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batchnorm",
        abstract: "Re-estimates a model's batch-norm averages on its training images and reports its test NLL before and after.",
        discussion: """
        In evaluation mode a flow's coupling networks normalise with the running averages \
        their batch norms kept during training. A model trained with a critic (ADV, hybrid) \
        also ran those networks on its own samples, so its averages mix the statistics of \
        generated images into those of real ones. This command passes --batches batches of 100 \
        training images through the model's likelihood in training mode (no parameter \
        changes: only the averages move, as in a maximum-likelihood step's forward pass), then \
        prints the mean exact NLL of the first --test-images test images before and after. \
        With --save FOLDER it writes each model so changed into FOLDER under its own file name \
        (its metadata says so), for 'flowgan' and 'chapter06-evaluation --checkpoint-dir FOLDER'.

        Example: flowgan batchnorm --checkpoint-dir Checkpoints/ch05-classroom-long --save Runs/bn-classroom-long
        """)

    @OptionGroup var folders: ModelFolders
    @Option(help: "The model (default: every model in the checkpoint folder).")
    var model: String?
    @Option(help: "Batches of 100 training images to re-estimate the averages on (1...10000).")
    var batches = 200
    @Option(help: "How many test images (the first ones) the NLL is measured on (100...10000).")
    var testImages = 10_000
    @Option(help: ArgumentHelp("A folder to save the changed models in (default: none saved).", valueName: "folder"))
    var save: String?
    @Option(help: ArgumentHelp("The JSON file of the numbers (default: flowgan-batchnorm.json in --save, else none).", valueName: "file"))
    var json: String?

    func validate() throws {
        guard (1...10_000).contains(batches) else { throw ValidationError("--batches must be in 1...10000, got \(batches)") }
        guard (100...10_000).contains(testImages) else { throw ValidationError("--test-images must be in 100...10000, got \(testImages)") }
        if save?.isEmpty == true { throw ValidationError("--save: an empty folder name") }
        if json?.isEmpty == true { throw ValidationError("--json: an empty file name") }
    }

    func run() throws {
        let catalog = try folders.catalog()
        let models = try catalog.loadModels(model)
        if let save {
            try ensureWritableFolder(save, option: "--save")
            guard (save as NSString).standardizingPath != (catalog.folder as NSString).standardizingPath else {
                throw ChapterError("--save \(save) is the checkpoint folder itself: name another folder, the trained models stay as they are")
            }
        }
        if let json {
            let folder = (json as NSString).deletingLastPathComponent
            try ensureWritableFolder(folder.isEmpty ? "." : folder, option: "--json")
        }
        var report = BatchNormReport(batches: batches, batchSize: 100, testImages: testImages, models: [:])
        let splitsOf = try folders.splits(for: models)
        for loaded in models {
            print("model: \(loaded.label)")
            let splits = splitsOf[loaded.dataset]!
            let test = splits.test.images.slice(0..<min(testImages, splits.test.count), alongAxis: 0)
            let before = mean(exactNLLTerms(loaded.flow, images: test).map(\.nll))
            var generator = RandomGenerator(seed: 0, stream: .batchNormAverages)
            reestimateBatchNormAverages(loaded.flow, images: splits.train.images, batches: batches, generator: &generator)
            let after = mean(exactNLLTerms(loaded.flow, images: test).map(\.nll))
            print(String(format: "  mean test NLL %.1f nats with its own averages, %.1f with averages re-estimated on %d training batches (%+.1f)",
                         before, after, batches, after - before))
            report.models[loaded.name] = .init(testNllNatsBefore: before, testNllNatsAfter: after, change: after - before)
            if let save {
                var metadata = loaded.metadata.entries
                metadata["batch_norm_averages"] = "re-estimated on \(batches) batches of 100 training images (flowgan batchnorm)"
                let path = (save as NSString).appendingPathComponent((loaded.path as NSString).lastPathComponent)
                try saveModel(loaded.flow, metadata: metadata, to: path)
                print("  saved: \(path)")
            }
        }
        if let path = json ?? save.map({ ($0 as NSString).appendingPathComponent("flowgan-batchnorm.json") }) {
            try writeJSON(report, to: path)
            print("results: \(path)")
        }
    }
}

/// The numbers `flowgan batchnorm` writes: per model, the mean test NLL before and after.
struct BatchNormReport: Codable {
    struct Model: Codable {
        var testNllNatsBefore, testNllNatsAfter, change: Double
    }
    var batches, batchSize, testImages: Int
    var models: [String: Model]
}

extension RandomStream {
    /// Dequantisation noise of the batches `flowgan batchnorm` re-estimates the averages on.
    static let batchNormAverages = RandomStream(902)
}
