import Foundation
import TestSupport
import Testing
import TensorCore
import Autodiff

// The oracle of the Autodiff tests: central finite differences of Float forward
// evaluations, with every difference, sum and quotient taken in Double. Test inputs
// come from SplitMix64, written here, so no test depends on the library's own
// RandomGenerator.

/// Values with magnitude in [low, high) and a random sign: inputs kept away from the
/// kink of ReLU-like functions by more than any finite-difference step used here.
func sampleAwayFromZero(_ shape: [Int], seed: UInt64, low: Float = 0.2, high: Float = 1) -> Tensor {
    var source = SplitMix64(state: seed)
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, values: (0..<count).map { _ in
        let magnitude = source.nextFloat(low, high)
        return source.next() & 1 == 0 ? magnitude : -magnitude
    })
}

/// Checks the first-order gradients of L = Σ op(x)·W (W fixed random weights, so every
/// output element matters) with respect to the inputs listed in `differentiate` (all by
/// default) against central differences of L.
func expectFirstOrderGradients(_ inputs: [Tensor], differentiate: [Int]? = nil, weightSeed: UInt64 = 7_777,
                               step: Float = 1e-2, tolerance: Double = 1e-2, createGraph: Bool = false,
                               sourceLocation: SourceLocation = #_sourceLocation,
                               _ op: ([Variable]) -> Variable) {
    let targets = differentiate ?? Array(inputs.indices)
    let variables = inputs.enumerated().map { i, t in Variable(t, requiresGradient: targets.contains(i)) }
    let output = op(variables)
    let weights = sampleTensor(output.shape, seed: weightSeed)
    let loss = (output * Variable(weights)).sum()
    let analytic = gradients(of: loss, withRespectTo: targets.map { variables[$0] }, createGraph: createGraph)
    let numeric = numericalGradients(targets.map { inputs[$0] }, step: step) { perturbed in
        var all = inputs
        for (k, i) in targets.enumerated() { all[i] = perturbed[k] }
        let y = GradientRecording.withoutRecording { op(all.map { Variable($0) }) }
        return dot(y.value.values, weights.values)
    }
    for (k, i) in targets.enumerated() {
        #expect(analytic[k].shape == inputs[i].shape, "gradient shape for input \(i)", sourceLocation: sourceLocation)
        let error = relativeError(analytic[k].value.values, numeric[k])
        #expect(error < tolerance,
                "input \(i): relative error \(error); analytic \(analytic[k].value.values.prefix(6)), numeric \(numeric[k].prefix(6))",
                sourceLocation: sourceLocation)
    }
}

/// A scalar built from first-order gradients, in two independent forms: with
/// differentiable operations (for the analytic second-order gradient) and in Double on
/// plain values (for the finite differences).
enum GradientPenalty {
    /// Σ_i Σ g_i · V_i with fixed random V_i.
    case weighted(seed: UInt64)
    /// mean over the batch (axis 0) of (||g_n||₂ - 1)², the WGAN-GP penalty, for one input.
    case unitNormPerSample

    func recorded(_ gradients: [Variable]) -> Variable {
        switch self {
        case .weighted(let seed):
            return gradients.enumerated().map { i, g in
                (g * Variable(sampleTensor(g.shape, seed: seed &+ UInt64(i)))).sum()
            }.reduce(Variable(Tensor(scalar: 0)), +)
        case .unitNormPerSample:
            let g = gradients[0]
            let norms = g.reshaped([g.shape[0], -1]).square().sum(alongAxes: [1]).sqrt()
            return (norms - 1).square().mean()
        }
    }

    func evaluated(_ gradients: [Tensor]) -> Double {
        switch self {
        case .weighted(let seed):
            return gradients.enumerated().reduce(0) { total, item in
                total + dot(item.element.values, sampleTensor(item.element.shape, seed: seed &+ UInt64(item.offset)).values)
            }
        case .unitNormPerSample:
            let g = gradients[0]
            let batch = g.shape[0], per = g.count / batch
            let values = g.values.map(Double.init)
            let terms = (0..<batch).map { n -> Double in
                let norm = values[(n * per)..<((n + 1) * per)].reduce(0) { $0 + $1 * $1 }.squareRoot()
                return (norm - 1) * (norm - 1)
            }
            return terms.reduce(0, +) / Double(batch)
        }
    }
}

/// Second order: g = ∂f/∂(inputs in `inner`) with the graph recorded, h = penalty(g), and
/// ∂h/∂(inputs in `outer`) compared with central differences of h, where h at each
/// perturbed point is evaluated from first-order gradients.
func expectSecondOrderGradients(_ inputs: [Tensor], inner: [Int], outer: [Int],
                                penalty: GradientPenalty = .weighted(seed: 4_242),
                                step: Float = 1e-2, tolerance: Double = 1e-2,
                                sourceLocation: SourceLocation = #_sourceLocation,
                                _ f: ([Variable]) -> Variable) {
    let variables = inputs.map { Variable($0, requiresGradient: true) }
    let g = gradients(of: f(variables), withRespectTo: inner.map { variables[$0] }, createGraph: true)
    let h = penalty.recorded(g)
    let analytic = gradients(of: h, withRespectTo: outer.map { variables[$0] })
    let numeric = numericalGradients(outer.map { inputs[$0] }, step: step) { perturbed in
        var all = inputs
        for (k, i) in outer.enumerated() { all[i] = perturbed[k] }
        let vs = all.map { Variable($0, requiresGradient: true) }
        let firstOrder = gradients(of: f(vs), withRespectTo: inner.map { vs[$0] })
        return penalty.evaluated(firstOrder.map(\.value))
    }
    for (k, i) in outer.enumerated() {
        let error = relativeError(analytic[k].value.values, numeric[k])
        #expect(error < tolerance,
                "input \(i): relative error \(error); analytic \(analytic[k].value.values.prefix(6)), numeric \(numeric[k].prefix(6))",
                sourceLocation: sourceLocation)
    }
}

// MARK: - One graph at a time

/// The parent of every suite in this folder.
@Suite
struct AutodiffTestSuite {}
