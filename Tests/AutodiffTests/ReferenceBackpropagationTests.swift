import Testing
import TestSupport
import TensorCore
@testable import Autodiff

extension AutodiffTestSuite {
    /// The fast reverse mode (`gradients(of:)`, `forEachGradient`) against the plain one
    /// (`referenceGradients`), on graphs built so that each optimisation of the fast path
    /// runs: a weight used by two products (two shares into one running sum, the second
    /// added in place or by the product itself), a variable used by an elementwise
    /// operation twice (x * x: one VJP handing shares to two inputs that are the same
    /// variable), a broadcast bias, and a target the output does not depend on. Each
    /// version is also checked against central finite differences, so that agreeing on a
    /// common mistake would not pass.
    @Suite("The fast backward pass equals the reference one")
    struct ReferenceBackpropagationTests {
        static func parameters() -> [Variable] {
            [Variable(sampleTensor([3, 5], seed: 11), requiresGradient: true),
             Variable(sampleTensor([5], seed: 12), requiresGradient: true),
             Variable(sampleTensor([5, 5], seed: 13), requiresGradient: true),
             Variable(sampleTensor([4], seed: 14), requiresGradient: true)]   // unused by the loss
        }

        static func loss(_ p: [Variable]) -> Variable {
            let x = Variable(sampleTensor([6, 3], seed: 10))
            let h = Variable.affine(x, p[0], bias: p[1]).tanh()
            // p[2] used by two products: its gradient has two shares.
            let a = Variable.matmul(h, p[2]).softplus()   // smooth: the finite differences below need no kinks
            let b = Variable.matmul(a, p[2]).sigmoid()
            // h * h: one operation whose two inputs are the same variable.
            return (b * b).sum() + (h * h).mean() + a.sum()
        }

        @Test func fastEqualsReference() {
            let p = Self.parameters()
            let reference = referenceGradients(of: Self.loss(p), withRespectTo: p)
            let fast = gradients(of: Self.loss(p), withRespectTo: p).map(\.value)
            var delivered = [Tensor?](repeating: nil, count: p.count)
            forEachGradient(of: Self.loss(p), withRespectTo: p) { i, g in delivered[i] = g.value }
            for i in p.indices {
                #expect(reference[i].shape == p[i].shape)
                #expect(maximumAbsoluteDifference(fast[i].values, reference[i].values) <= 1e-6 * (1 + maxMagnitude(reference[i].values)),
                        "gradients(of:), parameter \(i)")
                #expect(maximumAbsoluteDifference(delivered[i]!.values, reference[i].values) <= 1e-6 * (1 + maxMagnitude(reference[i].values)),
                        "forEachGradient, parameter \(i)")
            }
            #expect(reference[3].values.allSatisfy { $0 == 0 }, "a parameter the loss does not use gets zeros")
        }

        @Test func referenceMatchesFiniteDifferences() {
            let p = Self.parameters()
            let reference = referenceGradients(of: Self.loss(p), withRespectTo: p)
            // Central differences of the (Float) loss on every weight of p[0], p[1], p[2]; the
            // tolerance allows for Float rounding over a step of 0.01, far below a missing share.
            for k in 0..<3 {
                for j in 0..<p[k].value.count {
                    func lossWith(_ delta: Float) -> Double {
                        let q = Self.parameters()
                        q[k].value = q[k].value.values.enumerated().map { $0.offset == j ? $0.element + delta : $0.element }
                            .withShape(q[k].value.shape)
                        return Double(GradientRecording.withoutRecording { Self.loss(q).value.scalar })
                    }
                    let h: Float = 1e-2
                    let numeric = (lossWith(h) - lossWith(-h)) / (2 * Double(h))
                    let analytic = Double(reference[k].values[j])
                    #expect(abs(numeric - analytic) <= 1e-2 * (1 + abs(analytic)), "parameter \(k), entry \(j): \(analytic) vs \(numeric)")
                }
            }
        }
    }
}

private func maximumAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

private func maxMagnitude(_ a: [Float]) -> Float { a.map(abs).max() ?? 0 }

private extension Array where Element == Float {
    func withShape(_ shape: [Int]) -> Tensor { Tensor(shape: shape, values: self) }
}
