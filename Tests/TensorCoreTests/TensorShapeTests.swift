import Testing
import TestSupport
import TensorCore

// Permutation, concatenation, slicing and strided selection against naive index loops.

/// out[index] = x[index permuted back]: output axis i is input axis order[i].
private func naivePermute(_ x: Tensor, _ order: [Int]) -> (shape: [Int], values: [Float]) {
    let outShape = order.map { x.shape[$0] }
    let values = x.values
    let out = (0..<x.count).map { flat -> Float in
        let outIndex = multiIndex(flat, outShape)
        var inIndex = [Int](repeating: 0, count: order.count)
        for (i, axis) in order.enumerated() { inIndex[axis] = outIndex[i] }
        return values[flatPosition(inIndex, x.shape)]
    }
    return (outShape, out)
}

@Test(arguments: [[0, 1, 2, 3], [0, 2, 3, 1], [3, 1, 0, 2], [1, 0, 3, 2], [3, 2, 1, 0], [1, 0, 2, 3]] as [[Int]])
func permutedMatchesNaivePermute(order: [Int]) {
    let x = sampleTensor([2, 3, 4, 5], seed: 31)
    let (shape, values) = naivePermute(x, order)
    let permuted = x.permuted(order)
    #expect(permuted.shape == shape)
    #expect(permuted.values == values)
}

/// Enough rows that the copy is split across threads, so each chunk has to find its own
/// starting offset (with the last axis kept, and moved).
@Test(arguments: [[1, 0, 2], [2, 0, 1], [0, 2, 1]] as [[Int]])
func permutedLargeTensorMatchesNaivePermute(order: [Int]) {
    let x = sampleTensor([40, 60, 50], seed: 34)
    let (shape, values) = naivePermute(x, order)
    let permuted = x.permuted(order)
    #expect(permuted.shape == shape)
    #expect(permuted.values == values)
}

@Test func permutedOddShapesAndTranspose() {
    let x = sampleTensor([3, 5, 7], seed: 32)
    for order in [[2, 0, 1], [1, 2, 0], [0, 2, 1]] {
        let (shape, values) = naivePermute(x, order)
        #expect(x.permuted(order).shape == shape)
        #expect(x.permuted(order).values == values)
    }
    let m = sampleTensor([3, 5], seed: 33)
    let t = m.transposed()
    #expect(t.shape == [5, 3])
    for i in 0..<3 { for j in 0..<5 { #expect(t[j, i] == m[i, j]) } }
}

// MARK: - Concatenate and slice

@Test(arguments: [0, 1, 2, -1])
func concatenateMatchesNaiveIndexing(axis: Int) {
    let base = [2, 3, 4]
    let normalized = axis < 0 ? axis + 3 : axis
    var shapes = [base, base, base]
    shapes[1][normalized] = 5
    shapes[2][normalized] = 1
    let parts = shapes.enumerated().map { sampleTensor($0.element, seed: 34 + UInt64($0.offset)) }
    let joined = Tensor.concatenate(parts, alongAxis: axis)

    var expectedShape = base
    expectedShape[normalized] = base[normalized] + 5 + 1
    #expect(joined.shape == expectedShape)
    let offsets = [0, base[normalized], base[normalized] + 5]
    var expected = [Float](repeating: .nan, count: joined.count)
    for (p, part) in parts.enumerated() {
        for (flat, value) in part.values.enumerated() {
            var index = multiIndex(flat, part.shape)
            index[normalized] += offsets[p]
            expected[flatPosition(index, expectedShape)] = value
        }
    }
    #expect(joined.values == expected)
}

@Test(arguments: [0, 1, 2, -1])
func sliceMatchesNaiveIndexing(axis: Int) {
    let x = sampleTensor([4, 5, 6], seed: 37)
    let normalized = axis < 0 ? axis + 3 : axis
    for range in [1..<3, 0..<1, 2..<4, 0..<4] {
        let slice = x.slice(range, alongAxis: axis)
        var shape = x.shape
        shape[normalized] = range.count
        let expected = (0..<shape.reduce(1, *)).map { flat -> Float in
            var index = multiIndex(flat, shape)
            index[normalized] += range.lowerBound
            return x.values[flatPosition(index, x.shape)]
        }
        #expect(slice.shape == shape, "range \(range) along \(axis)")
        #expect(slice.values == expected, "range \(range) along \(axis)")
    }
}

// MARK: - Strided selection

/// Entries start, start + step, ... along `axis`, picked one multi-index at a time.
private func naiveStridedSelect(_ x: Tensor, axis: Int, start: Int, step: Int) -> (shape: [Int], values: [Float]) {
    var shape = x.shape
    shape[axis] = Array(stride(from: start, to: x.shape[axis], by: step)).count
    let values = (0..<shape.reduce(1, *)).map { flat -> Float in
        var index = multiIndex(flat, shape)
        index[axis] = start + index[axis] * step
        return x.values[flatPosition(index, x.shape)]
    }
    return (shape, values)
}

@Test func stridedSelectTakesEvenAndOddFeatures() {
    // An odd number of features: 4 even ones and 3 odd ones.
    let x = Tensor(shape: [2, 7], values: (0..<14).map(Float.init))
    let even = x.stridedSelect(alongAxis: 1, start: 0, step: 2)
    let odd = x.stridedSelect(alongAxis: -1, start: 1, step: 2)
    #expect(even.shape == [2, 4] && even.values == [0, 2, 4, 6, 7, 9, 11, 13])
    #expect(odd.shape == [2, 3] && odd.values == [1, 3, 5, 8, 10, 12])

    let y = sampleTensor([3, 5, 7], seed: 38)
    for axis in 0..<3 {
        for (start, step) in [(0, 2), (1, 2), (2, 3), (0, 1)] {
            let (shape, values) = naiveStridedSelect(y, axis: axis, start: start, step: step)
            let selected = y.stridedSelect(alongAxis: axis, start: start, step: step)
            #expect(selected.shape == shape && selected.values == values,
                    "axis \(axis) start \(start) step \(step)")
        }
    }
}

@Test func stridedScatterPlacesEntriesAndZerosElsewhere() {
    let odd = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    let scattered = odd.stridedScatter(alongAxis: 1, start: 1, step: 2, length: 7)
    #expect(scattered.shape == [2, 7])
    #expect(scattered.values == [0, 1, 0, 2, 0, 3, 0, 0, 4, 0, 5, 0, 6, 0])

    let even = Tensor(shape: [2, 4], values: [1, 2, 3, 4, 5, 6, 7, 8])
    // Even and odd scatters recombine the two halves of a coupling split.
    let x = sampleTensor([3, 7], seed: 39)
    let halves = x.stridedSelect(alongAxis: 1, start: 0, step: 2)
        .stridedScatter(alongAxis: 1, start: 0, step: 2, length: 7)
        + x.stridedSelect(alongAxis: 1, start: 1, step: 2)
        .stridedScatter(alongAxis: 1, start: 1, step: 2, length: 7)
    #expect(halves.values == x.values)
    #expect(even.stridedScatter(alongAxis: 0, start: 0, step: 2, length: 3).values
            == [1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8])
}

