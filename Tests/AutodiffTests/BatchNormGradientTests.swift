import Testing
import TestSupport
import TensorCore
import Autodiff

extension AutodiffTestSuite {
    /// Batch normalisation has two backward paths: a fused closed form (when the backward
    /// pass is not recorded) and one written with differentiable operations (when it is).
    /// Both are checked against finite differences, and the recorded one again at second order.
    @Suite("Gradients of batch normalisation")
    struct BatchNormGradientTests {
        static let shapes: [[Int]] = [[5, 3], [2, 3, 2, 2], [3, 2, 1, 3]]

        static func inputs(_ shape: [Int]) -> [Tensor] {
            let channels = shape[1]
            return [sampleTensor(shape, seed: 301, low: -2, high: 2),
                    sampleTensor([channels], seed: 303, low: 0.5, high: 1.5),
                    sampleTensor([channels], seed: 307)]
        }

        static func normalize(_ v: [Variable]) -> Variable {
            Variable.batchNorm(v[0], gamma: v[1], beta: v[2], epsilon: 1e-5).output
        }

        @Test("fused backward pass: x, gamma and beta", arguments: shapes)
        func fused(_ shape: [Int]) {
            expectFirstOrderGradients(Self.inputs(shape), createGraph: false) { Self.normalize($0) }
        }

        @Test("recorded backward pass: x, gamma and beta", arguments: shapes)
        func recorded(_ shape: [Int]) {
            expectFirstOrderGradients(Self.inputs(shape), createGraph: true) { Self.normalize($0) }
        }

        @Test("fused backward pass when only gamma and beta need gradients", arguments: shapes)
        func parametersOnly(_ shape: [Int]) {
            expectFirstOrderGradients(Self.inputs(shape), differentiate: [1, 2]) { Self.normalize($0) }
        }

        @Test("statistics are the per-channel mean and biased variance")
        func statistics() {
            let x = sampleTensor([3, 2, 2, 2], seed: 311)
            let result = Variable.batchNorm(Variable(x), gamma: Variable(Tensor(ones: [2])),
                                            beta: Variable(Tensor(zeros: [2])), epsilon: 1e-5)
            for c in 0..<2 {
                var values: [Double] = []
                for n in 0..<3 { for i in 0..<4 { values.append(Double(x.values[(n * 2 + c) * 4 + i])) } }
                let mean = values.reduce(0, +) / 12
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 12
                #expect(abs(Double(result.statistics.mean.values[c]) - mean) < 1e-6)
                #expect(abs(Double(result.statistics.variance.values[c]) - variance) < 1e-6)
            }
        }

        @Test("second order through the recorded path: x and gamma", arguments: [[4, 3], [2, 2, 2, 2]])
        func secondOrder(_ shape: [Int]) {
            let weights = Variable(sampleTensor(shape, seed: 313))
            expectSecondOrderGradients(Self.inputs(shape), inner: [0], outer: [0, 1]) { v in
                (Self.normalize(v) * weights).sum()
            }
        }

        @Test("second order, gradients with respect to x and gamma both penalised")
        func secondOrderBoth() {
            let shape = [4, 2]
            let weights = Variable(sampleTensor(shape, seed: 317))
            expectSecondOrderGradients(Self.inputs(shape), inner: [0, 1], outer: [0, 1, 2]) { v in
                (Self.normalize(v).tanh() * weights).sum()
            }
        }
    }
}
