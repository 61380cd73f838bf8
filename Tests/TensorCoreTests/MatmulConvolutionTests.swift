import Testing
import TestSupport
import TensorCore

// Matrix products against a triple loop, and convolution with its two adjoints against
// the direct seven-loop definition
//   y[n, o, i, j] = sum_{c, a, b} w[o, c, a, b] · x[n, c, s·i + a - p, s·j + b - p].

/// op(a) · op(b) by the triple loop, in Double.
private func naiveMatmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> [Double] {
    let m = transposeA ? a.shape[1] : a.shape[0], k = transposeA ? a.shape[0] : a.shape[1]
    let n = transposeB ? b.shape[0] : b.shape[1]
    let av = a.values, bv = b.values
    var out = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for l in 0..<k {
                let x = transposeA ? av[l * a.shape[1] + i] : av[i * a.shape[1] + l]
                let y = transposeB ? bv[j * b.shape[1] + l] : bv[l * b.shape[1] + j]
                s += Double(x) * Double(y)
            }
            out[i * n + j] = s
        }
    }
    return out
}

@Test(arguments: [false, true], [false, true])
func matmulMatchesTripleLoop(transposeA: Bool, transposeB: Bool) {
    for (m, k, n) in [(3, 5, 7), (1, 4, 1), (33, 17, 65)] {
        let a = sampleTensor(transposeA ? [k, m] : [m, k], seed: 51)
        let b = sampleTensor(transposeB ? [n, k] : [k, n], seed: 52)
        let product = Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
        #expect(product.shape == [m, n])
        let reference = naiveMatmul(a, b, transposeA: transposeA, transposeB: transposeB)
        #expect(maxAbsDifference(product.values, reference) < 1e-5 * Double(k), "m \(m) k \(k) n \(n)")
    }
}

@Test func gemmScalesAndAccumulates() {
    let a = sampleTensor([4, 3], seed: 53), b = sampleTensor([4, 5], seed: 54)
    let c0 = sampleTensor([3, 5], seed: 55)
    var c = c0
    Tensor.gemm(a, b, into: &c, transposeA: true, transposeB: false, alpha: 2, beta: 0.5)
    let product = naiveMatmul(a, b, transposeA: true, transposeB: false)
    let expected = zip(product, c0.values).map { 2 * $0 + 0.5 * Double($1) }
    #expect(maxAbsDifference(c.values, expected) < 1e-5)
    // gemm wrote into its own copy: c0 is unchanged.
    #expect(c0.values == sampleTensor([3, 5], seed: 55).values)
}

@Test func gemmWithBetaZeroIgnoresTheOldOutput() {
    // The doc comment promises that with beta = 0 the old contents of c are not read,
    // so a NaN left in c must not reach the result.
    let a = sampleTensor([3, 4], seed: 56), b = sampleTensor([4, 2], seed: 57)
    var c = Tensor(repeating: .nan, shape: [3, 2])
    Tensor.gemm(a, b, into: &c, transposeA: false, transposeB: false, beta: 0)
    #expect(maxAbsDifference(c.values, naiveMatmul(a, b, transposeA: false, transposeB: false)) < 1e-5)
}

@Test func emptyInnerDimensionGivesZeros() {
    // [3, 0] · [0, 2] is the empty sum: a 3 × 2 matrix of zeros, whatever c held before.
    let a = Tensor(zeros: [3, 0]), b = Tensor(zeros: [0, 2])
    var c = Tensor(repeating: .nan, shape: [3, 2])
    Tensor.gemm(a, b, into: &c, transposeA: false, transposeB: false, beta: 0)
    #expect(c.values == [0, 0, 0, 0, 0, 0])
    // matmul's output buffer may be a recycled one; leave a NaN-filled buffer of the
    // same size in the pool so that a result read from it shows.
    do {
        let poison = Tensor(repeating: .nan, shape: [3, 2])
        #expect(poison.values.allSatisfy { $0.isNaN })
    }
    #expect(Tensor.matmul(a, b).values == [0, 0, 0, 0, 0, 0])
}

@Test func affineAddsTheBiasToEveryRow() {
    let x = sampleTensor([5, 3], seed: 58), w = sampleTensor([3, 4], seed: 59)
    let bias = sampleTensor([4], seed: 60)
    let y = Tensor.affine(x, w, bias: bias)
    let product = naiveMatmul(x, w, transposeA: false, transposeB: false)
    let expected = product.indices.map { product[$0] + Double(bias.values[$0 % 4]) }
    #expect(y.shape == [5, 4])
    #expect(maxAbsDifference(y.values, expected) < 1e-5)
}

// MARK: - Convolution

