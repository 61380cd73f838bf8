import ArgumentParser
import Foundation
import Datasets
import TensorCore
@_exported import Reporting

/// The options every chapter accepts.
public struct ChapterOptions: ParsableArguments {
    @Option(help: "Folder for figures, plot scripts and the results file.")
    public var out: String = "Figures"

    @Option(help: "Seed of the random generator; the same seed gives the same numbers.")
    public var seed: UInt64 = 0

    @Flag(help: "A smoke run of under a minute that still writes every figure.")
    public var quick = false

    @Option(help: "Folder holding mnist/, fashion-mnist/ or cifar-10-batches-bin/, the only one searched (else $FLOWGAN_DATA; else ./Data, then /usr/share/datasets).")
    public var dataDir: String?

    public init() {}

    public var dataSearch: DataSearch { DataSearch(explicitDirectory: dataDir) }

    /// Creates the output folder and returns the path of `file` in it.
    public func outputPath(_ file: String) throws -> String {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        return (out as NSString).appendingPathComponent(file)
    }

    /// Makes sure the output folder exists, and prints which OpenBLAS kernels run.
    public func prepareOutput() throws {
        print(BLASInfo.summary)
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("cannot create output folder \(out): \(error.localizedDescription)")
        }
    }
}

extension DatasetName: ExpressibleByArgument {}

/// A failure a chapter reports in one line (a missing model, a mismatched file).
public struct ChapterError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// How long a training chapter trains: iterations, or epochs of the training set, or the
/// paper's 500 epochs. The chapter's discussion names its default.
public struct TrainingLength: ParsableArguments {
    @Option(help: "Training iterations (each chapter's default is in its discussion above).")
    public var iterations: Int?

    @Option(help: "Epochs of the training set (overrides --iterations).")
    public var epochs: Int?

    @Flag(help: "The paper's recipe: 500 epochs.")
    public var full = false

    public init() {}

    public func validate() throws {
        if let iterations, iterations <= 0 { throw ValidationError("--iterations must be positive, got \(iterations)") }
        if let epochs, epochs <= 0 { throw ValidationError("--epochs must be positive, got \(epochs)") }
    }

    /// The number of iterations to run, given the iterations in one epoch and the default.
    public func iterations(perEpoch: Int, default standard: Int) -> Int {
        full ? 500 * perEpoch : epochs.map { $0 * perEpoch } ?? iterations ?? standard
    }
}
