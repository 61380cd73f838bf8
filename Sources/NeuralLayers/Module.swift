import TensorCore
import Autodiff

/// Something with trainable parameters, arranged as a tree: a module owns some
/// parameters itself and has named children. Every parameter gets a path name that is
/// unique within the tree ("weight", "layers.2.bias"), which is how checkpoints and
/// optimisers refer to it.
public protocol Module: AnyObject {
    /// The parameters this module owns itself (not those of its children).
    var ownParameters: [(name: String, parameter: Variable)] { get }
    /// The sub-modules, each under a name.
    var children: [(name: String, module: any Module)] { get }
}

/// A module with non-trainable state that checkpoints must keep (batch norm's running
/// averages).
public protocol BufferOwner: Module {
    var ownBuffers: [(name: String, buffer: Tensor)] { get }
    /// Restores one buffer; throws when the name or shape does not fit.
    func setBuffer(_ name: String, _ value: Tensor) throws
}

public struct ModuleStateError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Module {
    public var ownParameters: [(name: String, parameter: Variable)] { [] }
    public var children: [(name: String, module: any Module)] { [] }

    /// This module and all below it, depth first, each with its path ("" for this one).
    public var modulesWithPaths: [(path: String, module: any Module)] {
        [("", self as any Module)] + children.flatMap { child in
            child.module.modulesWithPaths.map { (join(child.name, $0.path), $0.module) }
        }
    }

    /// Every parameter in the tree under its path name.
    public var namedParameters: [(name: String, parameter: Variable)] {
        modulesWithPaths.flatMap { path, module in
            module.ownParameters.map { (join(path, $0.name), $0.parameter) }
        }
    }

    public var parameters: [Variable] { namedParameters.map(\.parameter) }
    public var parameterCount: Int { parameters.map(\.value.count).reduce(0, +) }

    /// Every buffer in the tree under its path name.
    public var namedBuffers: [(name: String, buffer: Tensor)] {
        modulesWithPaths.flatMap { path, module -> [(name: String, buffer: Tensor)] in
            guard let owner = module as? any BufferOwner else { return [] }
            return owner.ownBuffers.map { (join(path, $0.name), $0.buffer) }
        }
    }

    /// Restores every buffer of the tree from `buffers` (keyed by path name).
    public func loadBuffers(_ buffers: [String: Tensor]) throws {
        for (path, module) in modulesWithPaths {
            guard let owner = module as? any BufferOwner else { continue }
            for (name, _) in owner.ownBuffers {
                let key = join(path, name)
                guard let value = buffers[key] else { throw ModuleStateError("missing buffer \(key)") }
                try owner.setBuffer(name, value)
            }
        }
    }

    /// Training or evaluation mode, for every layer whose behaviour depends on it
    /// (batch norm: batch statistics in training, running averages in evaluation).
    public var isTraining: Bool {
        get { modulesWithPaths.lazy.compactMap { ($0.module as? BatchNorm)?.isTraining }.first ?? true }
        set { for case let norm as BatchNorm in modulesWithPaths.map(\.module) { norm.isTraining = newValue } }
    }
}

func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : (b.isEmpty ? a : a + "." + b) }

/// A module that maps one variable to another.
public protocol Layer: Module {
    func callAsFunction(_ x: Variable) -> Variable
}

/// Layers applied one after another.
public final class Sequential: Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

    public func callAsFunction(_ x: Variable) -> Variable {
        layers.reduce(x) { $1($0) }
    }

    public var children: [(name: String, module: any Module)] {
        layers.enumerated().map { ("\($0.offset)", $0.element as any Module) }
    }
}

/// How a weight is drawn at construction.
public enum WeightInitialization {
    /// Normal with this standard deviation, redrawn beyond two deviations (the recipe's
    /// NICE weights use std 0.02).
    case truncatedNormal(std: Float)
    /// Uniform on ±1/sqrt(fan-in), PyTorch's default for linear and conv layers.
    case uniformFanIn

    func draw(_ shape: [Int], fanIn: Int, generator: inout RandomGenerator) -> Tensor {
        switch self {
        case .truncatedNormal(let std):
            return .truncatedNormal(shape, std: std, generator: &generator)
        case .uniformFanIn:
            let bound = 1 / Float(max(fanIn, 1)).squareRoot()
            return .uniform(shape, low: -bound, high: bound, generator: &generator)
        }
    }
}
