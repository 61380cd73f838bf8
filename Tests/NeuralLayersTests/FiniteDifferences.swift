import Foundation
import Testing
import TensorCore
import Autodiff

// Helpers of the NeuralLayers tests: an independent source of inputs (SplitMix64) and
// central finite differences of Float forward evaluations taken in Double.

/// SplitMix64 (Steele, Lea, Flood 2014).
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on [low, high), from the top 24 bits.
    mutating func nextFloat(_ low: Float = -1, _ high: Float = 1) -> Float {
        low + (high - low) * Float(next() >> 40) * 0x1p-24
    }
}

/// Uniform values on [low, high) from SplitMix64(seed).
func sampleTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var source = SplitMix64(state: seed)
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, values: (0..<count).map { _ in source.nextFloat(low, high) })
}

/// Σ a_i b_i in Double.
func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// Central differences of `f` with respect to every element of every input.
func numericalGradients(_ inputs: [Tensor], step: Float, _ f: ([Tensor]) -> Double) -> [[Double]] {
    inputs.indices.map { i in
        (0..<inputs[i].count).map { j in
            var plus = inputs, minus = inputs
            var up: Float = 0, down: Float = 0
            plus[i].withUnsafeMutableBufferPointer { p in p[j] += step; up = p[j] }
            minus[i].withUnsafeMutableBufferPointer { p in p[j] -= step; down = p[j] }
            return (f(plus) - f(minus)) / (Double(up) - Double(down))
        }
    }
}

/// max |analytic - numeric| relative to the largest numeric entry (at least `floor`).
func relativeError(_ analytic: [Float], _ numeric: [Double], floor: Double = 0.05) -> Double {
    let difference = zip(analytic, numeric).map { abs(Double($0) - $1) }.max() ?? 0
    return difference / max(numeric.map(abs).max() ?? 0, floor)
}

/// Per-sample statistics over all axes but the first, in Double.
func perSampleMeanAndVariance(_ t: Tensor) -> [(mean: Double, variance: Double)] {
    let n = t.shape[0], per = t.count / n
    let values = t.values.map(Double.init)
    return (0..<n).map { s in
        let slice = values[(s * per)..<((s + 1) * per)]
        let mean = slice.reduce(0, +) / Double(per)
        return (mean, slice.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(per))
    }
}

/// Per-channel (axis 1) statistics over all other axes, in Double; `unbiased` divides by M - 1.
func perChannelMeanAndVariance(_ t: Tensor, unbiased: Bool = false) -> [(mean: Double, variance: Double)] {
    let n = t.shape[0], c = t.shape[1], inner = t.count / (n * c)
    let values = t.values.map(Double.init)
    return (0..<c).map { channel in
        var list: [Double] = []
        for s in 0..<n { for i in 0..<inner { list.append(values[(s * c + channel) * inner + i]) } }
        let mean = list.reduce(0, +) / Double(list.count)
        let squares = list.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, squares / Double(unbiased ? list.count - 1 : list.count))
    }
}

// MARK: - One graph at a time

/// The parent of every suite in this folder.
@Suite
struct NeuralLayersTestSuite {}
