import TensorCore
import Autodiff

// Performance code, kept apart from BatchNorm's definition (Normalization.swift).
extension BatchNorm {
    /// Batches of this many samples each, stacked along axis 0, that training-mode batch
    /// norm treats as separate batches (statistics and running-average updates per batch,
    /// in order) while the layers around it see one large batch. Set for a scope with
    /// `BatchNorm.$statisticsGroup.withValue(n) { ... }`; nil (the default) means one batch.
    ///
    /// Why: the critic steps of a Flow-GAN iteration need five fake batches from the same,
    /// unchanged generator. One pass over the five stacked batches gives every generator
    /// matrix product five times the rows, so each weight matrix is packed for sgemm once
    /// instead of five times, and the samples come out exactly as five separate passes
    /// would give them.
    @TaskLocal public static var statisticsGroup: Int? = nil

    /// Training mode over `x.shape[0] / group` stacked batches, each normalised with its
    /// own statistics and updating the running averages in order, exactly as separate
    /// calls would. Without gradients to record, one fused pass over all groups.
    func groupedTrainingPass(_ x: Variable, group: Int) -> Variable {
        precondition(x.shape[0] % group == 0, "BatchNorm: a batch of \(x.shape[0]) is not made of groups of \(group)")
        if !(GradientRecording.isEnabled && [x, gamma, beta].contains(where: \.requiresGradient)) {
            let (y, statistics) = Variable.groupedBatchNormValue(x.value, group: group, gamma: gamma.value,
                                                                 beta: beta.value, epsilon: epsilon)
            for batch in statistics { updateRunningAverages(batch, valuesPerChannel: group * ChannelLayout(x.shape).inner) }
            return Variable(y)
        }
        let parts = stride(from: 0, to: x.shape[0], by: group).map { start in
            trainingPass(x.slice(start..<(start + group), alongAxis: 0))
        }
        return Variable.concatenate(parts, alongAxis: 0)
    }
}
