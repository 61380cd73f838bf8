import TensorCore
import Autodiff

// Performance code, kept apart from BatchNorm's definition (Normalization.swift).
extension BatchNorm {
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

extension Module {
    /// Runs `body` with every batch norm of this module treating its input as batches of
    /// `group` samples each, stacked along axis 0: statistics and running-average updates
    /// per batch, in order, while the layers around them see one large batch.
    ///
    /// Why: the critic steps of a Flow-GAN iteration need five fake batches from the same,
    /// unchanged generator. One pass over the five stacked batches gives every generator
    /// matrix product five times the rows, so each weight matrix is packed for sgemm once
    /// instead of five times, and the samples come out exactly as five separate passes
    /// would give them.
    public func withBatchNormGroups<Result>(of group: Int, _ body: () throws -> Result) rethrows -> Result {
        let norms = modulesWithPaths.compactMap { $0.module as? BatchNorm }
        for norm in norms { norm.statisticsGroup = group }
        defer { for norm in norms { norm.statisticsGroup = nil } }
        return try body()
    }
}
