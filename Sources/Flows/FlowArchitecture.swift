import Foundation
import TensorCore
import NeuralLayers

/// Which flow a model is: enough to build the same network again before loading its
/// weights (a checkpoint records it in its metadata, Checkpoints/ModelFiles.swift).
public struct FlowArchitecture: Equatable, CustomStringConvertible {
    public enum Kind: String { case nice, realnvp }

    public let kind: Kind
    /// Real NVP: the s/t networks' feature channels and residual blocks. NICE: the coupling
    /// networks' width and number of width-to-width layers (`depth`; one hidden layer more).
    public let features: Int
    public let blocks: Int

    /// The paper's MNIST generator, `FlowModels.nice()`: coupling networks 1000 wide with 5
    /// layers of 1000 → 1000 (six hidden layers).
    public static let nice = FlowArchitecture(kind: .nice, features: 1000, blocks: 5)

    /// NICE for MNIST with coupling networks `hidden` wide and `depth` layers of `hidden` →
    /// `hidden` (`depth` + 1 hidden layers).
    public static func nice(hidden: Int, depth: Int) -> FlowArchitecture {
        FlowArchitecture(kind: .nice, features: hidden, blocks: depth)
    }

    /// The recipe's CIFAR-10 generator, `FlowModels.realNVP(features:blocks:)` (64 and 8 in the recipe).
    public static func realNVP(features: Int = 64, blocks: Int = 8) -> FlowArchitecture {
        FlowArchitecture(kind: .realnvp, features: features, blocks: blocks)
    }

    public init(kind: Kind, features: Int, blocks: Int) {
        self.kind = kind; self.features = features; self.blocks = blocks
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
        kind == .nice ? (self == .nice ? "NICE" : "NICE (coupling networks \(features) wide, \(blocks + 1) hidden layers)") : "Real NVP (\(features) features, \(blocks) residual block\(blocks == 1 ? "" : "s"))"
    }
}