@Test func interleavedPutsEachPartAtItsStride() {
    // Two parts of an odd-length axis (4 even and 3 odd entries), spelled out by hand.
    let even = Tensor(shape: [2, 4], values: [1, 2, 3, 4, 5, 6, 7, 8])
    let odd = Tensor(shape: [2, 3], values: [-1, -2, -3, -4, -5, -6])
    let merged = Tensor.interleaved([even, odd], alongAxis: 1)
    #expect(merged.shape == [2, 7])
    #expect(merged.values == [1, -1, 2, -2, 3, -3, 4, 5, -4, 6, -5, 7, -6, 8])
    // Three parts along every axis: interleaving the strided selections of a tensor
    // rebuilds it (the selections are checked against loops above).
    let x = sampleTensor([3, 5, 7], seed: 44)
    for axis in 0..<3 {
        let parts = (0..<3).map { x.stridedSelect(alongAxis: axis, start: $0, step: 3) }
        let rebuilt = Tensor.interleaved(parts, alongAxis: axis)
        #expect(rebuilt.shape == x.shape && rebuilt.values == x.values, "axis \(axis)")
    }
}

@Test func stridedScatterIsTheAdjointOfStridedSelect() {
    // <select(x), y> = <x, scatter(y)> for every x and y.
    let x = sampleTensor([3, 5, 7], seed: 40)
    for axis in 0..<3 {
        for (start, step) in [(0, 2), (1, 2), (1, 3)] {
            let selected = x.stridedSelect(alongAxis: axis, start: start, step: step)
            let y = sampleTensor(selected.shape, seed: 41 + UInt64(axis))
            let scattered = y.stridedScatter(alongAxis: axis, start: start, step: step, length: x.shape[axis])
            #expect(scattered.shape == x.shape)
            let left = innerProduct(selected, y), right = innerProduct(x, scattered)
            #expect(abs(left - right) <= 1e-6 * max(1, abs(left)), "axis \(axis) start \(start) step \(step)")
        }
    }
}
