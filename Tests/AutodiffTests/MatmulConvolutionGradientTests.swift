import Testing
import TestSupport
import TensorCore
import Autodiff

extension AutodiffTestSuite {
    @Suite("First-order gradients of matmul, affine and convolution")
    struct MatmulConvolutionGradientTests {
        @Test("matmul, all four transpose combinations",
              arguments: [(false, false), (true, false), (false, true), (true, true)])
        func matmul(transposeA: Bool, transposeB: Bool) {
            // op(A) is [3, 4] and op(B) is [4, 5]; the stored shapes follow the flags.
            let a = sampleTensor(transposeA ? [4, 3] : [3, 4], seed: 101)
            let b = sampleTensor(transposeB ? [5, 4] : [4, 5], seed: 103)
            expectFirstOrderGradients([a, b]) {
                Variable.matmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB)
            }
        }

        @Test("matmul gradient shapes for a non-square product with transposes")
        func matmulShapes() {
            let a = Variable(sampleTensor([2, 6], seed: 1), requiresGradient: true)
            let b = Variable(sampleTensor([3, 2], seed: 2), requiresGradient: true)
            let y = Variable.matmul(a, b, transposeA: true, transposeB: true)   // [6, 3]
            #expect(y.shape == [6, 3])
            let g = gradients(of: y.sum(), withRespectTo: [a, b])
            #expect(g[0].shape == [2, 6])
            #expect(g[1].shape == [3, 2])
        }

        @Test("affine x W + b with respect to x, W and b")
        func affine() {
            let x = sampleTensor([3, 4], seed: 107)
            let w = sampleTensor([4, 2], seed: 109)
            let b = sampleTensor([2], seed: 113)
            expectFirstOrderGradients([x, w, b]) { Variable.affine($0[0], $0[1], bias: $0[2]) }
        }

        @Test("a weight and an input shared by several products (later shares added in place)")
        func sharedOperands() {
            // W enters three products and x two: the backward pass adds the later shares
            // into the running sums with beta = 1 sgemms instead of new tensors.
            let x = sampleTensor([3, 4], seed: 157)
            let w = sampleTensor([4, 4], seed: 163)
            let b = sampleTensor([4], seed: 167)
            expectFirstOrderGradients([x, w, b]) { v in
                let hidden = Variable.affine(v[0], v[1], bias: v[2]).tanh()
                return Variable.affine(hidden, v[1], bias: v[2]) + Variable.matmul(v[0], v[1], transposeB: true)
            }
        }

        @Test("one operand on both sides of a product, transposed, and used again")
        func operandOnBothSides() {
            let x = sampleTensor([3, 4], seed: 173)
            let w = sampleTensor([4, 4], seed: 179)
            expectFirstOrderGradients([x, w]) { v in
                Variable.matmul(v[0], v[0], transposeA: true)
                    + Variable.matmul(v[1], v[1], transposeA: true, transposeB: true) + v[1].tanh()
            }
        }

        @Test("conv2d with stride 2 and padding 1")
        func conv2dStrided() {
            let x = sampleTensor([2, 3, 5, 5], seed: 127)
            let w = sampleTensor([4, 3, 3, 3], seed: 131)
            expectFirstOrderGradients([x, w]) { Variable.conv2d($0[0], $0[1], stride: 2, padding: 1) }
        }

        @Test("conv2d with stride 1, no padding, a non-square image and kernel")
        func conv2dRectangular() {
            let x = sampleTensor([1, 2, 6, 5], seed: 137)
            let w = sampleTensor([3, 2, 3, 2], seed: 139)
            expectFirstOrderGradients([x, w]) { Variable.conv2d($0[0], $0[1]) }
        }

        @Test("conv2d with stride 2, padding 2 and a 5x5 kernel (the critic's layer)")
        func conv2dCritic() {
            let x = sampleTensor([2, 2, 6, 6], seed: 149)
            let w = sampleTensor([3, 2, 5, 5], seed: 151)
            expectFirstOrderGradients([x, w]) { Variable.conv2d($0[0], $0[1], stride: 2, padding: 2) }
        }

        @Test("conv2dTransposeInput with respect to dy and w")
        func conv2dTransposeInput() {
            let dy = sampleTensor([2, 4, 3, 3], seed: 157)
            let w = sampleTensor([4, 3, 3, 3], seed: 163)
            expectFirstOrderGradients([dy, w]) {
                Variable.conv2dTransposeInput($0[0], $0[1], inputShape: [2, 3, 5, 5], stride: 2, padding: 1)
            }
        }

        @Test("conv2dTransposeWeight with respect to x and dy")
        func conv2dTransposeWeight() {
            let x = sampleTensor([2, 3, 5, 5], seed: 167)
            let dy = sampleTensor([2, 4, 3, 3], seed: 173)
            expectFirstOrderGradients([x, dy]) {
                Variable.conv2dTransposeWeight($0[0], $0[1], weightShape: [4, 3, 3, 3], stride: 2, padding: 1)
            }
        }

        /// The defining property of the adjoints, <conv(x, w), dy> = <x, dx> = <w, dw>,
        /// checked in Double: an independent oracle for the transposes' values.
        @Test("the two transposes are the adjoints of conv2d")
        func adjointIdentity() {
            let x = sampleTensor([2, 3, 5, 5], seed: 179)
            let w = sampleTensor([4, 3, 3, 3], seed: 181)
            let dy = sampleTensor([2, 4, 3, 3], seed: 191)
            let y = Tensor.conv2d(x, w, stride: 2, padding: 1)
            let dx = Tensor.conv2dTransposeInput(dy, w, inputShape: x.shape, stride: 2, padding: 1)
            let dw = Tensor.conv2dTransposeWeight(x, dy, weightShape: w.shape, stride: 2, padding: 1)
            let reference = dot(y.values, dy.values)
            #expect(abs(dot(x.values, dx.values) - reference) < 1e-4 * max(1, abs(reference)))
            #expect(abs(dot(w.values, dw.values) - reference) < 1e-4 * max(1, abs(reference)))
        }
    }
}
