import Foundation
import TensorCore

// The recipe's data conventions (identical for every objective, so that likelihoods
// compare): pixels x in [0, 1] are dequantised inside the model, then taken to the real
// line by a logit, whose log-Jacobian is part of log p(x) (the logit is a flow layer,
// Flows' `LogitLayer`).

public enum Dequantization {
    /// y = (255 x + u) / 256 with u ~ U(0, 1), a fresh draw at every call. The 1/256
    /// rescaling gets no Jacobian term, so densities live on [0, 1]^D.
    public static func apply(_ x: Tensor, generator: inout RandomGenerator) -> Tensor {
        let noise = Tensor.uniform(x.shape, generator: &generator)
        return Tensor.zip(x, noise) { (255 * $0 + $1) / 256 }
    }
}

/// Converting a negative log-likelihood in nats per image on [0, 1]^D to bits per
/// dimension of the discrete 8-bit data: bpd = (NLL + D ln 256) / (D ln 2). For
/// CIFAR-10 (D = 3072) this is the recipe's 8 + NLL / (3072 ln 2).
public func bitsPerDimension(nllNats: Double, dimension: Int) -> Double {
    (nllNats + Double(dimension) * Foundation.log(256)) / (Double(dimension) * Foundation.log(2))
}
