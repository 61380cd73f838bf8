import TensorCore
import Autodiff

/// Batch normalisation over axis 1 (features of [N, F], channels of [N, C, H, W]).
///
/// Training: normalise with the batch's own mean and biased variance, then update the
/// running averages: running = momentum · running + (1 - momentum) · batch, where the
/// batch variance enters unbiased (times M / (M - 1)), as PyTorch does.
/// Evaluation: normalise with the running averages, a fixed affine map.
public final class BatchNorm: Layer, BufferOwner {
    public let gamma: Variable
    public let beta: Variable
    public private(set) var runningMean: Tensor
    public private(set) var runningVariance: Tensor
    public let momentum: Float
    public let epsilon: Float
    public var isTraining = true
    /// In training mode, normalise the batch as stacked batches of this many samples each
    /// (a speed-up, BatchNorm+Groups.swift); nil: one batch.
    public internal(set) var statisticsGroup: Int?

    public init(_ channels: Int, momentum: Float = 0.9, epsilon: Float = 1e-5) {
        gamma = Variable(Tensor(ones: [channels]), requiresGradient: true)
        beta = Variable(Tensor(zeros: [channels]), requiresGradient: true)
        runningMean = Tensor(zeros: [channels])
        runningVariance = Tensor(ones: [channels])
        self.momentum = momentum
        self.epsilon = epsilon
    }

    /// Training: normalise with the batch's own statistics (and update the running
    /// averages); evaluation: with the running averages. The grouped path is a speed-up
    /// for the critic steps of Flow-GAN training (BatchNorm+Groups.swift).
    public func callAsFunction(_ x: Variable) -> Variable {
        precondition(ChannelLayout(x.shape).channels == gamma.shape[0], "BatchNorm(\(gamma.shape[0])) applied to shape \(x.shape)")
        guard isTraining else { return evaluationPass(x) }
        if let group = statisticsGroup, group < x.shape[0] { return groupedTrainingPass(x, group: group) }
        return trainingPass(x)
    }

    /// y = γ (x - running mean) / √(running variance + ε) + β, as one scale and shift.
    func evaluationPass(_ x: Variable) -> Variable {
        let layout = ChannelLayout(x.shape)
        let scale = gamma / Variable(runningVariance + epsilon).sqrt()
        let shift = beta - scale * Variable(runningMean)
        return x * scale.reshaped(layout.broadcastShape) + shift.reshaped(layout.broadcastShape)
    }

    /// Normalises with the batch's own statistics and updates the running averages.
    func trainingPass(_ x: Variable) -> Variable {
        let (y, statistics) = Variable.batchNorm(x, gamma: gamma, beta: beta, epsilon: epsilon)
        updateRunningAverages(statistics, valuesPerChannel: ChannelLayout(x.shape).valuesPerChannel)
        return y
    }

    /// running = momentum · running + (1 - momentum) · batch, the variance unbiased.
    func updateRunningAverages(_ statistics: BatchStatistics, valuesPerChannel: Int) {
        let m = Float(valuesPerChannel)
        let unbiased = statistics.variance * (m / max(m - 1, 1))
        runningMean = runningMean * momentum + statistics.mean * (1 - momentum)
        runningVariance = runningVariance * momentum + unbiased * (1 - momentum)
    }

    public var ownParameters: [(name: String, parameter: Variable)] { [("gamma", gamma), ("beta", beta)] }
    public var ownBuffers: [(name: String, buffer: Tensor)] {
        [("running_mean", runningMean), ("running_variance", runningVariance)]
    }

    public func setBuffer(_ name: String, _ value: Tensor) throws {
        guard value.shape == runningMean.shape else {
            throw ModuleStateError("buffer \(name) has shape \(value.shape), expected \(runningMean.shape)")
        }
        switch name {
        case "running_mean": runningMean = value
        case "running_variance": runningVariance = value
        default: throw ModuleStateError("BatchNorm has no buffer \(name)")
        }
    }
}

/// Layer normalisation: each sample is normalised over all its axes,
/// x̂ = (x - mean) / sqrt(var + eps), then scaled and shifted per channel (axis 1).
/// Built from differentiable operations, so it can sit inside a critic whose gradient
/// penalty differentiates twice.
public final class LayerNorm: Layer {
    public let gamma: Variable
    public let beta: Variable
    public let epsilon: Float

    public init(_ channels: Int, epsilon: Float = 1e-5) {
        gamma = Variable(Tensor(ones: [channels]), requiresGradient: true)
        beta = Variable(Tensor(zeros: [channels]), requiresGradient: true)
        self.epsilon = epsilon
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        let layout = ChannelLayout(x.shape)
        let axes = Array(1..<x.shape.count)
        let centred = x - x.mean(alongAxes: axes, keepingDimensions: true)
        let variance = centred.square().mean(alongAxes: axes, keepingDimensions: true)
        let normalized = centred / (variance + epsilon).sqrt()
        return normalized * gamma.reshaped(layout.broadcastShape) + beta.reshaped(layout.broadcastShape)
    }

    public var ownParameters: [(name: String, parameter: Variable)] { [("gamma", gamma), ("beta", beta)] }
}

/// Weight normalisation (Salimans & Kingma 2016): w = g · v / ||v||, one norm and one
/// scale g per output unit, so the direction and length of each unit's weights are
/// learned separately. `outputAxis` is 0 for conv weights [O, C, kh, kw] and 1 for
/// linear weights [In, Out].
public func weightNormalized(direction v: Variable, scale g: Variable, outputAxis: Int) -> Variable {
    let axes = (0..<v.shape.count).filter { $0 != outputAxis }
    let norm = v.square().sum(alongAxes: axes, keepingDimensions: true).sqrt()
    var gShape = [Int](repeating: 1, count: v.shape.count)
    gShape[outputAxis] = v.shape[outputAxis]
    return v * (g.reshaped(gShape) / norm)
}

/// A convolution whose weight is weight-normalised (the recipe's Real NVP 1x1 convs).
public final class WeightNormConv2d: Layer {
    public let direction: Variable
    public let scale: Variable
    public let bias: Variable
    public let stride: Int
    public let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                generator: inout RandomGenerator) {
        let shape = [outChannels, inChannels, kernelSize, kernelSize]
        let v = WeightInitialization.uniformFanIn.draw(shape, fanIn: inChannels * kernelSize * kernelSize,
                                                       generator: &generator)
        direction = Variable(v, requiresGradient: true)
        // g starts at ||v|| so that w = v at initialisation.
        let norms = v.square().sum(alongAxes: [1, 2, 3]).sqrt()
        scale = Variable(norms, requiresGradient: true)
        bias = Variable(Tensor(zeros: [outChannels]), requiresGradient: true)
        self.stride = stride
        self.padding = padding
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        let w = weightNormalized(direction: direction, scale: scale, outputAxis: 0)
        return Variable.conv2d(x, w, stride: stride, padding: padding) + bias.reshaped([1, bias.shape[0], 1, 1])
    }

    public var ownParameters: [(name: String, parameter: Variable)] {
        [("direction", direction), ("scale", scale), ("bias", bias)]
    }
}
