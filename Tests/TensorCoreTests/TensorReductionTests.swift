import Testing
import TestSupport
import TensorCore

// Sums, means, and the reduce/broadcast pair, each against loops that add every input
// element into the output position it maps to.

/// Sums `x` down to `target` (a shape that broadcasts to x.shape) one element at a time.
private func naiveReduce(_ x: Tensor, toShape target: [Int]) -> [Double] {
    var out = [Double](repeating: 0, count: target.reduce(1, *))
    for (flat, value) in x.values.enumerated() {
        out[broadcastSource(multiIndex(flat, x.shape), target)] += Double(value)
    }
    return out
}

@Test func sumOfAllElementsMatchesClosedFormAndDoubleLoop() {
    // 0 + 1 + ... + 2999 = 2999 * 3000 / 2, exactly representable in Float.
    let integers = Tensor(shape: [3000], values: (0..<3000).map(Float.init))
    #expect(integers.sum() == 4_498_500)
    #expect(integers.mean() == 1499.5)

    // 70,000 values: several 1024-blocks; compare with a Double accumulation.
    let x = sampleTensor([70, 1000], seed: 21)
    let reference = x.values.reduce(0.0) { $0 + Double($1) }
    #expect(abs(Double(x.sum()) - reference) <= 1e-6 * 70_000)
    #expect(abs(Double(x.mean()) - reference / 70_000) <= 1e-9 * 70_000)
    #expect(Tensor(zeros: [0]).sum() == 0)
}

@Test(arguments: [[0], [1], [2], [-1], [0, 2], [1, 2], [0, 1, 2]] as [[Int]])
func sumAlongAxesMatchesNaiveLoops(axes: [Int]) {
    let shape = [3, 5, 7]
    let x = sampleTensor(shape, seed: 22)
    let normalized = Set(axes.map { $0 < 0 ? $0 + 3 : $0 })
    let kept = shape.indices.map { normalized.contains($0) ? 1 : shape[$0] }
    let dropped = shape.indices.filter { !normalized.contains($0) }.map { shape[$0] }
    let reference = naiveReduce(x, toShape: kept)

    let keepingDims = x.sum(alongAxes: axes, keepingDimensions: true)
    #expect(keepingDims.shape == kept)
    #expect(maxAbsDifference(keepingDims.values, reference) < 1e-5)

    let dropping = x.sum(alongAxes: axes)
    #expect(dropping.shape == dropped)
    #expect(maxAbsDifference(dropping.values, reference) < 1e-5)

    let n = Double(shape.reduce(1, *) / kept.reduce(1, *))
    let mean = x.mean(alongAxes: axes, keepingDimensions: true)
    #expect(mean.shape == kept)
    #expect(maxAbsDifference(mean.values, reference.map { $0 / n }) < 1e-6)
}

@Test(arguments: [[5, 1], [1, 5, 1], [7], [3, 1, 7], [1, 1, 1], [], [3, 5, 7]] as [[Int]])
func reducedToShapeMatchesNaiveLoops(target: [Int]) {
    let x = sampleTensor([3, 5, 7], seed: 23)
    let reduced = x.reduced(toShape: target)
    #expect(reduced.shape == target)
    #expect(maxAbsDifference(reduced.values, naiveReduce(x, toShape: target)) < 1e-5)
}

@Test func reducedToShapeOnMultiThreadedSizes() {
    // [2, 3, 100, 120] = 72,000 elements down to per-channel sums.
    let x = sampleTensor([2, 3, 100, 120], seed: 24)
    let reduced = x.reduced(toShape: [1, 3, 1, 1])
    let xv = x.values
    var channelSums = [Double](repeating: 0, count: 3)
    for n in 0..<2 { for c in 0..<3 { for i in 0..<12_000 {
        channelSums[c] += Double(xv[(n * 3 + c) * 12_000 + i])
    } } }
    #expect(reduced.shape == [1, 3, 1, 1])
    #expect(maxAbsDifference(reduced.values, channelSums) < 1e-3)
}

@Test(arguments: [[7], [5, 1], [1, 5, 7], [3, 1, 1], [], [3, 5, 7]] as [[Int]])
func broadcastToShapeMatchesNaiveIndexing(source: [Int]) {
    let target = [3, 5, 7]
    let x = sampleTensor(source, seed: 25)
    let broadcast = x.broadcast(toShape: target)
    let expected = (0..<105).map { x.values[broadcastSource(multiIndex($0, target), source)] }
    #expect(broadcast.shape == target)
    #expect(broadcast.values == expected)
}

@Test func reduceIsTheAdjointOfBroadcast() {
    // <broadcast(a), y> = <a, reduce(y)> for every a and y.
    let pairs: [(small: [Int], large: [Int])] = [
        ([1, 3, 1, 1], [2, 3, 4, 5]), ([3, 1, 1], [2, 3, 4, 5]), ([4, 1], [6, 4, 5]), ([], [3, 5]),
    ]
    for (small, large) in pairs {
        let a = sampleTensor(small, seed: 26)
        let y = sampleTensor(large, seed: 27)
        let left = innerProduct(a.broadcast(toShape: large), y)
        let right = innerProduct(a, y.reduced(toShape: small))
        #expect(abs(left - right) <= 1e-5 * max(1, abs(left)), "\(small) -> \(large)")
    }
}

// MARK: - Reshape

@Test func reshapedInfersTheUnknownDimensionAndKeepsOrder() {
    let x = sampleTensor([3, 5, 7], seed: 28)
    #expect(x.reshaped([-1, 7]).shape == [15, 7])
    #expect(x.reshaped([3, -1]).shape == [3, 35])
    #expect(x.reshaped([-1]).shape == [105])
    #expect(x.reshaped([5, -1, 3]).shape == [5, 7, 3])
    #expect(x.reshaped([-1, 7]).values == x.values)
    // Element (i, j, k) of [3, 5, 7] is element (5i + j, k) of [15, 7].
    let flat = x.reshaped([15, 7])
    #expect(flat[2 * 5 + 3, 4] == x[2, 3, 4])
    #expect(Tensor(scalar: 4).reshaped([1, 1]).shape == [1, 1])
}
