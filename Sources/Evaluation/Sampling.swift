import TensorCore
import Autodiff
import Flows

/// `count` samples of `flow` at `temperature`, drawn `batchSize` at a time (a batch's
/// activations, not the whole set's, are in memory at once) from `generator`, without
/// recording gradients. Chapters 03 and 06 score what this returns.
public func drawSamples(_ flow: NormalizingFlow, count: Int, temperature: Float = 1, generator: inout RandomGenerator,
                        batchSize: Int = 500) -> Tensor {
    var batches: [Tensor] = []
    GradientRecording.withoutRecording {
        for first in stride(from: 0, to: count, by: batchSize) {
            batches.append(flow.sample(min(batchSize, count - first), generator: &generator, temperature: temperature).value)
        }
    }
    return Tensor.concatenate(batches, alongAxis: 0)
}
