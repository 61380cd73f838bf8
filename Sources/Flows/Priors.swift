import Foundation
import TensorCore
import Autodiff

/// The base density p_Z of a flow: independent coordinates, log p summed per sample.
public enum Prior: String, Sendable {
    case standardNormal = "normal"
    case standardLogistic = "logistic"

    /// log p(z) for each sample of z [N, ...], [N].
    ///   normal:   Σ -z²/2 - log(2π)/2
    ///   logistic: Σ -z - 2 softplus(-z) = Σ z - 2 softplus(z)   (the recipe's form)
    public func logProbability(_ z: Variable) -> Variable {
        switch self {
        case .standardNormal:
            return perSample(z.square() * -0.5 - Float(0.5 * Foundation.log(2 * Double.pi)))
        case .standardLogistic:
            return perSample(z - z.softplus() * 2)
        }
    }

    /// `n` samples of the given per-sample shape.
    public func sample(_ n: Int, shape: [Int], generator: inout RandomGenerator, temperature: Float = 1) -> Tensor {
        switch self {
        case .standardNormal: return .normal([n] + shape, std: temperature, generator: &generator)
        case .standardLogistic: return Tensor.logistic([n] + shape, generator: &generator) * temperature
        }
    }
}
