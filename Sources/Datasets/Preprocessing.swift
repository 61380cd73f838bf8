import Foundation
import TensorCore
import Autodiff

// The recipe's data conventions (identical for every objective, so that likelihoods
// compare): pixels x in [0, 1] are dequantised inside the model, then taken to the real
// line by a logit, whose log-Jacobian is part of log p(x).

public enum Dequantization {
    /// y = (255 x + u) / 256 with u ~ U(0, 1), a fresh draw at every call. The 1/256
    /// rescaling gets no Jacobian term, so densities live on [0, 1]^D.
    public static func apply(_ x: Tensor, generator: inout RandomGenerator) -> Tensor {
        let noise = Tensor.uniform(x.shape, generator: &generator)
        return Tensor.zip(x, noise) { (255 * $0 + $1) / 256 }
    }
}

/// y' = α + (1 - 2α) y, s = logit(y') = log y' - log(1 - y'), with α = 1e-7 by default.
/// log |ds/dy| = Σ [-log y' - log(1 - y') + log(1 - 2α)] over the coordinates of a sample.
/// The inverse is y = (sigmoid(s) - α) / (1 - 2α).
public struct LogitTransform {
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

    /// From the real line back to [0, 1].
    public func inverse(_ s: Variable) -> Variable {
        (s.sigmoid() - alpha) * (1 / (1 - 2 * alpha))
    }
}

/// Converting a negative log-likelihood in nats per image on [0, 1]^D to bits per
/// dimension of the discrete 8-bit data: bpd = (NLL + D ln 256) / (D ln 2). For
/// CIFAR-10 (D = 3072) this is the recipe's 8 + NLL / (3072 ln 2).
public func bitsPerDimension(nllNats: Double, dimension: Int) -> Double {
    (nllNats + Double(dimension) * Foundation.log(256)) / (Double(dimension) * Foundation.log(2))
}
