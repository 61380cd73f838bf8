import Foundation
import Testing
import TestSupport
import TensorCore

// Elementwise arithmetic against an index-by-index broadcasting oracle, the unary
// functions against Foundation's Double functions, and copy-on-write.

/// out[i] = f(a[broadcast i], b[broadcast i]), computed one multi-index at a time.
private func naiveBroadcast(_ a: Tensor, _ b: Tensor, outputShape: [Int],
                            _ f: (Float, Float) -> Float) -> [Float] {
    let av = a.values, bv = b.values
    return (0..<outputShape.reduce(1, *)).map { flat in
        let index = multiIndex(flat, outputShape)
        return f(av[broadcastSource(index, a.shape)], bv[broadcastSource(index, b.shape)])
    }
}

/// The shape pairs flows and GANs broadcast, with their broadcast shape worked out by hand.
private let broadcastCases: [(a: [Int], b: [Int], result: [Int])] = [
    ([4, 6], [6], [4, 6]),                    // rows against a row vector
    ([4, 6], [4, 1], [4, 6]),                 // rows against per-row values
    ([2, 3, 4, 5], [1, 3, 1, 1], [2, 3, 4, 5]), // NCHW against per-channel values
    ([2, 3, 4, 5], [3, 1, 1], [2, 3, 4, 5]),  // per-channel values with the batch axis missing
    ([3, 5, 7], [], [3, 5, 7]),               // a rank-0 scalar
    ([3, 5, 7], [1], [3, 5, 7]),              // a one-element vector
    ([3, 1], [1, 4], [3, 4]),                 // both operands repeat
    ([2, 1, 4], [3, 1], [2, 3, 4]),           // repeats on different axes and ranks
]

@Test func broadcastShapeFollowsNumPyRules() {
    #expect(Tensor.broadcastShape([4, 6], [6]) == [4, 6])
    #expect(Tensor.broadcastShape([6], [4, 6]) == [4, 6])
    #expect(Tensor.broadcastShape([4, 6], [4, 1]) == [4, 6])
    #expect(Tensor.broadcastShape([2, 3, 4, 5], [1, 3, 1, 1]) == [2, 3, 4, 5])
    #expect(Tensor.broadcastShape([4, 1, 3], [5, 1]) == [4, 5, 3])
    #expect(Tensor.broadcastShape([], [3, 5]) == [3, 5])
    #expect(Tensor.broadcastShape([], []) == [])
}

@Test func broadcastShapeRejectsIncompatibleShapes() {
    #expect(Tensor.broadcastShape([4, 6], [4]) == nil)
    #expect(Tensor.broadcastShape([2, 3], [3, 2]) == nil)
    #expect(Tensor.broadcastShape([2, 3, 4, 5], [1, 4, 1, 1]) == nil)
    #expect(Tensor.broadcastShape([3, 5, 7], [5]) == nil)
}

@Test(arguments: broadcastCases.indices)
func broadcastArithmeticMatchesIndexByIndexOracle(caseIndex: Int) {
    let (shapeA, shapeB, expected) = broadcastCases[caseIndex]
    let a = sampleTensor(shapeA, seed: 11 + UInt64(caseIndex))
    // The divisor is kept away from zero so that division is well conditioned.
    let b = sampleTensor(shapeB, seed: 101 + UInt64(caseIndex), low: 0.5, high: 2)
    let operations: [(String, (Tensor, Tensor) -> Tensor, (Float, Float) -> Float)] = [
        ("+", { $0 + $1 }, { $0 + $1 }), ("-", { $0 - $1 }, { $0 - $1 }),
        ("*", { $0 * $1 }, { $0 * $1 }), ("/", { $0 / $1 }, { $0 / $1 }),
    ]
    for (name, tensorOp, scalarOp) in operations {
        for (left, right) in [(a, b), (b, a)] {
            let result = tensorOp(left, right)
            #expect(result.shape == expected, "\(left.shape) \(name) \(right.shape)")
            // Each output element is one IEEE operation on the same two Floats: exact.
            #expect(result.values == naiveBroadcast(left, right, outputShape: expected, scalarOp),
                    "\(left.shape) \(name) \(right.shape)")
        }
    }
}

