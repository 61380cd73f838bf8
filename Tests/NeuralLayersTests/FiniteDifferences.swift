import Foundation
import TestSupport
import Testing
import TensorCore
import Autodiff

// Helpers of the NeuralLayers tests: an independent source of inputs (SplitMix64) and
// central finite differences of Float forward evaluations taken in Double.

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
