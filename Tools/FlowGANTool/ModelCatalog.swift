import Foundation
import TensorCore
import Flows
import Datasets
import Checkpoints
import Evaluation
import Course

// The checkpoints the chapters save, found in a folder and told apart by their metadata:
// chapter 03 writes ch03-nice.safetensors and ch03-realnvp.safetensors, chapter 05
// ch05-mle, ch05-adv and ch05-hybrid (each beside a "-training" file holding the optimiser
// state for --resume), chapter 06 its classifier cache ch06-classifier-mnist (a smoke
// run's with "-quick"). A default run saves into Checkpoints/, a side run into
// Checkpoints/<chapter>-<settings>/ (for example Checkpoints/ch05-quick/), so the catalog
// reads the folder and the folders directly inside it.

/// What a checkpoint file holds, by its metadata.
enum CheckpointKind {
    /// A flow saved for reading (`saveModel` with `ModelMetadata`): one the tool uses.
    case model(ModelMetadata)
    /// A training state for --resume: the model with its optimiser (and critic).
    case trainingState
    /// Chapter 06's digit classifier, or the CIFAR-10 one.
    case classifier(String)
    /// Anything else; the reason says what is wrong with it as a model.
    case other(String)

    /// Reads the kind from a file's metadata.
    init(metadata: [String: String], path: String) {
        if metadata["format"]?.hasPrefix("flowgan-trainer") == true {
            self = .trainingState
        } else if let model = metadata["model"], model.contains("classifier") {
            self = .classifier(model)
        } else if metadata["architecture"] == nil && metadata["chapter"] == nil {
            self = .other("its metadata records no flow architecture and no chapter")
        } else {
            do { self = .model(try ModelMetadata(metadata, source: path)) } catch { self = .other("\(error)") }
        }
    }
}

/// One .safetensors file of the folder, named by its path relative to the folder without
/// the extension: "ch05-hybrid", "ch05-quick/ch05-hybrid".
struct CatalogEntry {
    let name: String
    let path: String
    let kind: CheckpointKind
}

/// The checkpoint files of a folder and of the folders directly inside it.
struct ModelCatalog {
    let folder: String
    let entries: [CatalogEntry]

    /// The short names a student types, and the full names they stand for, most useful first.
    static let shortNames: [(String, String)] = [("hybrid", "ch05-hybrid"), ("mle", "ch05-mle"), ("adv", "ch05-adv"),
                                                 ("nice", "ch03-nice"), ("realnvp", "ch03-realnvp")]

    /// Reads the metadata of every checkpoint under `folder` (headers only: a training
    /// state is hundreds of megabytes). A folder that does not exist has no entries.
    init(folder: String) throws {
        self.folder = folder
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && !isFolder.boolValue {
            throw ChapterError("--checkpoint-dir \(folder): is a file, not a folder")
        }
        var found: [CatalogEntry] = []
        for relative in Self.checkpointFiles(in: folder) {
            let path = (folder as NSString).appendingPathComponent(relative)
            let kind: CheckpointKind
            do { kind = CheckpointKind(metadata: try checkpointMetadata(path), path: path) } catch { kind = .other("\(error)") }
            found.append(CatalogEntry(name: String(relative.dropLast(".safetensors".count)), path: path, kind: kind))
        }
        entries = found
    }

    /// The relative paths of the .safetensors files in `folder` and one level below, sorted.
    static func checkpointFiles(in folder: String) -> [String] {
        let manager = FileManager.default
        var files: [String] = []
        for name in ((try? manager.contentsOfDirectory(atPath: folder)) ?? []).sorted() {
            if name.hasSuffix(".safetensors") { files.append(name); continue }
            var isFolder: ObjCBool = false
            let inner = (folder as NSString).appendingPathComponent(name)
            guard manager.fileExists(atPath: inner, isDirectory: &isFolder), isFolder.boolValue else { continue }
            for file in ((try? manager.contentsOfDirectory(atPath: inner)) ?? []).sorted() where file.hasSuffix(".safetensors") {
                files.append("\(name)/\(file)")
            }
        }
        return files
    }

    /// The models, top folder first.
    var models: [(entry: CatalogEntry, metadata: ModelMetadata)] {
        entries.compactMap { entry in
            if case .model(let metadata) = entry.kind { return (entry, metadata) }
            return nil
        }.sorted { ($0.entry.name.contains("/") ? 1 : 0, $0.entry.name) < ($1.entry.name.contains("/") ? 1 : 0, $1.entry.name) }
    }

    /// The entry a user's `name` means: a path to a file, a name of the catalog
    /// ("ch05-hybrid", "ch05-quick/ch05-hybrid", with or without ".safetensors"), or a short
    /// name ("hybrid"), found in the folder itself first, else in exactly one folder inside it.
    /// nil `name`: the first model of `shortNames`' order that exists.
    func resolve(_ name: String?) throws -> CatalogEntry {
        guard let name else {
            for (_, full) in Self.shortNames {
                if let entry = try? resolve(full), case .model = entry.kind { return entry }
            }
            guard let first = models.first else { throw ChapterError(noModelsMessage) }
            return first.entry
        }
        if name.hasSuffix(".safetensors") && FileManager.default.fileExists(atPath: name) {
            let kind: CheckpointKind
            do { kind = CheckpointKind(metadata: try checkpointMetadata(name), path: name) } catch { kind = .other("\(error)") }
            return CatalogEntry(name: ((name as NSString).lastPathComponent as NSString).deletingPathExtension, path: name, kind: kind)
        }
        let bare = name.hasSuffix(".safetensors") ? String(name.dropLast(".safetensors".count)) : name
        let full = Self.shortNames.first { $0.0 == bare }?.1 ?? bare
        if let entry = entries.first(where: { $0.name == full }) { return entry }
        let inside = entries.filter { $0.name.hasSuffix("/" + full) }
        if inside.count == 1 { return inside[0] }
        if inside.count > 1 {
            throw ChapterError("--model \(name): several in \(folder): \(inside.map(\.name).joined(separator: ", ")); name one of them")
        }
        throw ChapterError("--model \(name): no \(full).safetensors in \(folder) or the folders inside it; "
                           + "\(Self.howToMake(full)) (or pass --checkpoint-dir)")
    }

