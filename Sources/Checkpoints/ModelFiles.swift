import Foundation
import TensorCore
import NeuralLayers
import Flows

// Models in files: a module's state tensors written with its metadata, read back into a
// module of the same shape, and a flow rebuilt from the architecture its file records.

/// Saves a model's parameters and buffers alone (for the chapters that read them).
public func saveModel(_ module: any Module, metadata: [String: String], to path: String) throws {
    try Safetensors.write(stateTensors(of: module), metadata: metadata, to: path)
}

/// Loads a model saved by `saveModel`, returning its metadata.
@discardableResult
public func loadModel(_ module: any Module, from path: String) throws -> [String: String] {
    let (tensors, metadata) = try Safetensors.read(path)
    try restore(module, from: tensors, source: path)
    return metadata
}

/// `restoreState` for tensors read from `source`: a tensor that does not fit is reported
/// as a `CheckpointMismatch` naming the file.
public func restore(_ module: any Module, from tensors: [String: Tensor], source: String) throws {
    do {
        try restoreState(of: module, from: tensors)
    } catch let error as ModuleStateError {
        throw CheckpointMismatch(source: source, reason: error.message)
    }
}

/// How a checkpoint's metadata records the flow: `"architecture": "nice"` with the
/// coupling networks' `"hidden"` and `"depth"`, or `"architecture": "realnvp"` with the
/// width `"features"` and the depth `"blocks"` of its s/t networks, the image shape
/// `"sample_shape"` ("1x28x28") and the `"prior"` ("normal" or "logistic"). A checkpoint
/// without the architecture key predates it and holds the paper's MNIST NICE; a Real NVP
/// one without shape and prior, the CIFAR-10 Real NVP of chapter 05.
extension FlowArchitecture {
    /// Reads the architecture from a checkpoint's metadata; `source` names the file in errors.
    public init(metadata: [String: String], source: String) throws {
        switch metadata["architecture"] {
        case nil, "nice":
            // Checkpoints written before the width was recorded hold the paper's NICE. The
            // bounds are chapter 05's on --hidden and --depth.
            guard let hidden = Int(metadata["hidden"] ?? "1000"), let depth = Int(metadata["depth"] ?? "5"),
                  (1...4096).contains(hidden), (0...32).contains(depth) else {
                throw CheckpointMismatch(source: source, reason: "its NICE metadata has no valid \"hidden\" (1-4096) and \"depth\" (0-32)")
            }
            self = .nice(hidden: hidden, depth: depth)
        case "realnvp":
            // Chapter 05's bounds on --features and --blocks: a file cannot ask for more.
            guard let features = metadata["features"].flatMap(Int.init), let blocks = metadata["blocks"].flatMap(Int.init),
                  (1...512).contains(features), (1...64).contains(blocks) else {
                throw CheckpointMismatch(source: source, reason: "its Real NVP metadata has no valid \"features\" (1-512) and \"blocks\" (1-64)")
            }
            // The shapes the multi-scale flow takes: 1 or 3 channels, even sides (one squeeze)
            // of 4 to 256 pixels.
            let shape = try metadata["sample_shape"].map { text -> [Int] in
                let parts = text.split(separator: "x").map { Int($0) }
                guard parts.count == 3, let c = parts[0], let h = parts[1], let w = parts[2],
                      [1, 3].contains(c), (4...256).contains(h), (4...256).contains(w), h % 2 == 0, w % 2 == 0 else {
                    throw CheckpointMismatch(source: source, reason: "its \"sample_shape\" \"\(text)\" is not CxHxW with 1 or 3 channels and even sides in 4...256")
                }
                return [c, h, w]
            }
            let prior = try metadata["prior"].map { text -> Prior in
                guard let prior = Prior(rawValue: text) else {
                    throw CheckpointMismatch(source: source, reason: "its \"prior\" \"\(text)\" is not normal or logistic")
                }
                return prior
            }
            self.init(kind: .realnvp, features: features, blocks: blocks, sampleShape: shape, prior: prior)
        case let other?:
            throw CheckpointMismatch(source: source, reason: "it holds a flow of architecture \"\(other)\", which this course does not build")
        }
    }

