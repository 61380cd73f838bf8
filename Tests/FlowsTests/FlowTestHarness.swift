import Foundation
import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Flows

// The harness every flow layer and every whole flow passes (the normflows / nflows /
// TensorFlow Probability habit): on a small batch,
//
//   1. inverse(forward(x)) = x and forward(inverse(z)) = z;
//   2. log|det ∂f/∂x| at x plus log|det ∂f⁻¹/∂z| at z = f(x) is zero for every sample;
//   3. the layer's log-determinant of each sample equals log|det J| of that sample's
//      Jacobian computed independently: by central differences in the input (one
//      coordinate of one sample at a time, the rest of the batch unchanged) with
//      LAPACK's LU determinant, and optionally by reverse-mode autodiff.
//
// Layers with batch norm must be in evaluation mode for 3: in training mode the
// samples of a batch are coupled through the batch statistics.

/// What the harness measured, for tests that build on it (log-likelihoods).
struct FlowCheck {
    /// The layer's own log|det ∂f/∂x|, one per sample.
    var logDeterminants: [Double]
    /// log|det J| of the finite-difference Jacobian, one per sample.
    var finiteDifferenceLogDeterminants: [Double]
    /// The forward output f(x).
    var output: Tensor
}

/// Runs checks 1-3 on `layer` at the batch `x` and records an issue for each failure.
///
/// - `latent`: the z for forward(inverse(z)) = z; defaults to f(x) plus noise of 0.1.
/// - `inversionTolerance`: max |error| relative to max(1, max |value|).
/// - `logDeterminantTolerance`: |difference| relative to max(1, |log det|).
/// - `step`: the finite-difference step, relative to max(1, |x_j|).
/// - `jacobianTolerance`: max entry difference of the two Jacobians relative to max(1, max |J|).
/// - `autodiff`: also compare the autodiff Jacobian (entries and log|det|).
@discardableResult
func checkFlowLayer(_ layer: any FlowLayer, input x: Tensor, latent: Tensor? = nil,
                    inversionTolerance: Double = 1e-4, logDeterminantTolerance: Double = 1e-2,
                    step: Float = 1e-3, jacobianTolerance: Double = 2e-2, autodiff: Bool = true,
                    sourceLocation: SourceLocation = #_sourceLocation) -> FlowCheck {
    let n = x.shape[0]
    let (y, forwardLogDet, inverseLogDet, roundTrip) = GradientRecording.withoutRecording {
        let (y, logDet) = layer.forward(Variable(x))
        let (back, inverseLogDet) = layer.inverse(y)
        return (y.value, logDet.value, inverseLogDet.value, back.value)
    }
    #expect(forwardLogDet.shape == [n] && inverseLogDet.shape == [n], "log-determinants must be [N]",
            sourceLocation: sourceLocation)
    #expect(y.count == x.count && y.shape[0] == n, "a flow keeps the dimension: \(x.shape) -> \(y.shape)",
            sourceLocation: sourceLocation)
    #expect(roundTrip.shape == x.shape, sourceLocation: sourceLocation)

    // 1. Both round trips.
    let inversionError = maxAbsDifference(roundTrip, x) / max(1, maxAbs(x))
    #expect(inversionError < inversionTolerance, "inverse(forward(x)) - x: \(inversionError)",
            sourceLocation: sourceLocation)
    let z = latent ?? y + normalTensor(y.shape, seed: 977, std: 0.1)
    let zRoundTrip = GradientRecording.withoutRecording { layer.forward(layer.inverse(Variable(z)).output).output.value }
    let latentError = maxAbsDifference(zRoundTrip, z) / max(1, maxAbs(z))
    #expect(latentError < inversionTolerance, "forward(inverse(z)) - z: \(latentError)",
            sourceLocation: sourceLocation)

    // 2. The two log-determinants cancel.
    let forwardValues = forwardLogDet.values.map(Double.init)
    for s in 0..<n {
        let sum = forwardValues[s] + Double(inverseLogDet.values[s])
        #expect(abs(sum) < logDeterminantTolerance * max(1, abs(forwardValues[s])),
                "sample \(s): forward log-det \(forwardValues[s]) + inverse log-det \(inverseLogDet.values[s]) = \(sum)",
                sourceLocation: sourceLocation)
    }

    // 3. Against the finite-difference Jacobian of each sample.
    let (jacobians, crossTalk) = finiteDifferenceJacobians(
        { t in GradientRecording.withoutRecording { layer.forward(Variable(t)).output.value } }, at: x, step: step)
    #expect(crossTalk < 1e-3, "moving one sample changed another sample's output: ∂y_other/∂x = \(crossTalk)",
            sourceLocation: sourceLocation)
    var numeric: [Double] = []
    for s in 0..<n {
        let logAbs = logAbsDeterminant(jacobians[s])
        numeric.append(logAbs)
        #expect(abs(logAbs - forwardValues[s]) < logDeterminantTolerance * max(1, abs(logAbs)),
                "sample \(s): layer log-det \(forwardValues[s]), log|det J| by finite differences \(logAbs)",
                sourceLocation: sourceLocation)
    }

    if autodiff {
        for s in 0..<n {
            let sample = x.slice(s..<(s + 1), alongAxis: 0)
            let automatic = jacobian(of: { layer.forward($0).output }, at: sample)
            let scale = max(1, maxAbs(jacobians[s]))
            let entryError = maxAbsDifference(automatic, jacobians[s]) / scale
            #expect(entryError < jacobianTolerance, "sample \(s): autodiff and finite-difference Jacobians differ by \(entryError)",
                    sourceLocation: sourceLocation)
            let logAbs = logAbsDeterminant(automatic)
            #expect(abs(logAbs - forwardValues[s]) < logDeterminantTolerance * max(1, abs(logAbs)),
                    "sample \(s): layer log-det \(forwardValues[s]), log|det J| by autodiff \(logAbs)",
                    sourceLocation: sourceLocation)
        }
    }
    return FlowCheck(logDeterminants: forwardValues, finiteDifferenceLogDeterminants: numeric, output: y)
}

