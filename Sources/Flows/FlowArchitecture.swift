import Foundation
import TensorCore
import NeuralLayers
import Checkpoints

/// Which flow a saved model is, written into its checkpoint's metadata so that a reader
/// (chapter 06) can rebuild the same network before loading the weights:
/// `"architecture": "nice"`, or `"architecture": "realnvp"` with the width `"features"`
/// and the depth `"blocks"` of its s/t networks. A checkpoint without the key predates it
/// and holds the paper's MNIST NICE.
public struct FlowArchitecture: Equatable, CustomStringConvertible {
    public enum Kind: String { case nice, realnvp }

    public let kind: Kind
    /// Real NVP: the s/t networks' feature channels and residual blocks. NICE: the coupling
    /// networks' width and number of hidden layers.
    public let features: Int
    public let blocks: Int

    /// The paper's MNIST generator, `FlowModels.nice()`: coupling networks 1000 wide with 5
    /// hidden layers.
    public static let nice = FlowArchitecture(kind: .nice, features: 1000, blocks: 5)

    /// NICE for MNIST with coupling networks `hidden` wide and `depth` hidden layers.
    public static func nice(hidden: Int, depth: Int) -> FlowArchitecture {
        FlowArchitecture(kind: .nice, features: hidden, blocks: depth)
    }

    /// The recipe's CIFAR-10 generator, `FlowModels.realNVP(features:blocks:)` (64 and 8 in the recipe).
    public static func realNVP(features: Int = 64, blocks: Int = 8) -> FlowArchitecture {
        FlowArchitecture(kind: .realnvp, features: features, blocks: blocks)
    }

    init(kind: Kind, features: Int, blocks: Int) {
        self.kind = kind; self.features = features; self.blocks = blocks
    }

    /// Reads the architecture from a checkpoint's metadata; `source` names the file in errors.
    public init(metadata: [String: String], source: String) throws {
        switch metadata["architecture"] {
        case nil, "nice":
            // Checkpoints written before the width was recorded hold the paper's NICE.
            guard let hidden = Int(metadata["hidden"] ?? "1000"), let depth = Int(metadata["depth"] ?? "5"),
                  (1...4096).contains(hidden), (0...32).contains(depth) else {
                throw CheckpointMismatch(source: source, reason: "its NICE metadata has no valid \"hidden\" (1-4096) and \"depth\" (0-32)")
            }
            self = .nice(hidden: hidden, depth: depth)
        case "realnvp":
            guard let features = metadata["features"].flatMap(Int.init), let blocks = metadata["blocks"].flatMap(Int.init),
                  features >= 1, blocks >= 1 else {
                throw CheckpointMismatch(source: source, reason: "its Real NVP metadata lacks positive \"features\" and \"blocks\"")
            }
            self = .realNVP(features: features, blocks: blocks)
        case let other?:
            throw CheckpointMismatch(source: source, reason: "it holds a flow of architecture \"\(other)\", which this course does not build")
        }
    }

    /// The metadata entries that describe it.
    public var metadata: [String: String] {
        switch kind {
        case .nice: return ["architecture": "nice", "hidden": String(features), "depth": String(blocks)]
        case .realnvp: return ["architecture": "realnvp", "features": String(features), "blocks": String(blocks)]
        }
    }

    /// The shape of one image the model is built for.
    public var sampleShape: [Int] { kind == .nice ? [1, 28, 28] : [3, 32, 32] }

    /// A freshly initialised model of this architecture.
    public func build(generator: inout RandomGenerator) -> NormalizingFlow {
        switch kind {
        case .nice: return FlowModels.nice(hidden: features, depth: blocks, generator: &generator)
        case .realnvp: return FlowModels.realNVP(features: features, blocks: blocks, generator: &generator)
        }
    }

    public var description: String {
        kind == .nice ? (self == .nice ? "NICE" : "NICE (coupling networks \(features) wide, \(blocks) hidden layers)") : "Real NVP (\(features) features, \(blocks) residual block\(blocks == 1 ? "" : "s"))"
    }
}

/// A flow saved by `saveModel` (NeuralLayers) with `FlowArchitecture.metadata` among its metadata:
/// rebuilt from the metadata (initial values from `generator`, then overwritten), its
/// weights loaded, and the metadata returned.
public func loadFlow(from path: String, generator: inout RandomGenerator) throws
    -> (flow: NormalizingFlow, architecture: FlowArchitecture, metadata: [String: String]) {
    let (tensors, metadata) = try Safetensors.read(path)
    let architecture = try FlowArchitecture(metadata: metadata, source: path)
    let flow = architecture.build(generator: &generator)
    try restoreState(of: flow, from: tensors, source: path)
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
