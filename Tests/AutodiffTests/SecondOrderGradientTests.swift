import Testing
import TestSupport
import TensorCore
import Autodiff

extension AutodiffTestSuite {
    /// Gradients of gradients: g = ∂f/∂x recorded with `createGraph: true`, a scalar h built
    /// from g, and ∂h/∂(x or parameters) against central differences of h, where h at each
    /// perturbed point comes from a first-order gradient.
    @Suite("Second-order gradients")
    struct SecondOrderGradientTests {
        enum Function: String, CaseIterable {
            case exp, log, tanh, sigmoid, softplus, square, sqrt, log1p, reciprocal

            func apply(_ x: Variable) -> Variable {
                switch self {
                case .exp: return x.exp()
                case .log: return x.log()
                case .tanh: return x.tanh()
                case .sigmoid: return x.sigmoid()
                case .softplus: return x.softplus()
                case .square: return x.square()
                case .sqrt: return x.sqrt()
                case .log1p: return x.log1p()
                case .reciprocal: return 2 / x
                }
            }

            var input: Tensor {
                switch self {
                case .log, .sqrt, .reciprocal: return sampleTensor([2, 3], seed: 401, low: 0.5, high: 2)
                default: return sampleTensor([2, 3], seed: 401, low: -1.5, high: 1.5)
                }
            }
        }

        @Test("elementwise function: d/dx Σ f'(x) W V", arguments: Function.allCases)
        func elementwise(_ function: Function) {
            let weights = Variable(sampleTensor([2, 3], seed: 403))
            expectSecondOrderGradients([function.input], inner: [0], outer: [0]) { v in
                (function.apply(v[0]) * weights).sum()
            }
        }

        @Test("division with broadcasting, both operands")
        func division() {
            let a = sampleTensor([3, 4], seed: 405)
            let b = sampleTensor([3, 1], seed: 407, low: 0.5, high: 1.5)
            let weights = Variable(sampleTensor([3, 4], seed: 409))
            expectSecondOrderGradients([a, b], inner: [0, 1], outer: [0, 1]) { v in
                (v[0] / v[1] * weights).sum()
            }
        }

        @Test("product and sum of a variable with itself")
        func products() {
            let x = sampleTensor([2, 3], seed: 411)
            let y = sampleTensor([3], seed: 413)
            expectSecondOrderGradients([x, y], inner: [0, 1], outer: [0, 1]) { v in
                (v[0] * v[0] * v[1] - v[1].square() * v[0] + v[0].exp() * v[1]).sum()
            }
        }

        /// A chain through every transpose combination. Without the tanh the chain is linear
        /// in x, so g = ∂f/∂x does not depend on x and ∂h/∂x must vanish, while ∂h/∂W_k goes
        /// through the VJPs of matmul's VJPs.
        @Test("matmul chain with all transpose flags", arguments: [false, true])
        func matmulChain(nonlinear: Bool) {
            let inputs = [sampleTensor([3, 4], seed: 421),   // x
                          sampleTensor([5, 4], seed: 423),   // W1, used transposed
                          sampleTensor([5, 2], seed: 425),   // W2, used transposed
                          sampleTensor([2, 4], seed: 427),   // W3
                          sampleTensor([4, 2], seed: 429)]   // W4
            let weights = Variable(sampleTensor([3, 2], seed: 430))
            expectSecondOrderGradients(inputs, inner: [0], outer: [0, 1, 2, 3, 4]) { v in
                var h = Variable.matmul(v[0], v[1], transposeB: true)                       // [3, 5]
                if nonlinear { h = h.tanh() }
                let o = Variable.matmul(v[2], h, transposeA: true, transposeB: true)        // [2, 3]
                let p = Variable.matmul(o, v[3], transposeA: true)                          // [3, 4]
                return (Variable.matmul(p, v[4]) * weights).sum()                           // [3, 2]
            }
        }

        @Test("affine + leaky ReLU critic: WGAN-GP penalty gradient with respect to the weights")
        func mlpCritic() {
            let x = sampleTensor([4, 3], seed: 431)
            let w1 = sampleTensor([3, 6], seed: 433)
            let b1 = sampleTensor([6], seed: 435, low: -0.5, high: 0.5)
            let w2 = sampleTensor([6, 1], seed: 437)
            let b2 = sampleTensor([1], seed: 439)
            // A small step keeps every pre-activation on its side of the kink. The input
            // gradient W1 diag(mask) W2 is piecewise constant in x, b1 and b2, so those three
            // must get zero; W1 and W2 go through the VJPs of matmul's VJPs.
            expectSecondOrderGradients([x, w1, b1, w2, b2], inner: [0], outer: [0, 1, 2, 3, 4],
                                       penalty: .unitNormPerSample, step: 1e-3) { v in
                let hidden = Variable.affine(v[0], v[1], bias: v[2]).leakyRelu(slope: 0.2)
                return Variable.affine(hidden, v[3], bias: v[4]).sum()
            }
        }

        @Test("critic with two hidden layers (leaky ReLU, tanh): penalty gradient")
        func deeperCritic() {
            let x = sampleTensor([3, 2], seed: 441)
            let w1 = sampleTensor([2, 4], seed: 443)
            let w2 = sampleTensor([4, 4], seed: 445)
            let w3 = sampleTensor([4, 1], seed: 447)
            let zero4 = Variable(Tensor(zeros: [4])), zero1 = Variable(Tensor(zeros: [1]))
            expectSecondOrderGradients([x, w1, w2, w3], inner: [0], outer: [1, 2, 3],
                                       penalty: .unitNormPerSample, step: 1e-3) { v in
                let h1 = Variable.affine(v[0], v[1], bias: zero4).leakyRelu()
                let h2 = Variable.affine(h1, v[2], bias: zero4).tanh()
                return Variable.affine(h2, v[3], bias: zero1).sum()
            }
        }

        @Test("conv2d (5x5, stride 2, padding 2) + leaky ReLU + linear critic: penalty gradient")
        func convolutionalCritic() {
            let x = sampleTensor([2, 1, 6, 6], seed: 451)
            let kernel = sampleTensor([3, 1, 5, 5], seed: 453, low: -0.5, high: 0.5)
            let linear = sampleTensor([27, 1], seed: 457)
            let bias = sampleTensor([1], seed: 459)
            expectSecondOrderGradients([x, kernel, linear, bias], inner: [0], outer: [0, 1, 2, 3],
                                       penalty: .unitNormPerSample, step: 1e-3) { v in
                let features = Variable.conv2d(v[0], v[1], stride: 2, padding: 2).leakyRelu(slope: 0.2)
                return Variable.affine(features.reshaped([2, 27]), v[2], bias: v[3]).sum()
            }
        }

        @Test("conv2dTransposeInput and conv2dTransposeWeight differentiated twice")
        func convolutionTransposes() {
            let dy = sampleTensor([1, 2, 3, 3], seed: 461)
            let w = sampleTensor([2, 2, 3, 3], seed: 463)
            let x = sampleTensor([1, 2, 5, 5], seed: 465)
            expectSecondOrderGradients([dy, w], inner: [0, 1], outer: [0, 1]) { v in
                Variable.conv2dTransposeInput(v[0], v[1], inputShape: [1, 2, 5, 5], stride: 2, padding: 1)
                    .tanh().sum()
            }
            expectSecondOrderGradients([x, dy], inner: [0, 1], outer: [0, 1]) { v in
                Variable.conv2dTransposeWeight(v[0], v[1], weightShape: [2, 2, 3, 3], stride: 2, padding: 1)
                    .tanh().sum()
            }
        }
    }
}
