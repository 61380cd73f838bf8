import TensorCore
import Autodiff
import Datasets
import Flows

/// Re-estimates the running averages of every batch norm in `flow` from real images: passes
/// `batches` batches of `batchSize` images of `images` (in order, from the first, wrapping
/// around), each dequantised with `generator`, through the flow's likelihood in training
/// mode, without recording gradients and without touching a parameter. Each pass updates the
/// averages as a maximum-likelihood step's forward pass does (running = momentum · running +
/// (1 - momentum) · batch), so afterwards they describe the coupling networks' inputs on
/// data, as an MLE model's do. The flow is left in the mode it was in.
///
/// Why a course needs this: a flow trained adversarially also runs its coupling networks on
/// generated samples (six of the hybrid's seven passes an iteration: five fake batches for
/// the critic, one for the generator's loss, then the real batch of the NLL term), and each
/// of those passes moves the averages towards the statistics of the samples. In evaluation
/// mode the likelihood of real images is then computed with averages of generated ones.
public func reestimateBatchNormAverages(_ flow: NormalizingFlow, images: Tensor, batches: Int, batchSize: Int = 100,
                                        generator: inout RandomGenerator) {
    precondition(batches >= 1 && batchSize >= 2, "reestimateBatchNormAverages: at least one batch of two images")
    let n = images.shape[0]
    precondition(n >= batchSize, "reestimateBatchNormAverages: \(n) images for batches of \(batchSize)")
    let wasTraining = flow.isTraining
    flow.isTraining = true
    defer { flow.isTraining = wasTraining }
    GradientRecording.withoutRecording {
        var start = 0
        for _ in 0..<batches {
            if start + batchSize > n { start = 0 }
            let batch = images.slice(start..<(start + batchSize), alongAxis: 0)
            _ = flow.negativeLogLikelihood(Variable(Dequantization.apply(batch, generator: &generator)))
            start += batchSize
        }
    }
}
