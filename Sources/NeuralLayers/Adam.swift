import Foundation
import TensorCore
import Autodiff

/// Adam (Kingma & Ba 2015), with the bias corrections folded into the step as PyTorch
/// does. At step t = 1, 2, ... with gradient g:
///   m ← β1 m + (1 - β1) g,   v ← β2 v + (1 - β2) g²,
///   θ ← θ - lr_t · (m / (1 - β1^t)) / (sqrt(v / (1 - β2^t)) + ε),
/// where lr_t = lr · decay^(t-1) (decay = 1 keeps the rate fixed; the recipe's CIFAR-10
/// runs decay by 0.999995 per step).
public final class Adam {
    public let parameters: [Variable]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, decay: Float
    public private(set) var step = 0
    public private(set) var firstMoments: [Tensor]
    public private(set) var secondMoments: [Tensor]

    public init(parameters: [Variable], learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, decay: Float = 1) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.decay = decay
        firstMoments = parameters.map { Tensor(zeros: $0.shape) }
        secondMoments = parameters.map { Tensor(zeros: $0.shape) }
    }

    /// The learning rate the next step will use.
    public var currentLearningRate: Float { learningRate * Foundation.pow(decay, Float(step)) }

    /// One update of every parameter from its gradient (in the order of `parameters`).
    public func update(_ gradients: [Variable]) {
        precondition(gradients.count == parameters.count,
                     "Adam: \(gradients.count) gradients for \(parameters.count) parameters")
        beginStep()
        for i in parameters.indices { update(parameterAt: i, gradient: gradients[i]) }
    }

    /// One step that minimises `loss`: its gradient with respect to every parameter, each
    /// parameter updated as soon as its gradient is complete, while the two are still in
    /// cache (the same numbers as `update(gradients(of: loss, withRespectTo: parameters))`,
    /// with less memory traffic).
    public func minimise(_ loss: Variable) {
        beginStep()
        forEachGradient(of: loss, withRespectTo: parameters) { update(parameterAt: $0, gradient: $1) }
    }

    /// One step in which the caller updates each parameter as its gradient becomes ready
    /// (`forEachGradient`): call `update(parameterAt:gradient:)` once per parameter after.
    public func beginStep() {
        let lr = currentLearningRate
        step += 1
        let correction1 = 1 - Foundation.pow(Double(beta1), Double(step))
        let correction2 = 1 - Foundation.pow(Double(beta2), Double(step))
        stepSize = lr / Float(correction1)
        rootCorrection2 = Float(correction2.squareRoot())
    }

    private var stepSize: Float = 0
    private var rootCorrection2: Float = 1

    /// The update of parameter `i` within the current step.
    public func update(parameterAt i: Int, gradient: Variable) {
        checkSameShape(gradient.shape, parameters[i].shape, "Adam gradient")
        let b1 = beta1, b2 = beta2, eps = epsilon, stepSize = stepSize, rootCorrection2 = rootCorrection2
        let g = gradient.value.unsafeReadPointer
        parameters[i].value.withUnsafeMutableBufferPointer { theta in
            firstMoments[i].withUnsafeMutableBufferPointer { m in
                secondMoments[i].withUnsafeMutableBufferPointer { v in
                    let p = theta.baseAddress!, mp = m.baseAddress!, vp = v.baseAddress!
                    // One fused pass per parameter, split across cores, 8 lanes at a time.
                    parallelChunks(theta.count, grain: 1 << 15) { range in
                        adamKernel(p + range.lowerBound, m: mp + range.lowerBound, v: vp + range.lowerBound,
                                   g: g + range.lowerBound, count: range.count, beta1: b1, beta2: b2,
                                   stepSize: stepSize, rootCorrection2: rootCorrection2, epsilon: eps)
                    }
                }
            }
        }
    }

    /// Restores the optimiser's state (from a checkpoint).
    public func restore(step: Int, firstMoments: [Tensor], secondMoments: [Tensor]) {
        precondition(firstMoments.count == parameters.count && secondMoments.count == parameters.count,
                     "Adam state for \(firstMoments.count) parameters, expected \(parameters.count)")
        self.step = step
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }
}

/// The Adam update over `count` contiguous values, written with SIMD vectors: the
/// compiler does not vectorise the scalar loop by itself, since the four pointers might
/// alias, and this pass over every parameter is the largest cost after the GEMMs.
@inline(__always)
func adamKernel(_ p: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                g: UnsafePointer<Float>, count: Int, beta1: Float, beta2: Float,
                stepSize: Float, rootCorrection2: Float, epsilon: Float) {
    typealias Lanes = SIMD8<Float>
    let width = Lanes.scalarCount
    let vectorEnd = count - count % width
    let b1 = Lanes(repeating: beta1), c1 = Lanes(repeating: 1 - beta1)
    let b2 = Lanes(repeating: beta2), c2 = Lanes(repeating: 1 - beta2)
    let step = Lanes(repeating: stepSize), eps = Lanes(repeating: epsilon)
    let inverseRoot = Lanes(repeating: 1 / rootCorrection2)
    var j = 0
    while j < vectorEnd {
        let gj = UnsafeRawPointer(g + j).loadUnaligned(as: Lanes.self)
        let mj = b1 * UnsafeRawPointer(m + j).loadUnaligned(as: Lanes.self) + c1 * gj
        let vj = b2 * UnsafeRawPointer(v + j).loadUnaligned(as: Lanes.self) + c2 * gj * gj
        let pj = UnsafeRawPointer(p + j).loadUnaligned(as: Lanes.self)
        UnsafeMutableRawPointer(m + j).storeBytes(of: mj, as: Lanes.self)
        UnsafeMutableRawPointer(v + j).storeBytes(of: vj, as: Lanes.self)
        UnsafeMutableRawPointer(p + j).storeBytes(of: pj - step * mj / (vj.laneSquareRoot * inverseRoot + eps), as: Lanes.self)
        j += width
    }
    while j < count {
        let gj = g[j]
        let mj = beta1 * m[j] + (1 - beta1) * gj
        let vj = beta2 * v[j] + (1 - beta2) * gj * gj
        m[j] = mj
        v[j] = vj
        p[j] -= stepSize * mj / (vj.squareRoot() * (1 / rootCorrection2) + epsilon)
        j += 1
    }
}