/// Jacobians [D_out, D_in] of each sample of a batched map by central differences:
/// x[s, j] moves by ±step·max(1, |x[s, j]|) while the rest of the batch stays put, so a
/// map that treats samples independently gives each sample's own Jacobian. Also returns
/// the largest change seen in the outputs of the samples that did not move, divided by
/// the step (a cross-sample derivative, exactly zero for independent samples).
func finiteDifferenceJacobians(_ map: (Tensor) -> Tensor, at x: Tensor,
                               step: Float) -> (jacobians: [Tensor], crossTalk: Double) {
    let n = x.shape[0], inputs = x.count / n
    let base = map(x)
    let outputs = base.count / n
    var columns = [[Double]](repeating: [Double](repeating: 0, count: inputs * outputs), count: n)
    var crossTalk = 0.0
    let baseValues = base.values, xValues = x.values
    for s in 0..<n {
        for j in 0..<inputs {
            var plus = x, minus = x
            let index = s * inputs + j
            let h = step * max(1, abs(xValues[index]))
            var up: Float = 0, down: Float = 0
            plus.withUnsafeMutableBufferPointer { p in p[index] += h; up = p[index] }
            minus.withUnsafeMutableBufferPointer { p in p[index] -= h; down = p[index] }
            let yPlus = map(plus).values, yMinus = map(minus).values
            let width = Double(up) - Double(down)
            for i in 0..<outputs {
                let k = s * outputs + i
                columns[s][i * inputs + j] = (Double(yPlus[k]) - Double(yMinus[k])) / width
            }
            for other in 0..<n where other != s {
                for i in 0..<outputs {
                    let k = other * outputs + i
                    crossTalk = max(crossTalk, abs(Double(yPlus[k]) - Double(baseValues[k])) / Double(h),
                                    abs(Double(yMinus[k]) - Double(baseValues[k])) / Double(h))
                }
            }
        }
    }
    let jacobians = columns.map { Tensor(shape: [outputs, inputs], values: $0.map(Float.init)) }
    return (jacobians, crossTalk)
}

/// log|det A| by LAPACK's LU factorisation; NaN when A is not square.
func logAbsDeterminant(_ a: Tensor) -> Double {
    (try? LinearAlgebra.logAbsDeterminant(a).logAbs) ?? .nan
}

func maxAbs(_ t: Tensor) -> Double { t.values.map { abs(Double($0)) }.max() ?? 0 }

func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a.values, b.values).map { abs(Double($0) - Double($1)) }.max() ?? 0
}

// MARK: - Making layers non-trivial

/// Adds normal noise of standard deviation `std` to every parameter, so that couplings
/// whose last layer starts at zero (identity at initialisation) are no longer trivial.
func perturbParameters(of module: any Module, std: Float, seed: UInt64) {
    var generator = RandomGenerator(seed: seed)
    for parameter in module.parameters {
        parameter.value = parameter.value + Tensor.normal(parameter.shape, std: std, generator: &generator)
    }
}

/// A few training-mode passes so that batch norm's running averages move away from
/// (0, 1), then evaluation mode, in which every sample is mapped on its own.
func warmUpBatchStatistics(_ layer: any FlowLayer, batches: [Tensor]) {
    layer.isTraining = true
    GradientRecording.withoutRecording {
        for batch in batches { _ = layer.forward(Variable(batch)) }
    }
    layer.isTraining = false
}

/// Uniform values on [low, high) from the project's generator.
func uniformTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, generator: &generator)
}

/// Standard normal values from the project's generator.
func normalTensor(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.normal(shape, std: std, generator: &generator)
}

/// The values of sample `s` of a batch.
func sampleValues(_ t: Tensor, _ s: Int) -> [Float] {
    let per = t.count / t.shape[0]
    return Array(t.values[(s * per)..<((s + 1) * per)])
}

/// The parent of every suite in this folder.
@Suite
struct FlowsTestSuite {}