/// One convolution problem: input, weight, stride and padding.
private struct ConvolutionCase {
    let input: [Int], weight: [Int], stride: Int, padding: Int
    var outHeight: Int { (input[2] + 2 * padding - weight[2]) / stride + 1 }
    var outWidth: Int { (input[3] + 2 * padding - weight[3]) / stride + 1 }
    var output: [Int] { [input[0], weight[0], outHeight, outWidth] }

    /// Calls body(n, o, c, i, j, a, b, y, x) for every term whose input position (y, x)
    /// falls inside the image (terms in the zero padding contribute nothing).
    func forEachTerm(_ body: (Int, Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        for n in 0..<input[0] { for o in 0..<weight[0] { for c in 0..<input[1] {
            for i in 0..<outHeight { for j in 0..<outWidth {
                for a in 0..<weight[2] { for b in 0..<weight[3] {
                    let y = stride * i + a - padding, x = stride * j + b - padding
                    if y >= 0 && y < input[2] && x >= 0 && x < input[3] { body(n, o, c, i, j, a, b, y, x) }
                } }
            } }
        } } }
    }
}

private func directConv2d(_ x: Tensor, _ w: Tensor, _ g: ConvolutionCase) -> [Double] {
    var out = [Double](repeating: 0, count: g.output.reduce(1, *))
    g.forEachTerm { n, o, c, i, j, a, b, y, xx in
        out[flatPosition([n, o, i, j], g.output)] += Double(w[o, c, a, b]) * Double(x[n, c, y, xx])
    }
    return out
}

private func directTransposeInput(_ dy: Tensor, _ w: Tensor, _ g: ConvolutionCase) -> [Double] {
    var dx = [Double](repeating: 0, count: g.input.reduce(1, *))
    g.forEachTerm { n, o, c, i, j, a, b, y, xx in
        dx[flatPosition([n, c, y, xx], g.input)] += Double(w[o, c, a, b]) * Double(dy[n, o, i, j])
    }
    return dx
}

private func directTransposeWeight(_ x: Tensor, _ dy: Tensor, _ g: ConvolutionCase) -> [Double] {
    var dw = [Double](repeating: 0, count: g.weight.reduce(1, *))
    g.forEachTerm { n, o, c, i, j, a, b, y, xx in
        dw[flatPosition([o, c, a, b], g.weight)] += Double(x[n, c, y, xx]) * Double(dy[n, o, i, j])
    }
    return dw
}

/// Odd sizes and non-square kernels; 3 × 3 × 2 = 18 patch rows and 3 channels, so
/// im2col and col2im both split their work across threads.
private let convolutionShapes: [(input: [Int], weight: [Int])] = [
    ([2, 3, 7, 6], [4, 3, 3, 2]),
    ([1, 2, 5, 8], [3, 2, 1, 3]),
    ([3, 1, 6, 5], [2, 1, 4, 4]),
]

@Test(arguments: [1, 2, 3], [0, 1, 2])
func conv2dMatchesDirectLoops(stride: Int, padding: Int) {
    for (index, shapes) in convolutionShapes.enumerated() {
        let g = ConvolutionCase(input: shapes.input, weight: shapes.weight, stride: stride, padding: padding)
        let seed = UInt64(100 * index + 10 * stride + padding)
        let x = sampleTensor(g.input, seed: seed), w = sampleTensor(g.weight, seed: seed + 1000)
        let y = Tensor.conv2d(x, w, stride: stride, padding: padding)
        #expect(y.shape == g.output, "\(g)")
        #expect(maxAbsDifference(y.values, directConv2d(x, w, g)) < 1e-5, "\(g)")
    }
}

@Test(arguments: [1, 2, 3], [0, 1, 2])
func convolutionTransposesMatchDirectLoops(stride: Int, padding: Int) {
    for (index, shapes) in convolutionShapes.enumerated() {
        let g = ConvolutionCase(input: shapes.input, weight: shapes.weight, stride: stride, padding: padding)
        let seed = UInt64(100 * index + 10 * stride + padding)
        let x = sampleTensor(g.input, seed: seed), w = sampleTensor(g.weight, seed: seed + 1000)
        let dy = sampleTensor(g.output, seed: seed + 2000)

        let dx = Tensor.conv2dTransposeInput(dy, w, inputShape: g.input, stride: stride, padding: padding)
        #expect(dx.shape == g.input, "\(g)")
        #expect(maxAbsDifference(dx.values, directTransposeInput(dy, w, g)) < 1e-5, "\(g)")

        let dw = Tensor.conv2dTransposeWeight(x, dy, weightShape: g.weight, stride: stride, padding: padding)
        #expect(dw.shape == g.weight, "\(g)")
        #expect(maxAbsDifference(dw.values, directTransposeWeight(x, dy, g)) < 1e-4, "\(g)")
    }
}

@Test(arguments: [1, 2], [0, 1, 2])
func convolutionTransposesAreAdjoints(stride: Int, padding: Int) {
    // <conv2d(x, w), dy> = <x, transposeInput(dy, w)> = <w, transposeWeight(x, dy)>.
    for (index, shapes) in convolutionShapes.enumerated() {
        let g = ConvolutionCase(input: shapes.input, weight: shapes.weight, stride: stride, padding: padding)
        let seed = UInt64(7 + 100 * index + 10 * stride + padding)
        let x = sampleTensor(g.input, seed: seed), w = sampleTensor(g.weight, seed: seed + 1000)
        let dy = sampleTensor(g.output, seed: seed + 2000)
        let forward = innerProduct(Tensor.conv2d(x, w, stride: stride, padding: padding), dy)
        let viaInput = innerProduct(x, Tensor.conv2dTransposeInput(dy, w, inputShape: g.input,
                                                                   stride: stride, padding: padding))
        let viaWeight = innerProduct(w, Tensor.conv2dTransposeWeight(x, dy, weightShape: g.weight,
                                                                    stride: stride, padding: padding))
        let scale = max(1, abs(forward))
        #expect(abs(forward - viaInput) <= 1e-5 * scale, "\(g)")
        #expect(abs(forward - viaWeight) <= 1e-5 * scale, "\(g)")
    }
}

@Test func convolutionGeometryFollowsTheFloorFormula() {
    let g = ConvolutionGeometry(input: [2, 3, 7, 6], weight: [4, 3, 3, 2], stride: 2, padding: 1)
    // Ho = floor((7 + 2 - 3) / 2) + 1 = 4, Wo = floor((6 + 2 - 2) / 2) + 1 = 4.
    #expect(g.outputShape == [2, 4, 4, 4])
    #expect(g.patchSize == 18 && g.columnCount == 32)
}

@Test func convolutionGeometryRejectsAKernelLargerThanThePaddedInput() async {
    // A 3 × 3 kernel does not fit a 2 × 2 image; with stride 2 the truncating division
    // (2 - 3) / 2 = 0 must not turn this into a 1 × 1 output.
    await #expect(processExitsWith: .failure) {
        _ = ConvolutionGeometry(input: [1, 1, 2, 2], weight: [1, 1, 3, 3], stride: 2, padding: 0)
    }
    await #expect(processExitsWith: .failure) {
        _ = ConvolutionGeometry(input: [1, 1, 2, 2], weight: [1, 1, 3, 3], stride: 1, padding: 0)
    }
}

