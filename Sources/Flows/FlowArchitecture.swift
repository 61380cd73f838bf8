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
    /// The shape of one image the model is built for (NICE: MNIST's; Real NVP: CIFAR-10's
    /// unless told, chapter 03's MNIST Real NVP [1, 28, 28]) and its prior (Real NVP's
    /// standard normal unless told; chapter 03 gives it NICE's logistic one).
    public let sampleShape: [Int]
    public let prior: Prior

    /// The paper's MNIST generator, `FlowModels.nice()`: coupling networks 1000 wide with 5
    /// layers of 1000 → 1000 (six hidden layers).
    public static let nice = FlowArchitecture(kind: .nice, features: 1000, blocks: 5)

    /// NICE for MNIST with coupling networks `hidden` wide and `depth` layers of `hidden` →
    /// `hidden` (`depth` + 1 hidden layers).
    public static func nice(hidden: Int, depth: Int) -> FlowArchitecture {
        FlowArchitecture(kind: .nice, features: hidden, blocks: depth)
    }

    /// The recipe's CIFAR-10 generator, `FlowModels.realNVP(features:blocks:)` (64 and 8 in
    /// the recipe); with `sampleShape` [1, 28, 28] and the logistic prior, chapter 03's
    /// MNIST Real NVP.
    public static func realNVP(features: Int = 64, blocks: Int = 8, sampleShape: [Int] = [3, 32, 32],
                               prior: Prior = .standardNormal) -> FlowArchitecture {
        FlowArchitecture(kind: .realnvp, features: features, blocks: blocks, sampleShape: sampleShape, prior: prior)
    }

    /// `sampleShape` and `prior` nil: the kind's own (NICE: [1, 28, 28] and logistic, the
    /// only ones `FlowModels.nice` builds; Real NVP: [3, 32, 32] and normal).
    public init(kind: Kind, features: Int, blocks: Int, sampleShape: [Int]? = nil, prior: Prior? = nil) {
        self.kind = kind; self.features = features; self.blocks = blocks
        switch kind {
        case .nice:
            precondition(sampleShape.map { $0 == [1, 28, 28] } ?? true && prior.map { $0 == .standardLogistic } ?? true,
                         "NICE is built for 1x28x28 images with the logistic prior")
            self.sampleShape = [1, 28, 28]; self.prior = .standardLogistic
        case .realnvp:
            self.sampleShape = sampleShape ?? [3, 32, 32]; self.prior = prior ?? .standardNormal
        }
    }

    /// A freshly initialised model of this architecture.
    public func build(generator: inout RandomGenerator) -> NormalizingFlow {
        switch kind {
        case .nice: return FlowModels.nice(hidden: features, depth: blocks, generator: &generator)
        case .realnvp: return FlowModels.realNVP(sampleShape: sampleShape, features: features, blocks: blocks, prior: prior,
                                                 generator: &generator)
        }
    }

    public var description: String {
        if kind == .nice { return self == .nice ? "NICE" : "NICE (coupling networks \(features) wide, \(blocks + 1) hidden layers)" }
        let size = sampleShape.map(String.init).joined(separator: "x")
        return "Real NVP (\(features) features, \(blocks) residual block\(blocks == 1 ? "" : "s"), \(size) images, \(prior.rawValue) prior)"
    }
}
