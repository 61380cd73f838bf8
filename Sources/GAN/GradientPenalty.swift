import TensorCore
import Autodiff
import NeuralLayers

// [book:gradient-penalty]
/// The WGAN-GP gradient penalty (Gulrajani et al. 2017):
///
///     GP = E_x̂ [ (‖∇_x̂ D(x̂)‖₂ - 1)² ],   x̂ = ε x + (1 - ε) G(z),  ε ~ U(0, 1) per sample,
///
/// with the norm over all coordinates of each sample. A 1-Lipschitz critic has gradient
/// norm at most 1 everywhere, and the optimal WGAN critic has norm 1 on the lines between
/// real and generated points that the optimal transport plan pairs (Gulrajani et al.,
/// Proposition 1). Which points the plan pairs is unknown during training, so WGAN-GP
/// pairs each real point with a random generated one: a heuristic, which the penalty
/// applies softly.
///
/// Training the critic needs ∂GP/∂(critic weights), a derivative of a derivative: the
/// inner gradient ∇_x̂ D is computed with `createGraph: true`, so it is itself a recorded
/// function of the weights, and the outer backward pass differentiates through it.
///
/// `epsilon` holds the mixing weights ε, shape [N, 1, ...].
public func gradientPenalty(critic: any Layer, real: Tensor, fake: Tensor, epsilon: Tensor) -> Variable {
    let n = real.shape[0]
    let mixed = Tensor.zip(real * epsilon, fake * epsilon.map { 1 - $0 }, +)
    let interpolate = Variable(mixed, requiresGradient: true)
    let score = critic(interpolate).sum()
    let slope = gradients(of: score, withRespectTo: [interpolate], createGraph: true)[0]
    let norm = (slope.reshaped([n, -1]).square().sum(alongAxes: [1]) + 1e-12).sqrt()
    return (norm - 1).square().mean()
}
// [/book:gradient-penalty]

/// The penalty with its mixing weights drawn from `generator`.
public func gradientPenalty(critic: any Layer, real: Tensor, fake: Tensor,
                            generator: inout RandomGenerator) -> Variable {
    let epsilon = penaltyMixingWeights(like: real, generator: &generator)
    return gradientPenalty(critic: critic, real: real, fake: fake, epsilon: epsilon)
}

/// ε ~ U(0, 1), one per sample, shaped [N, 1, ...] to broadcast against `batch`.
public func penaltyMixingWeights(like batch: Tensor, generator: inout RandomGenerator) -> Tensor {
    var shape = [Int](repeating: 1, count: batch.rank)
    shape[0] = batch.shape[0]
    return Tensor.uniform(shape, generator: &generator)
}

/// Clips every critic weight into [-c, c] (the original WGAN's Lipschitz constraint,
/// kept for comparison with the gradient penalty).
public func clipWeights(_ critic: any Module, to c: Float) {
    for parameter in critic.parameters {
        parameter.value.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = min(max(p[i], -c), c) }
        }
    }
}
