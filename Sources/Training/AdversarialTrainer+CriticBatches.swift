import TensorCore
import Autodiff
import NeuralLayers
import Flows
import GAN

// Performance code, kept apart from the training step it speeds up (AdversarialTrainer.swift):
// the fake batches of all critic steps of an iteration in one pass through the generator.
extension AdversarialTrainer {
    /// What one critic step draws at random: the latent codes of its fake batch and, with
    /// the gradient penalty, the per-sample mixing weights ε.
    struct CriticDraws {
        var latent: Tensor
        var epsilon: Tensor?
    }

    /// The fake batches of all `criticSteps` critic steps, made before the first one.
    ///
    /// The generator does not change during the critic steps, so drawing every step's
    /// random numbers first (in the order the steps would draw them) and sampling all
    /// fake batches in one pass computes exactly what step-by-step sampling computes:
    /// batch norm keeps each batch's statistics apart (`withBatchNormGroups`), and
    /// the matrix products see five times the rows, which OpenBLAS runs more efficiently.
    public func criticBatches(like real: Tensor) -> [(fake: Tensor, epsilon: Tensor?)] {
        let n = real.shape[0]
        let draws = (0..<criticSteps).map { _ in
            let latent = model.prior.sample(n, shape: model.latentShape, generator: &randomness)
            return CriticDraws(latent: latent,
                               epsilon: clipping == nil ? penaltyMixingWeights(like: real, generator: &randomness) : nil)
        }
        let fakes = GradientRecording.withoutRecording {
            model.withBatchNormGroups(of: n) {
                model.generate(Variable(Tensor.concatenate(draws.map(\.latent), alongAxis: 0))).value
            }
        }
        return draws.indices.map { k in (fakes.slice(k * n..<(k + 1) * n, alongAxis: 0), draws[k].epsilon) }
    }
}
