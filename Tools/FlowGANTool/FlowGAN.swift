import ArgumentParser
import Foundation
import TensorCore
import Datasets
import Figures
import Course

/// `flowgan`: a student's probe of the models the chapters saved. Each subcommand is in a
/// file of its own (ModelsCommand.swift, SampleCommand.swift, ...); this file holds what
/// they share: the folders they read and write, and the one-line error handling.
public struct FlowGAN: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "flowgan",
        abstract: "Pokes at the flows the chapters trained: samples, likelihoods of your own digits, latent paths.",
        discussion: """
        Reads the models chapters 03 and 05 saved (ch03-nice, ch03-realnvp, ch05-mle, ch05-adv, \
        ch05-hybrid) from Checkpoints/ and the folders inside it, or from --checkpoint-dir. \
        Start with 'flowgan models'; train a model in a minute with \
        'swift run chapter05-hybrid --quick --checkpoint-dir /tmp/fg-ck'.
        """,
        subcommands: [ModelsCommand.self, SampleCommand.self, ScoreCommand.self, InterpolateCommand.self,
                      ReconstructCommand.self, ExtremesCommand.self, OODCommand.self, GapCommand.self, BatchNormCommand.self, CheckCommand.self])

    public init() {}

    /// Runs the command line `arguments` (without the program's name): help to standard
    /// output, any failure as one line "Error: ..." on standard error. Returns the exit
    /// status as the chapters do (README.md): 0, 64 for a bad option or value (caught while
    /// parsing, before any work), 1 for a model or file that cannot be used.
    public static func run(_ arguments: [String]) -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            return 0
        } catch {
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))   // --help
                return 0
            }
            let message = error is ChapterError || error is FigureError ? "\(error)" : Self.message(for: error)
            let line = message.split(separator: "\n").first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("Error: \(line)\n".utf8))
            return exitCode(for: error) == .validationFailure ? ExitCode.validationFailure.rawValue : 1
        }
    }
}

/// Where the models and the test images are.
struct ModelFolders: ParsableArguments {
    @Option(name: .customLong("checkpoint-dir"), help: ArgumentHelp("The folder of the chapters' models (and the folders inside it).",
                                                                    valueName: "folder"))
    var checkpointDirectory = "Checkpoints"

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("The folder holding mnist/ (default: ./Data, then /usr/share/datasets).",
                                                              valueName: "folder"))
    var dataDirectory: String?

    func validate() throws {
        guard !checkpointDirectory.isEmpty else { throw ValidationError("--checkpoint-dir: an empty folder name") }
        if dataDirectory?.isEmpty == true { throw ValidationError("--data-dir: an empty folder name") }
    }

    func catalog() throws -> ModelCatalog { try ModelCatalog(folder: checkpointDirectory) }

    /// The training, validation and test splits of each data set `models` were trained on,
    /// each read once.
    func splits(for models: [LoadedModel]) throws -> [DatasetName: DatasetSplits] {
        var splits: [DatasetName: DatasetSplits] = [:]
        for dataset in Set(models.map(\.dataset)) {
            splits[dataset] = try DatasetSplits.load(dataset, search: DataSearch(explicitDirectory: dataDirectory))
        }
        return splits
    }

    /// The test images of the data set `model` was trained on (MNIST's 10,000).
    func testImages(for model: LoadedModel) throws -> LabelledImages {
        try DatasetSplits.load(model.dataset, search: DataSearch(explicitDirectory: dataDirectory)).test
    }
}

/// Where figures go.
struct FigureFolder: ParsableArguments {
    @Option(name: .customLong("out"), help: ArgumentHelp("The folder for the figure (a PNG and its gnuplot script).", valueName: "folder"))
    var folder = "Runs/flowgan"

    /// Writes `figure` into the folder (created if needed) and says where, in one line.
    func write(_ figure: ImageGridFigure) throws {
        try ensureWritableFolder(folder, option: "--out")
        if let message = try figure.write(to: folder) { note(message) }
        print("figure: \((folder as NSString).appendingPathComponent(figure.name)).png (and \(figure.name).gp, \(figure.name)-grid.png)")
    }

    /// Writes the numbers a command printed as `name.json` in the folder (created if needed),
    /// as the chapters write their results (`writeJSON`), and returns its path.
    func writeNumbers<T: Encodable>(_ numbers: T, name: String) throws -> String {
        try ensureWritableFolder(folder, option: "--out")
        let path = (folder as NSString).appendingPathComponent(name + ".json")
        try writeJSON(numbers, to: path)
        return path
    }
}

/// How many test images the likelihood rankings and percentiles use.
struct ReferenceImages: ParsableArguments {
    @Option(name: .customLong("test-images"), help: "How many test images (the first ones) the NLL rankings use.")
    var count = 1000

    func validate() throws {
        guard (1...10_000).contains(count) else { throw ValidationError("--test-images must be in 1...10000, got \(count)") }
    }
}

/// `name` made safe for a file name ("ch05-quick/ch05-hybrid" -> "ch05-quick-ch05-hybrid").
func fileSafe(_ name: String) -> String {
    String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "-" })
}

/// NLLs for a figure's axis label, short enough to fit under the grid: whole nats from
/// 100 up, one decimal below.
func nllLabel(_ nlls: [Double]) -> String {
    "NLL (nats): " + nlls.map { String(format: abs($0) >= 100 ? "%.0f" : "%.1f", $0) }.joined(separator: ", ")
}

extension RandomStream {
    /// The latent draws of `flowgan sample`.
    static let toolSamples = RandomStream(901)
}
