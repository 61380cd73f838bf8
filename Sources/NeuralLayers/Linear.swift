import TensorCore
import Autodiff

/// y = x W + b, for x [N, In], W [In, Out], b [Out]. W is stored input-major so the
/// forward pass is one sgemm without transposes.
public final class Linear: Layer {
    public let weight: Variable
    public let bias: Variable

    public init(_ inputSize: Int, _ outputSize: Int, initialization: WeightInitialization = .uniformFanIn,
                generator: inout RandomGenerator) {
        weight = Variable(initialization.draw([inputSize, outputSize], fanIn: inputSize, generator: &generator),
                          requiresGradient: true)
        bias = Variable(Tensor(zeros: [outputSize]), requiresGradient: true)
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        precondition(x.shape.count == 2 && x.shape[1] == weight.shape[0],
                     "Linear(\(weight.shape[0]), \(weight.shape[1])) applied to shape \(x.shape)")
        return Variable.affine(x, weight, bias: bias)
    }

    public var ownParameters: [(name: String, parameter: Variable)] { [("weight", weight), ("bias", bias)] }
}

/// A 2-D convolution with bias over NCHW images.
public final class Conv2d: Layer {
    public let weight: Variable   // [O, C, kh, kw]
    public let bias: Variable     // [O]
    public let stride: Int
    public let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                initialization: WeightInitialization = .uniformFanIn, generator: inout RandomGenerator) {
        let shape = [outChannels, inChannels, kernelSize, kernelSize]
        weight = Variable(initialization.draw(shape, fanIn: inChannels * kernelSize * kernelSize, generator: &generator),
                          requiresGradient: true)
        bias = Variable(Tensor(zeros: [outChannels]), requiresGradient: true)
        self.stride = stride
        self.padding = padding
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        let y = Variable.conv2d(x, weight, stride: stride, padding: padding)
        return y + bias.reshaped([1, bias.shape[0], 1, 1])
    }

    public var ownParameters: [(name: String, parameter: Variable)] { [("weight", weight), ("bias", bias)] }
}

/// Leaky ReLU as a layer: x for x > 0, slope · x otherwise.
public final class LeakyReLU: Layer {
    public let slope: Float
    public init(slope: Float = 0.2) { self.slope = slope }
    public func callAsFunction(_ x: Variable) -> Variable { x.leakyRelu(slope: slope) }
}

/// ReLU as a layer.
public final class ReLU: Layer {
    public init() {}
    public func callAsFunction(_ x: Variable) -> Variable { x.relu() }
}

/// [N, ...] -> [N, D]: each sample's values in one row (a critic's images before its
/// dense layer).
public final class Flatten: Layer {
    public init() {}
    public func callAsFunction(_ x: Variable) -> Variable { x.reshaped([x.shape[0], -1]) }
}