@Test(arguments: [1, 2], [0, 1])
func slicedConvolutionAndItsAdjointsMatchDirectLoops(stride: Int, padding: Int) {
    // Slices of 1 and 2 images: with batches of 1, 2 and 3, every slice count and a
    // partial last slice (images 2..<3) occur; slice 0 is taken as 1.
    for (index, shapes) in convolutionShapes.enumerated() {
        let g = ConvolutionCase(input: shapes.input, weight: shapes.weight, stride: stride, padding: padding)
        let seed = UInt64(31 + 100 * index + 10 * stride + padding)
        let x = sampleTensor(g.input, seed: seed), w = sampleTensor(g.weight, seed: seed + 1000)
        let dy = sampleTensor(g.output, seed: seed + 2000)
        for slice in [0, 1, 2] {
            let y = Tensor.slicedConv2d(x, w, stride: stride, padding: padding, slice: slice)
            #expect(y.shape == g.output && maxAbsDifference(y.values, directConv2d(x, w, g)) < 1e-5, "\(g) slice \(slice)")
            let both = Tensor.conv2dAdjoints(x, w, dy, stride: stride, padding: padding, input: true, weight: true, slice: slice)
            #expect(both.input.map { maxAbsDifference($0.values, directTransposeInput(dy, w, g)) < 1e-5 } == true, "\(g)")
            #expect(both.weight.map { $0.shape == g.weight && maxAbsDifference($0.values, directTransposeWeight(x, dy, g)) < 1e-4 } == true,
                    "\(g) slice \(slice)")
            let inputOnly = Tensor.conv2dAdjoints(x, w, dy, stride: stride, padding: padding, input: true, weight: false, slice: slice)
            let weightOnly = Tensor.conv2dAdjoints(x, w, dy, stride: stride, padding: padding, input: false, weight: true, slice: slice)
            #expect(inputOnly.weight == nil && weightOnly.input == nil)
            #expect(weightOnly.weight.map { maxAbsDifference($0.values, directTransposeWeight(x, dy, g)) < 1e-4 } == true)
        }
    }
}