    /// The model `name` means, loaded in evaluation mode; an error for a file of another kind.
    func loadModel(_ name: String?) throws -> LoadedModel { try load(try resolve(name)) }

    /// The model `name` means, or with nil every model of the folder (`models`' order),
    /// loaded in evaluation mode; an error when the folder has none.
    func loadModels(_ name: String?) throws -> [LoadedModel] {
        let loaded = try name.map { [try loadModel($0)] } ?? models.map { try load($0.entry) }
        guard !loaded.isEmpty else { throw ChapterError(noModelsMessage) }
        return loaded
    }

    /// The model of `entry`, loaded in evaluation mode; an error for a file of another kind.
    func load(_ entry: CatalogEntry) throws -> LoadedModel {
        switch entry.kind {
        case .model:
            var generator = RandomGenerator(seed: 0)
            let (flow, _, entries) = try loadFlow(from: entry.path, generator: &generator)
            flow.isTraining = false
            return LoadedModel(name: entry.name, path: entry.path, flow: flow, metadata: try ModelMetadata(entries, source: entry.path))
        case .trainingState:
            let model = entry.name.replacingOccurrences(of: "-training", with: "")
            throw ChapterError("\(entry.path) is a training state (the optimiser's moments for --resume), not a model: use --model \(model)")
        case .classifier(let kind):
            throw ChapterError("\(entry.path) holds chapter 06's classifier (\(kind)), not a flow: name a model of 'flowgan models'")
        case .other(let reason):
            throw ChapterError("\(entry.path) is not a model this tool can read: \(reason)")
        }
    }

    /// The one line for a folder without models.
    var noModelsMessage: String {
        "no models in \(folder): train one with 'swift run chapter05-hybrid --quick --checkpoint-dir \(folder)' "
            + "(a minute) or 'swift run chapter03-realnvp'"
    }

    /// The command that saves the model of a file name.
    static func howToMake(_ name: String) -> String {
        let file = (name as NSString).lastPathComponent
        if file == "ch03-realnvp" { return "'swift run chapter03-realnvp --model realnvp' saves it" }
        if file.hasPrefix("ch03") { return "'swift run chapter03-realnvp' saves it" }
        if file.hasPrefix("ch05") {
            let objective = file.dropFirst("ch05-".count)
            return "'swift run chapter05-hybrid' saves it ('--objective \(objective) --quick' for a one-minute stand-in)"
        }
        return "the chapters save ch03-nice, ch03-realnvp (chapter03-realnvp) and ch05-mle, ch05-adv, ch05-hybrid (chapter05-hybrid)"
    }
}

/// A model read from its checkpoint, in evaluation mode (batch norm's running averages).
struct LoadedModel {
    let name: String
    let path: String
    let flow: NormalizingFlow
    let metadata: ModelMetadata

    /// "ch05-hybrid (NICE, hybrid objective, 3 iterations)".
    var label: String {
        var parts = ["\(metadata.architecture)"]
        if let objective = metadata.objective { parts.append("\(objective) objective") }
        if let iterations = metadata.iterations { parts.append("\(iterations) iterations") }
        if metadata.quick == true { parts.append("--quick") }
        return "\(name) (\(parts.joined(separator: ", ")))"
    }

    /// The data set its test images come from: the one it was trained on (MNIST when unrecorded).
    var dataset: DatasetName {
        metadata.dataset.flatMap(DatasetName.init(rawValue:)) ?? (flow.sampleShape == [3, 32, 32] ? .cifar10 : .mnist)
    }
}

/// The metadata of a safetensors file, from its header alone: the 8-byte little-endian
/// header length N, then N bytes of JSON whose "__metadata__" object holds the strings.
/// For listing only (`loadFlow` reads the whole file and checks its CRC-32 before use).
func checkpointMetadata(_ path: String) throws -> [String: String] {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw ChapterError("\(path): cannot be opened for reading") }
    defer { try? handle.close() }
    let lengthBytes = [UInt8]((try handle.read(upToCount: 8)) ?? Data())
    guard lengthBytes.count == 8 else { throw ChapterError("\(path): not a checkpoint (shorter than 8 bytes)") }
    let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    // The course's headers are kilobytes (the training history included); 100 MB is absurd.
    guard length >= 2 && length <= 100_000_000 else { throw ChapterError("\(path): not a checkpoint (header of \(length) bytes)") }
    let header = (try handle.read(upToCount: Int(length))) ?? Data()
    guard header.count == Int(length), let decoded = try? JSONDecoder().decode(SafetensorsHeader.self, from: header) else {
        throw ChapterError("\(path): not a checkpoint (its header is not a safetensors JSON header)")
    }
    return decoded.metadata ?? [:]
}

/// The part of a safetensors header the catalog reads (the tensors' entries are skipped).
private struct SafetensorsHeader: Decodable {
    let metadata: [String: String]?
    enum CodingKeys: String, CodingKey { case metadata = "__metadata__" }
}
