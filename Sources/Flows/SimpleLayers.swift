import Foundation
import TensorCore
import Autodiff
import NeuralLayers

/// Space to depth: [N, C, H, W] -> [N, 4C, H/2, W/2], each 2x2 block of a channel
/// becoming four channels. A permutation of the values, so log |det| = 0.
public final class Squeeze: FlowLayer {
    public init() {}

    public func forward(_ x: Variable) -> (output: Variable, logDeterminant: Variable) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(h % 2 == 0 && w % 2 == 0, "Squeeze needs even height and width, got \(x.shape)")
        let y = x.reshaped([n, c, h / 2, 2, w / 2, 2]).permuted([0, 1, 3, 5, 2, 4]).reshaped([n, 4 * c, h / 2, w / 2])
        return (y, zeroLogDeterminant(n))
    }

    public func inverse(_ y: Variable) -> (output: Variable, logDeterminant: Variable) {
        let (n, c4, h2, w2) = (y.shape[0], y.shape[1], y.shape[2], y.shape[3])
        let c = c4 / 4
        let x = y.reshaped([n, c, 2, 2, h2, w2]).permuted([0, 1, 4, 2, 5, 3]).reshaped([n, c, 2 * h2, 2 * w2])
        return (x, zeroLogDeterminant(n))
    }

}

/// z = x ⊙ exp(s) with a learned s of the shape of one sample, initialised to 0;
/// log |det| = Σ s for every sample (NICE's final scaling layer).
public final class DiagonalScaling: FlowLayer {
    public let logScale: Variable

    public init(shape: [Int]) {
        logScale = Variable(Tensor(zeros: [1] + shape), requiresGradient: true)
    }

    public func forward(_ x: Variable) -> (output: Variable, logDeterminant: Variable) {
        (x * logScale.exp(), logScale.sum().reshaped([1]).broadcast(toShape: [x.shape[0]]))
    }

    public func inverse(_ z: Variable) -> (output: Variable, logDeterminant: Variable) {
        (z * (-logScale).exp(), (-logScale.sum()).reshaped([1]).broadcast(toShape: [z.shape[0]]))
    }

    public var ownParameters: [(name: String, parameter: Variable)] { [("log_scale", logScale)] }
}

/// The recipe's logit preprocessing as a flow layer: from (dequantised) pixels in
/// [0, 1] to the real line, with its log-determinant.
///
/// y' = α + (1 - 2α) y, s = logit(y') = log y' - log(1 - y'), with α = 1e-7 by default.
/// log |ds/dy| = Σ [-log y' - log(1 - y') + log(1 - 2α)] over the coordinates of a sample.
/// The inverse is y = (sigmoid(s) - α) / (1 - 2α).
public final class LogitLayer: FlowLayer {
    public let alpha: Float

    public init(alpha: Float = 1e-7) { self.alpha = alpha }

    // [book:logit]
    /// The logit of each value and the log-determinant of each sample (axis 0), [N].
    public func forward(_ y: Variable) -> (output: Variable, logDeterminant: Variable) {
        let squeezed = y * (1 - 2 * alpha) + alpha
        let logY = squeezed.log()
        let logOneMinusY = (1 - squeezed).log()
        let perValue = -logY - logOneMinusY + Float(Foundation.log(1 - 2 * Double(alpha)))
        let n = y.shape[0]
        return (logY - logOneMinusY, perValue.reshaped([n, -1]).sum(alongAxes: [1]))
    }
    // [/book:logit]

    /// x = (sigmoid(s) - α) / (1 - 2α); log |dx/ds| = Σ [log σ(s) + log(1 - σ(s)) - log(1 - 2α)].
    public func inverse(_ s: Variable) -> (output: Variable, logDeterminant: Variable) {
        let perValue = -(s.softplus() + (-s).softplus()) - Float(Foundation.log(1 - 2 * Double(alpha)))
        return (inverseOutput(s), perSample(perValue))
    }

    /// From the real line back to [0, 1].
    public func inverseOutput(_ s: Variable) -> Variable {
        (s.sigmoid() - alpha) * (1 / (1 - 2 * alpha))
    }
}

/// Reshapes each sample to `sampleShape` (forward: from flat [N, D] or any shape).
public final class Reshape: FlowLayer {
    public let inputShape: [Int]
    public let outputShape: [Int]

    public init(from inputShape: [Int], to outputShape: [Int]) {
        precondition(inputShape.reduce(1, *) == outputShape.reduce(1, *), "Reshape \(inputShape) -> \(outputShape)")
        self.inputShape = inputShape; self.outputShape = outputShape
    }

    public func forward(_ x: Variable) -> (output: Variable, logDeterminant: Variable) {
        (x.reshaped([x.shape[0]] + outputShape), zeroLogDeterminant(x.shape[0]))
    }

    public func inverse(_ z: Variable) -> (output: Variable, logDeterminant: Variable) {
        (z.reshaped([z.shape[0]] + inputShape), zeroLogDeterminant(z.shape[0]))
    }

}

/// Multi-scale factoring-out (Real NVP): of x [N, C, H, W], the first C/2 channels
/// leave the flow here and go straight to the latent vector; the other half continues
/// through `inner`. The output is flat: [N, D] with the factored values first. `inner`
/// must itself end flat (its last layer a `Reshape` to [D/2]).
public final class FactorOut: FlowLayer {
    public let inner: any FlowLayer
    public let shape: [Int]   // [C, H, W] of the input

    public init(shape: [Int], inner: any FlowLayer) {
        precondition(shape.count == 3 && shape[0] % 2 == 0, "FactorOut needs [C, H, W] with even C, got \(shape)")
        self.shape = shape
        self.inner = inner
    }

    public func forward(_ x: Variable) -> (output: Variable, logDeterminant: Variable) {
        let n = x.shape[0], half = shape[0] / 2
        let factored = x.slice(0..<half, alongAxis: 1).reshaped([n, -1])
        let (continued, logDet) = inner.forward(x.slice(half..<shape[0], alongAxis: 1))
        return (Variable.concatenate([factored, continued.reshaped([n, -1])], alongAxis: 1), logDet)
    }

    public func inverse(_ z: Variable) -> (output: Variable, logDeterminant: Variable) {
        let n = z.shape[0], half = shape[0] / 2
        let d = half * shape[1] * shape[2]
        let factored = z.slice(0..<d, alongAxis: 1).reshaped([n, half, shape[1], shape[2]])
        let (continued, logDet) = inner.inverse(z.slice(d..<(2 * d), alongAxis: 1))
        return (Variable.concatenate([factored, continued], alongAxis: 1), logDet)
    }

    public var children: [(name: String, module: any Module)] { [("inner", inner)] }
}
