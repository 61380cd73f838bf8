import TestSupport
import TensorCore

// Helpers shared by the TensorCore tests. Test inputs come from SplitMix64, a generator
// written here, so that no test depends on the library's own RandomGenerator; the
// oracles below index tensors through `values` and row-major arithmetic only.

/// Row-major strides of `shape`.
func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var step = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[axis] = step
        step *= shape[axis]
    }
    return strides
}

/// The multi-index of row-major position `flat` in `shape`.
func multiIndex(_ flat: Int, _ shape: [Int]) -> [Int] {
    var rest = flat
    var index = [Int](repeating: 0, count: shape.count)
    for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
        index[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return index
}

/// The row-major position of `index` in `shape`.
func flatPosition(_ index: [Int], _ shape: [Int]) -> Int {
    zip(index, rowMajorStrides(shape)).reduce(0) { $0 + $1.0 * $1.1 }
}

/// The position in an operand of `operandShape` that the output multi-index reads under
/// NumPy broadcasting: axes aligned at the right, length-1 axes pinned to 0.
func broadcastSource(_ outputIndex: [Int], _ operandShape: [Int]) -> Int {
    let offset = outputIndex.count - operandShape.count
    let index = operandShape.indices.map { operandShape[$0] == 1 ? 0 : outputIndex[$0 + offset] }
    return flatPosition(index, operandShape)
}

/// The largest |a - b| over two equally long arrays.
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "lengths \(a.count) and \(b.count) differ")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// The largest |a - b| against a Double reference.
func maxAbsDifference(_ a: [Float], _ reference: [Double]) -> Double {
    precondition(a.count == reference.count, "lengths \(a.count) and \(reference.count) differ")
    return zip(a, reference).map { abs(Double($0) - $1) }.max() ?? 0
}

/// <a, b> summed in Double.
func innerProduct(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.count == b.count, "counts \(a.count) and \(b.count) differ")
    return zip(a.values, b.values).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}
