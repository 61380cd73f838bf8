import TensorCore

// Batch normalisation in training mode, fused: one pass for the statistics, one for the
// output, and a closed-form backward pass. Channels are axis 1 ([N, C] or [N, C, H, W]);
// statistics are taken over all other axes, M values per channel:
//   mu = mean(x),  var = mean((x - mu)²),  x̂ = (x - mu) / sqrt(var + eps),  y = gamma x̂ + beta
// and with g = dL/dy:
//   dbeta = Σ g,  dgamma = Σ g x̂,  dx = gamma / sqrt(var + eps) · (g - dbeta/M - x̂ · dgamma/M).

extension Variable {
    public static func batchNorm(_ x: Variable, gamma: Variable, beta: Variable,
                                 epsilon: Float) -> (output: Variable, statistics: BatchStatistics) {
        let layout = ChannelLayout(x.shape)
        precondition(gamma.shape == [layout.channels] && beta.shape == [layout.channels],
                     "batchNorm: gamma \(gamma.shape) and beta \(beta.shape) for input \(x.shape)")
        let statistics = layout.statistics(x.value)
        let invStd = statistics.variance.map { 1 / ($0 + epsilon).squareRoot() }
        let y = layout.normalize(x.value, mean: statistics.mean, invStd: invStd,
                                 gamma: gamma.value, beta: beta.value)
        let output = record(y, inputs: [x, gamma, beta]) { g, _, needs in
            if GradientRecording.isEnabled {
                return batchNormGradientsRecorded(g, x: x, gamma: gamma, epsilon: epsilon, layout: layout)
            }
            let (dx, dgamma, dbeta) = layout.backward(g.value, x: x.value, mean: statistics.mean,
                                                      invStd: invStd, gamma: gamma.value,
                                                      needInput: needs[0])
            return [dx.map { Variable($0) }, Variable(dgamma), Variable(dbeta)]
        }
        return (output, statistics)
    }

    /// Training-mode batch norm of `x` taken as consecutive batches of `group` samples,
    /// each normalised with its own statistics, which are returned in order; for passes
    /// that record no graph (the output is a constant). Each batch gives exactly the
    /// numbers `batchNorm` gives it alone.
    public static func groupedBatchNormValue(_ x: Tensor, group: Int, gamma: Tensor, beta: Tensor,
                                             epsilon: Float) -> (output: Tensor, statistics: [BatchStatistics]) {
        precondition(x.rank >= 2 && group > 0 && x.shape[0] % group == 0,
                     "grouped batch norm: \(x.shape[0]) samples are not made of groups of \(group)")
        let layout = ChannelLayout([group] + x.shape[1...])
        var y = Tensor(uninitializedShape: x.shape)
        let (source, destination) = (x.unsafeReadPointer, y.unsafeWritePointer())
        let stride = group * layout.channels * layout.inner
        var all: [BatchStatistics] = []
        for start in Swift.stride(from: 0, to: x.count, by: stride) {
            let statistics = layout.statistics(of: source + start)
            let invStd = statistics.variance.map { 1 / ($0 + epsilon).squareRoot() }
            layout.normalize(from: source + start, to: destination + start,
                             mean: statistics.mean, invStd: invStd, gamma: gamma, beta: beta)
            all.append(statistics)
        }
        return (y, all)
    }

    /// The same gradients written with differentiable operations, for a backward pass
    /// that is itself recorded (second-order gradients through batch norm).
    static func batchNormGradientsRecorded(_ g: Variable, x: Variable, gamma: Variable, epsilon: Float,
                                           layout: ChannelLayout) -> [Variable?] {
        let axes = layout.reducedAxes
        let m = Float(layout.valuesPerChannel)
        let mean = x.mean(alongAxes: axes, keepingDimensions: true)
        let centred = x - mean
        let variance = centred.square().mean(alongAxes: axes, keepingDimensions: true)
        let invStd = 1 / (variance + epsilon).sqrt()
        let normalized = centred * invStd
        let dbeta = g.sum(alongAxes: axes, keepingDimensions: true)
        let dgamma = (g * normalized).sum(alongAxes: axes, keepingDimensions: true)
        let gammaView = gamma.reshaped(layout.broadcastShape)
        let dx = gammaView * invStd * (g - dbeta * (1 / m) - normalized * dgamma * (1 / m))
        return [dx, dgamma.reshaped([layout.channels]), dbeta.reshaped([layout.channels])]
    }
}