    /// The metadata entries that describe it.
    public var metadata: [String: String] {
        switch kind {
        case .nice: return ["architecture": "nice", "hidden": String(features), "depth": String(blocks)]
        case .realnvp: return ["architecture": "realnvp", "features": String(features), "blocks": String(blocks),
                               "sample_shape": sampleShape.map(String.init).joined(separator: "x"), "prior": prior.rawValue]
        }
    }
}

/// A flow saved by `saveModel` with `FlowArchitecture.metadata` among its metadata:
/// rebuilt from the metadata (initial values from `generator`, then overwritten), its
/// weights loaded, and the metadata returned.
public func loadFlow(from path: String, generator: inout RandomGenerator) throws
    -> (flow: NormalizingFlow, architecture: FlowArchitecture, metadata: [String: String]) {
    let (tensors, metadata) = try Safetensors.read(path)
    let architecture = try FlowArchitecture(metadata: metadata, source: path)
    let flow = architecture.build(generator: &generator)
    try restore(flow, from: tensors, source: path)
    return (flow, architecture, metadata)
}

/// What chapter 05 records about a model it saves and chapter 06 checks before it scores
/// it. A checkpoint's metadata is text (safetensors metadata is `[String: String]`); this
/// is the one place that converts between the two, under the keys "model", "chapter",
/// "objective", "dataset", "iterations", "lambda", "seed", "configuration", "quick" and
/// the architecture's own. Every key but the architecture's may be missing from a file
/// (an older checkpoint, another chapter's model): nil here.
public struct ModelMetadata: Equatable {
    public var architecture: FlowArchitecture
    /// "nice-mnist-hybrid": the generator, the data and the objective.
    public var model: String?
    /// "05" for chapter 05's models.
    public var chapter: String?
    /// "mle", "adv" or "hybrid", as recorded (checked by the reader).
    public var objective: String?
    public var dataset: String?
    public var iterations: Int?
    public var lambda: Float?
    public var seed: UInt64?
    /// The preset's sizes: "classroom", "recipe", "quick" or "cifar10".
    public var configuration: String?
    /// Whether a `--quick` smoke run trained it.
    public var quick: Bool?

    public init(architecture: FlowArchitecture, model: String? = nil, chapter: String? = nil, objective: String? = nil,
                dataset: String? = nil, iterations: Int? = nil, lambda: Float? = nil, seed: UInt64? = nil,
                configuration: String? = nil, quick: Bool? = nil) {
        self.architecture = architecture; self.model = model; self.chapter = chapter; self.objective = objective
        self.dataset = dataset; self.iterations = iterations; self.lambda = lambda; self.seed = seed
        self.configuration = configuration; self.quick = quick
    }

    /// Reads a checkpoint's metadata; `source` names the file in errors.
    public init(_ entries: [String: String], source: String) throws {
        self.init(architecture: try FlowArchitecture(metadata: entries, source: source),
                  model: entries["model"], chapter: entries["chapter"], objective: entries["objective"],
                  dataset: entries["dataset"], iterations: entries["iterations"].flatMap { Int($0) },
                  lambda: entries["lambda"].flatMap { Float($0) }, seed: entries["seed"].flatMap { UInt64($0) },
                  configuration: entries["configuration"], quick: entries["quick"].map { $0 == "true" })
    }

    /// The metadata entries, as `saveModel` writes them.
    public var entries: [String: String] {
        var entries = architecture.metadata
        let texts: [String: String?] = [
            "model": model, "chapter": chapter, "objective": objective, "dataset": dataset,
            "iterations": iterations.map { String($0) }, "lambda": lambda.map { String($0) },
            "seed": seed.map { String($0) }, "configuration": configuration, "quick": quick.map { String($0) },
        ]
        for case let (key, text?) in texts { entries[key] = text }
        return entries
    }
}
