import ArgumentParser
import Foundation
import Datasets
import TensorCore
@_exported import Reporting

/// The options every chapter accepts.
///
/// Where a run writes: a chapter's default run writes the book's files, its figures and
/// results into `Figures/` and its models into `Checkpoints/` (running it again
/// regenerates the same files). A `--quick` run, or a run with any other setting, is a
/// side run: it writes into `Runs/<chapter>-<settings>/` and `Checkpoints/<chapter>-<settings>/`
/// (both outside git), unless `--out` or `--checkpoint-dir` name a place, so that a smoke
/// test never replaces the book's figures or models. `prepare` decides, checks that the
/// folders can be written before any work, and prints where the files go.
public struct ChapterOptions: ParsableArguments {
    @Option(help: "Folder for figures, plot scripts and the results file (default: Figures for the chapter's default run, Runs/<chapter>-<settings> for --quick or other settings).")
    public var out: String?

    @Option(help: "Seed of the random generator; the same seed gives the same numbers.")
    public var seed: UInt64 = 0

    @Flag(help: "A smoke run of under a minute that still writes every figure (into Runs/, not Figures/).")
    public var quick = false

    @Option(help: "Folder holding mnist/, fashion-mnist/ or cifar-10-batches-bin/, the only one searched (else $FLOWGAN_DATA; else ./Data, then /usr/share/datasets).")
    public var dataDir: String?

    public init() {}

    public var dataSearch: DataSearch { DataSearch(explicitDirectory: dataDir) }

    /// The folder figures and results go to (`Figures` until `prepare` has decided).
    public var folder: String { out ?? "Figures" }

    /// The path of `file` in the output folder.
    public func outputPath(_ file: String) throws -> String {
        (folder as NSString).appendingPathComponent(file)
    }

    /// Decides where this run writes, makes sure it can, and prints it with the OpenBLAS
    /// kernels in use. `chapter` is the short name ("ch05"); `changes` names the settings
    /// in which this run differs from the chapter's default run (`setting(_:_:)` makes
    /// them; nil entries are settings left alone). Returns the side run's tag, nil for the
    /// default run.
    @discardableResult
    public mutating func prepare(chapter: String, changes: [String?] = []) throws -> RunPlan {
        // Lines in the order they happen, also when the output goes to a file or a pipe
        // (where the C library would otherwise hold them back behind the error messages).
        setvbuf(stdout, nil, _IOLBF, 0)
        print(BLASInfo.summary)
        let named = (quick ? ["quick"] : []) + (seed != 0 ? ["seed-\(seed)"] : []) + changes.compactMap { $0 }
        let plan = RunPlan(chapter: chapter, changes: named)
        if out == nil {
            out = plan.tag.map { "Runs/\($0)" } ?? "Figures"
            if let tag = plan.tag {
                print("A side run (\(named.joined(separator: ", "))): its figures and results go to Runs/\(tag)/, "
                      + "leaving the book's Figures/ as they are (--out names another folder)")
            }
        }
        try ensureWritableFolder(folder, option: "--out")
        return plan
    }

    /// A setting that differs from the default run, as a folder-name part ("iterations-10").
    public static func setting<T>(_ name: String, _ value: T?) -> String? {
        value.map { "\(name)-\($0)" }
    }
}

/// What `ChapterOptions.prepare` decided: whether this is the chapter's default run, and
/// if not, the tag of its folders.
public struct RunPlan: Sendable {
    public let chapter: String
    public let changes: [String]

    public init(chapter: String, changes: [String]) {
        self.chapter = chapter
        self.changes = changes
    }

    /// "ch05-quick", "ch05-objective-mle-iterations-10"; nil for the default run.
    public var tag: String? {
        guard !changes.isEmpty else { return nil }
        let raw = ([chapter] + changes).joined(separator: "-")
        return String(raw.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "-" })
    }

    public var isDefault: Bool { changes.isEmpty }

    /// The folder for this run's models: `explicit` if given, else `Checkpoints` for the
    /// default run and `Checkpoints/<tag>` for a side run; checked writable.
    /// `reading`: the folder holds another run's models (chapter 06), so it is announced as
    /// the source.
    public func checkpointFolder(_ explicit: String?, reading: Bool = false) throws -> String {
        let folder = explicit ?? tag.map { "Checkpoints/\($0)" } ?? "Checkpoints"
        try ensureWritableFolder(folder, option: "--checkpoint-dir")
        if reading { print("Models read from \(folder)/") }
        else if explicit == nil, let tag { print("Models of this side run go to Checkpoints/\(tag)/") }
        return folder
    }
}

/// Creates `folder` if needed and proves it writable by writing and removing a small
/// file, so that a read-only disk or a file in the folder's place is reported before any
/// training rather than after it. The error names the option and the reason in one line.
public func ensureWritableFolder(_ folder: String, option: String) throws {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
        guard isFolder.boolValue else { throw ChapterError("\(option) \(folder): is a file, not a folder") }
    } else {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ChapterError("\(option) \(folder): cannot create the folder (\(firstBlockingAncestor(of: folder)))")
        }
    }
    let probe = (folder as NSString).appendingPathComponent(".write-test-\(getpid())")
    guard FileManager.default.createFile(atPath: probe, contents: Data("ok".utf8)) else {
        throw ChapterError("\(option) \(folder): the folder is not writable")
    }
    try? FileManager.default.removeItem(atPath: probe)
}

/// Why a folder cannot be created: the nearest existing ancestor is a file or read-only.
private func firstBlockingAncestor(of folder: String) -> String {
    var path = (folder as NSString).deletingLastPathComponent
    while !path.isEmpty {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            return isFolder.boolValue ? "\(path) is not writable" : "\(path) is a file, not a folder"
        }
        path = (path as NSString).deletingLastPathComponent
    }
    return "the current folder is not writable"
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

    /// The longest run accepted: far beyond any run a CPU finishes, and far below where the
    /// iteration counter could overflow.
    public static let maximumIterations = 1_000_000_000

    public func validate() throws {
        if let iterations { guard (1...Self.maximumIterations).contains(iterations) else { throw ValidationError("--iterations must be in 1...\(Self.maximumIterations), got \(iterations)") } }
        if let epochs { guard (1...100_000).contains(epochs) else { throw ValidationError("--epochs must be in 1...100000, got \(epochs)") } }
    }

    /// The number of iterations to run, given the iterations in one epoch and the default.
    public func iterations(perEpoch: Int, default standard: Int) throws -> Int {
        let total = full ? 500 * perEpoch : epochs.map { $0 * perEpoch } ?? iterations ?? standard
        guard (1...Self.maximumIterations).contains(total) else {
            throw ChapterError("--epochs \(epochs ?? 500) at \(perEpoch) iterations per epoch makes \(total) iterations; the limit is \(Self.maximumIterations)")
        }
        return total
    }

    /// The settings that differ from the default length, for `ChapterOptions.prepare`.
    public var changes: [String?] {
        [full ? "full" : nil, ChapterOptions.setting("epochs", epochs), ChapterOptions.setting("iterations", epochs == nil && !full ? iterations : nil)]
    }
}