@Test func sameShapeArithmeticOnMultiThreadedSizes() {
    // 257 * 300 = 77,100 elements: more than 2^16, so parallelChunks splits the work.
    let a = sampleTensor([257, 300], seed: 1)
    let b = sampleTensor([257, 300], seed: 2, low: 0.5, high: 2)
    let av = a.values, bv = b.values
    #expect((a + b).values == zip(av, bv).map { $0 + $1 })
    #expect((a - b).values == zip(av, bv).map { $0 - $1 })
    #expect((a * b).values == zip(av, bv).map { $0 * $1 })
    #expect((a / b).values == zip(av, bv).map { $0 / $1 })
    #expect((-a).values == av.map { -$0 })
    #expect((a + 0.25).values == av.map { $0 + 0.25 })
    #expect((a * 3).values == av.map { $0 * 3 })
    #expect((3 * a).values == av.map { 3 * $0 })

    var accumulator = a
    accumulator.add(b)
    #expect(accumulator.values == zip(av, bv).map { $0 + $1 })
    #expect(a.values == av, "add(_:) on a copy must leave the original alone")
}

@Test func rowAndColumnBroadcastOnLargeSizes() {
    let a = sampleTensor([300, 257], seed: 3)
    let row = sampleTensor([257], seed: 4)
    let column = sampleTensor([300, 1], seed: 5)
    let av = a.values, rv = row.values, cv = column.values
    var plusRow = [Float](repeating: 0, count: 300 * 257), timesColumn = plusRow
    for i in 0..<300 {
        for j in 0..<257 {
            plusRow[i * 257 + j] = av[i * 257 + j] + rv[j]
            timesColumn[i * 257 + j] = av[i * 257 + j] * cv[i]
        }
    }
    #expect((a + row).values == plusRow)
    #expect((a * column).values == timesColumn)
}

// MARK: - Unary functions

/// Inputs spanning ordinary values, both tails, and values near zero.
private let unaryInputs: [Float] = [
    -100, -88, -40, -20, -5.5, -1, -0.5, -1e-3, -1e-7, 0, 1e-7, 1e-3, 0.5, 1, 2.75, 5.5, 20, 40, 80, 100,
]

/// Checks |actual - reference| <= relative * |reference| + absolute at every input, and
/// that the result is finite exactly where the reference is.
private func expectClose(_ actual: Tensor, _ inputs: [Float], _ name: String,
                         relative: Double = 2e-6, absolute: Double = 0,
                         reference: (Double) -> Double) {
    var failures: [String] = []
    for (x, y) in zip(inputs, actual.values) {
        let expected = reference(Double(x))
        let close = expected.isFinite
            ? y.isFinite && abs(Double(y) - expected) <= relative * abs(expected) + absolute
            : Double(y) == expected
        if !close { failures.append("\(name)(\(x)) = \(y), expected \(expected)") }
    }
    #expect(actual.shape == [inputs.count])
    #expect(failures.isEmpty, "\(failures.count) mismatches: \(failures.prefix(5))")
}

@Test func exponentialAndLogarithmsMatchDoublePrecision() {
    let moderate = unaryInputs.filter { abs($0) <= 80 }
    expectClose(Tensor(shape: [moderate.count], values: moderate).exp(), moderate, "exp") { Foundation.exp($0) }

    let positive: [Float] = [1e-30, 1e-7, 0.01, 0.5, 1, 2, 10, 1e10, 1e30]
    let p = Tensor(shape: [positive.count], values: positive)
    expectClose(p.log(), positive, "log", absolute: 1e-7) { Foundation.log($0) }
    expectClose(p.sqrt(), positive, "sqrt") { $0.squareRoot() }
    // Squares that stay inside Float's normal range (1e30² would overflow to infinity).
    let moderate2: [Float] = [-1e15, -3, -1e-7, 0, 0.5, 7, 1e18]
    expectClose(Tensor(shape: [moderate2.count], values: moderate2).square(), moderate2, "square") { $0 * $0 }

    // log1p keeps full relative precision near zero, where log(1 + x) would lose it.
    let nearZero: [Float] = [-0.5, -1e-4, -1e-10, 1e-10, 1e-6, 1e-3, 1, 1e6]
    expectClose(Tensor(shape: [nearZero.count], values: nearZero).log1p(), nearZero, "log1p") {
        Foundation.log1p($0)
    }
    #expect(Tensor(scalar: 0).log().scalar == -Float.infinity)
    #expect(Tensor(scalar: -1).sqrt().scalar.isNaN)
}

