import TensorCore
import Autodiff
import NeuralLayers

/// An invertible layer of a normalizing flow, differentiable in both directions.
///
/// `forward` goes from data toward the latent space, x -> z = f(x), and returns
/// log |det ∂f/∂x| for each sample; `inverse` goes back, z -> x = f⁻¹(z), with
/// log |det ∂f⁻¹/∂z| = -log |det ∂f/∂x|. Maximum likelihood differentiates `forward`;
/// a flow used as a GAN generator is `inverse`, and the adversarial loss
/// backpropagates through it.
public protocol FlowLayer: Module {
    func forward(_ x: Variable) -> (output: Variable, logDeterminant: Variable)
    func inverse(_ z: Variable) -> (output: Variable, logDeterminant: Variable)
    /// `inverse(z).output` alone, for sampling: layers whose log-determinant costs a
    /// pass of its own (the logit layer's) skip it here.
    func inverseOutput(_ z: Variable) -> Variable
}

extension FlowLayer {
    public func inverseOutput(_ z: Variable) -> Variable { inverse(z).output }
}

/// A zero log-determinant for a batch of `n` samples (volume-preserving layers).
func zeroLogDeterminant(_ n: Int) -> Variable { Variable(Tensor(zeros: [n])) }

/// Flow layers applied in order; the log-determinants add up.
public final class FlowSequence: FlowLayer {
    public let layers: [any FlowLayer]

    public init(_ layers: [any FlowLayer]) { self.layers = layers }

    public func forward(_ x: Variable) -> (output: Variable, logDeterminant: Variable) {
        var h = x
        var total: Variable? = nil
        for layer in layers {
            let (next, logDet) = layer.forward(h)
            h = next
            total = total.map { $0 + logDet } ?? logDet
        }
        return (h, total ?? zeroLogDeterminant(x.shape[0]))
    }

    public func inverse(_ z: Variable) -> (output: Variable, logDeterminant: Variable) {
        var h = z
        var total: Variable? = nil
        for layer in layers.reversed() {
            let (next, logDet) = layer.inverse(h)
            h = next
            total = total.map { $0 + logDet } ?? logDet
        }
        return (h, total ?? zeroLogDeterminant(z.shape[0]))
    }

    public func inverseOutput(_ z: Variable) -> Variable {
        layers.reversed().reduce(z) { h, layer in layer.inverseOutput(h) }
    }

    public var children: [(name: String, module: any Module)] {
        layers.enumerated().map { ("\($0.offset)", $0.element as any Module) }
    }
}

/// Sums a per-value tensor [N, ...] to one number per sample, [N].
public func perSample(_ v: Variable) -> Variable {
    let n = v.shape[0]
    return v.reshaped([n, -1]).sum(alongAxes: [1])
}
