import Foundation
import Datasets
import TensorCore
@_exported import Reporting

/// A run's place among its chapter's runs: the chapter's default run, or a side run named
/// by the settings it changed.
public struct RunPlan: Sendable {
    public let chapter: String
    public let changes: [String]

    public init(chapter: String, changes: [String]) {
        self.chapter = chapter
        self.changes = changes
    }

    /// A run's place from what names it, in this order: its preset (unless the default),
    /// its seed (unless 0), then each setting it changed ("hidden-300"). Chapter 06 names
    /// chapter 05's run this way to find its models.
    public init(chapter: String, preset: String?, seed: UInt64, settingChanges: [String] = []) {
        self.init(chapter: chapter, changes: (preset.map { [$0] } ?? []) + (seed != 0 ? ["seed-\(seed)"] : []) + settingChanges)
    }

    /// "ch05-quick", "ch05-iterations-10"; nil for the default run.
    public var tag: String? {
        guard !changes.isEmpty else { return nil }
        let raw = ([chapter] + changes).joined(separator: "-")
        return String(raw.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "-" })
    }

    public var isDefault: Bool { changes.isEmpty }

    /// Where this run's figures and results go: `explicit` (--out) if given, else
    /// `Figures` for the default run and `Runs/<tag>` for a side run.
    public func outputFolderPath(_ explicit: String?) -> String {
        explicit ?? tag.map { "Runs/\($0)" } ?? "Figures"
    }

    /// Where this run's models go: `explicit` (--checkpoint-dir) if given, else
    /// `Checkpoints` for the default run and `Checkpoints/<tag>` for a side run.
    public func checkpointFolderPath(_ explicit: String?) -> String {
        explicit ?? tag.map { "Checkpoints/\($0)" } ?? "Checkpoints"
    }

    /// The folder for this run's models: `explicit` if given, else `Checkpoints` for the
    /// default run and `Checkpoints/<tag>` for a side run; checked writable.
    /// `reading`: the folder holds another run's models (chapter 06), so it is announced as
    /// the source.
    public func checkpointFolder(_ explicit: String?, reading: Bool = false) throws -> String {
        let folder = checkpointFolderPath(explicit)
        var isFolder: ObjCBool = false
        if reading, FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            // Models to read: a read-only folder will do.
            guard isFolder.boolValue else { throw ChapterError("--checkpoint-dir \(folder): is a file, not a folder") }
        } else {
            try ensureWritableFolder(folder, option: "--checkpoint-dir")
        }
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
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: folder) {
            throw ChapterError("\(option) \(folder): is a symbolic link to \(target), which does not exist")
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ChapterError("\(option) \(folder): cannot create the folder (\(whyNotCreated(folder, error)))")
        }
    }
    let probe = (folder as NSString).appendingPathComponent(".write-test-\(getpid())")
    guard FileManager.default.createFile(atPath: probe, contents: Data("ok".utf8)) else {
        throw ChapterError("\(option) \(folder): the folder is not writable")
    }
    try? FileManager.default.removeItem(atPath: probe)
}

/// Why a folder could not be created: the system's reason when it names one the user can
/// act on (a name too long), else the nearest existing ancestor that is a file or read-only.
private func whyNotCreated(_ folder: String, _ error: any Error) -> String {
    let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
    if let code = underlying?.code, underlying?.domain == NSPOSIXErrorDomain, code == Int(ENAMETOOLONG) {
        return "the name or the path is too long for the file system"
    }
    if (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(folder).utf8.count >= Int(PATH_MAX) {
        return "the path is longer than the system's \(PATH_MAX) bytes"
    }
    if folder.split(separator: "/").contains(where: { $0.utf8.count > 255 }) {
        return "a name in the path is longer than the file system's 255 bytes"
    }
    return firstBlockingAncestor(of: folder)
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

/// A failure a chapter reports in one line (a missing model, a mismatched file).
public struct ChapterError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// How long a training chapter trains: a number of iterations, or of epochs of the
/// training set (the paper's recipe is 500 epochs). Recorded as "3000 iterations" or
/// "500 epochs".
public enum TrainingLength: Codable, Equatable, Sendable, CustomStringConvertible {
    case iterations(Int)
    case epochs(Int)

    /// The longest run accepted: far beyond any run a CPU finishes, and far below where the
    /// iteration counter could overflow.
    public static let maximumIterations = 1_000_000_000

    /// The number of iterations, given the iterations in one epoch.
    public func iterations(perEpoch: Int) throws -> Int {
        switch self {
        case .iterations(let n): return n
        case .epochs(let n):
            let (total, overflow) = n.multipliedReportingOverflow(by: perEpoch)
            guard !overflow, (1...Self.maximumIterations).contains(total) else {
                throw ChapterError("\(n) epochs at \(perEpoch) iterations per epoch is more than \(Self.maximumIterations) iterations")
            }
            return total
        }
    }

    public var description: String {
        switch self {
        case .iterations(let n): return "\(n) iterations"
        case .epochs(let n): return "\(n) epochs"
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let parts = text.split(separator: " ")
        guard parts.count == 2, let n = Int(parts[0]) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a training length: \(text)"))
        }
        switch parts[1] {
        case "iterations": self = .iterations(n)
        case "epochs": self = .epochs(n)
        default: throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a training length: \(text)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Setting {
    /// The three ways to say how long to train, alternatives of one group: `--iterations N`,
    /// `--epochs N`, or `--full` (the paper's 500 epochs).
    public static func trainingLength(_ path: WritableKeyPath<Root, TrainingLength>) -> [Setting] {
        lengthSettings(get: { $0[keyPath: path] }, set: { $0[keyPath: path] = $1 }, auto: "")
    }

    /// The same, for a length that may be left to the chapter (nil, shown as "auto").
    public static func trainingLength(_ path: WritableKeyPath<Root, TrainingLength?>, auto: String) -> [Setting] {
        lengthSettings(get: { $0[keyPath: path] }, set: { $0[keyPath: path] = $1 }, auto: auto)
    }

    private static func lengthSettings(get: @escaping (Root) -> TrainingLength?, set: @escaping (inout Root, TrainingLength) -> Void,
                                       auto: String) -> [Setting] {
        let limit = TrainingLength.maximumIterations
        func count(_ root: Root, _ epochs: Bool) -> String {
            switch get(root) {
            case nil: return "auto"
            case .iterations(let n)?: return epochs ? "-" : String(n)
            case .epochs(let n)?: return epochs ? String(n) : "-"
            }
        }
        return [
            Setting(name: "iterations", help: "training iterations" + auto, domain: "1...\(limit)", text: { count($0, false) }) { root, text in
                guard let n = Int(text), (1...limit).contains(n) else { throw SettingError("--iterations must be in 1...\(limit), got \(text)") }
                set(&root, .iterations(n))
            }.inGroup("training length"),
            Setting(name: "epochs", help: "epochs of the training set, instead of --iterations", domain: "1...100000",
                    text: { count($0, true) }) { root, text in
                guard let n = Int(text), (1...100_000).contains(n) else { throw SettingError("--epochs must be in 1...100000, got \(text)") }
                set(&root, .epochs(n))
            }.inGroup("training length"),
            Setting(name: "full", help: "the paper's length, 500 epochs (hours to months on two cores)", domain: "", isFlag: true,
                    text: { get($0) == .epochs(500) ? "true" : "false" }) { root, _ in
                set(&root, .epochs(500))
            }.inGroup("training length"),
        ]
    }
}