@Test func activationsMatchDoublePrecision() {
    let x = Tensor(shape: [unaryInputs.count], values: unaryInputs)
    expectClose(x.tanh(), unaryInputs, "tanh") { Foundation.tanh($0) }
    expectClose(x.relu(), unaryInputs, "relu", relative: 0) { max($0, 0) }
    expectClose(x.leakyRelu(slope: 0.2), unaryInputs, "leakyRelu") { $0 > 0 ? $0 : 0.2 * $0 }
    // softplus(x) = log(1 + e^x): softplus(100) = 100, softplus(-100) = e^-100 ≈ 3.7e-44
    // (a Float subnormal, so an absolute allowance of a few subnormal steps).
    expectClose(x.softplus(), unaryInputs, "softplus", absolute: 1e-44) {
        $0 > 0 ? $0 + Foundation.log1p(Foundation.exp(-$0)) : Foundation.log1p(Foundation.exp($0))
    }
    expectClose(x.sigmoid(), unaryInputs, "sigmoid", absolute: 1e-44) { 1 / (1 + Foundation.exp(-$0)) }
}

@Test func extremeSoftplusAndSigmoidAreFiniteAndCorrect() {
    let x = Tensor(shape: [4], values: [100, -100, 1000, -1000])
    let softplus = x.softplus().values
    let sigmoid = x.sigmoid().values
    #expect(softplus.allSatisfy { $0.isFinite } && sigmoid.allSatisfy { $0.isFinite })
    #expect(softplus[0] == 100)
    #expect(softplus[1] > 0 && abs(Double(softplus[1]) - Foundation.exp(-100)) < 1e-44)
    #expect(softplus[2] == 1000 && softplus[3] == 0)
    #expect(sigmoid[0] == 1 && sigmoid[2] == 1 && sigmoid[3] == 0)
    #expect(sigmoid[1] > 0 && abs(Double(sigmoid[1]) - Foundation.exp(-100)) < 1e-44)
}

@Test func unaryFunctionsOnMultiThreadedSizes() {
    // 70,000 inputs on [-30, 30]: every chunk of the parallel map is checked.
    let count = 70_000
    let inputs = (0..<count).map { Float(-30 + 60 * Double($0) / Double(count - 1)) }
    let x = Tensor(shape: [count], values: inputs)
    expectClose(x.tanh(), inputs, "tanh") { Foundation.tanh($0) }
    expectClose(x.sigmoid(), inputs, "sigmoid") { 1 / (1 + Foundation.exp(-$0)) }
    expectClose(x.softplus(), inputs, "softplus") {
        $0 > 0 ? $0 + Foundation.log1p(Foundation.exp(-$0)) : Foundation.log1p(Foundation.exp($0))
    }
    expectClose(x.exp(), inputs, "exp") { Foundation.exp($0) }
}

// MARK: - Copy-on-write

@Test func writingThroughACopyLeavesTheOriginalUnchanged() {
    let original = sampleTensor([3, 5, 7], seed: 9)
    let before = original.values

    var copy = original
    copy[2, 4, 6] = 1234
    #expect(copy[2, 4, 6] == 1234)
    #expect(original[2, 4, 6] == before[104] && original.values == before)

    var viaPointer = original
    viaPointer.withUnsafeMutableBufferPointer { buffer in
        for i in buffer.indices { buffer[i] = -7 }
    }
    #expect(viaPointer.values.allSatisfy { $0 == -7 })
    #expect(original.values == before)

    // A reshaped view shares storage until written.
    var reshaped = original.reshaped([15, 7])
    reshaped[0, 0] = 99
    #expect(original.values == before)
    #expect(reshaped.values == [99] + before.dropFirst())
}

@Test func subscriptAddressesRowMajorPositions() {
    let t = sampleTensor([3, 5, 7], seed: 10)
    let v = t.values
    for (i, j, k) in [(0, 0, 0), (1, 2, 3), (2, 4, 6), (0, 4, 1)] {
        #expect(t[i, j, k] == v[i * 35 + j * 7 + k])
    }
    #expect(Tensor(scalar: 2.5).scalar == 2.5 && Tensor(scalar: 2.5).shape == [])
    #expect(Tensor(repeating: 3, shape: [2, 3]).values == [Float](repeating: 3, count: 6))
    #expect(Tensor(zeros: [4]).values == [0, 0, 0, 0] && Tensor(ones: [2]).values == [1, 1])
}
