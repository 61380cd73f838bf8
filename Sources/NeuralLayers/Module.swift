import TensorCore
import Autodiff

/// Something with trainable parameters, each under a name that is unique within the
/// module ("weight", "layers.2.bias"). Names are how checkpoints and optimisers refer
/// to parameters.
public protocol Module: AnyObject {
    var namedParameters: [(name: String, parameter: Variable)] { get }
    /// Non-trainable state saved with the parameters (batch norm's running averages).
    var namedBuffers: [(name: String, buffer: Tensor)] { get }
}

extension Module {
    public var parameters: [Variable] { namedParameters.map(\.parameter) }
    public var namedBuffers: [(name: String, buffer: Tensor)] { [] }
    public var parameterCount: Int { parameters.map(\.value.count).reduce(0, +) }
}

/// A module that maps one variable to another.
public protocol Layer: Module {
    func callAsFunction(_ x: Variable) -> Variable
}

/// Layers whose behaviour differs between training and evaluation (batch norm).
public protocol ModeSwitching: AnyObject {
    var isTraining: Bool { get set }
}

/// Layers applied one after another.
public final class Sequential: Layer, ModeSwitching {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

    public func callAsFunction(_ x: Variable) -> Variable {
        layers.reduce(x) { $1($0) }
    }

    public var namedParameters: [(name: String, parameter: Variable)] {
        prefixed(layers.map(\.namedParameters))
    }

    public var namedBuffers: [(name: String, buffer: Tensor)] {
        layers.enumerated().flatMap { i, layer in layer.namedBuffers.map { ("\(i).\($0.name)", $0.buffer) } }
    }

    public var isTraining: Bool {
        get { layers.compactMap { $0 as? ModeSwitching }.first?.isTraining ?? true }
        set { for case let layer as ModeSwitching in layers { layer.isTraining = newValue } }
    }
}

/// Names children's parameters "0.weight", "1.weight", ... in order.
public func prefixed(_ children: [[(name: String, parameter: Variable)]]) -> [(name: String, parameter: Variable)] {
    children.enumerated().flatMap { i, list in list.map { ("\(i).\($0.name)", $0.parameter) } }
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
