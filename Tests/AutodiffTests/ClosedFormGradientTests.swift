import Foundation
import Testing
import TestSupport
import TensorCore
import Autodiff

extension AutodiffTestSuite {
    /// Gradients known in closed form. Inputs are multiples of 1/4 with few significant
    /// bits, so that small integer multiples of them are exact in Float and the comparisons
    /// can be exact.
    @Suite("Closed-form gradients")
    struct ClosedFormGradientTests {
        static let exactValues: [Float] = [-1.5, -0.75, 0.5, 1.25, 2, 3.25]

        @Test("∂ Σ x² / ∂x = 2x exactly")
        func squareSum() {
            let x = Variable(Tensor(shape: [2, 3], values: Self.exactValues), requiresGradient: true)
            let g = gradients(of: x.square().sum(), withRespectTo: [x])[0]
            #expect(g.shape == [2, 3])
            #expect(g.value.values == Self.exactValues.map { 2 * $0 })
        }

        @Test("a variable used twice accumulates: ∂ Σ x·x / ∂x = 2x")
        func accumulation() {
            let x = Variable(Tensor(shape: [6], values: Self.exactValues), requiresGradient: true)
            let g = gradients(of: (x * x).sum(), withRespectTo: [x])[0]
            #expect(g.value.values == Self.exactValues.map { 2 * $0 })
            // Three uses along different paths: ∂ Σ (x + x·3 - x) / ∂x = 3.
            let h = gradients(of: (x + x * 3 - x).sum(), withRespectTo: [x])[0]
            #expect(h.value.values == [Float](repeating: 3, count: 6))
        }

        @Test("a diamond: y = exp(x), z = y·y + y gives ∂z/∂x = (2y + 1)·y")
        func diamond() {
            let values: [Float] = [-1, -0.3, 0.2, 0.9]
            let x = Variable(Tensor(shape: [4], values: values), requiresGradient: true)
            let y = x.exp()
            let g = gradients(of: (y * y + y).sum(), withRespectTo: [x])[0]
            for (gi, xi) in zip(g.value.values, values) {
                let e = Foundation.exp(Double(xi))
                #expect(abs(Double(gi) - (2 * e + 1) * e) < 1e-5 * (2 * e + 1) * e)
            }
        }

        @Test("a target the output does not reach gets zeros of its own shape")
        func unreachedTarget() {
            let x = Variable(Tensor(shape: [3], values: [1, 2, 3]), requiresGradient: true)
            let unused = Variable(Tensor(shape: [2, 2], values: [1, 2, 3, 4]), requiresGradient: true)
            let constant = Variable(Tensor(shape: [3], values: [5, 6, 7]))
            let g = gradients(of: (x * constant).sum(), withRespectTo: [unused, x, constant])
            #expect(g[0].shape == [2, 2])
            #expect(g[0].value.values == [0, 0, 0, 0])
            #expect(g[1].value.values == [5, 6, 7])
            #expect(g[2].value.values == [0, 0, 0])
        }

        @Test("the gradient of the gradient of Σ x³ is 6x")
        func cubeSecondDerivative() {
            let x = Variable(Tensor(shape: [6], values: Self.exactValues), requiresGradient: true)
            let g = gradients(of: (x * x * x).sum(), withRespectTo: [x], createGraph: true)[0]
            #expect(g.value.values == Self.exactValues.map { 3 * $0 * $0 })
            let second = gradients(of: g.sum(), withRespectTo: [x])[0]
            #expect(second.value.values == Self.exactValues.map { 6 * $0 })
            // The same through square(): x² · x.
            let g2 = gradients(of: (x.square() * x).sum(), withRespectTo: [x], createGraph: true)[0]
            let second2 = gradients(of: g2.sum(), withRespectTo: [x])[0]
            #expect(second2.value.values == Self.exactValues.map { 6 * $0 })
        }

        @Test("third derivative of Σ x⁴ / 4 is 6x")
        func thirdOrder() {
            let x = Variable(Tensor(shape: [6], values: Self.exactValues), requiresGradient: true)
            let f = (x.square().square() * 0.25).sum()
            let g1 = gradients(of: f, withRespectTo: [x], createGraph: true)[0]          // x³
            let g2 = gradients(of: g1.sum(), withRespectTo: [x], createGraph: true)[0]   // 3x²
            let g3 = gradients(of: g2.sum(), withRespectTo: [x])[0]                      // 6x
            #expect(g2.value.values == Self.exactValues.map { 3 * $0 * $0 })
            #expect(g3.value.values == Self.exactValues.map { 6 * $0 })
        }

        @Test("without createGraph the gradient is a constant; with it, a recorded variable")
        func createGraphSwitch() {
            let x = Variable(Tensor(shape: [2], values: [1, 2]), requiresGradient: true)
            let plain = gradients(of: x.square().sum(), withRespectTo: [x])[0]
            #expect(!plain.requiresGradient)
            let recorded = gradients(of: x.square().sum(), withRespectTo: [x], createGraph: true)[0]
            #expect(recorded.requiresGradient && !recorded.isLeaf)
            #expect(GradientRecording.isEnabled)
            let y = GradientRecording.withoutRecording { x.square() }
            #expect(y.isLeaf && !y.requiresGradient)
        }

        @Test("a seed replaces the unit gradient of a non-scalar output")
        func seed() {
            let x = Variable(Tensor(shape: [3], values: [1, 2, 3]), requiresGradient: true)
            let seed = Tensor(shape: [3], values: [0.5, -1, 2])
            let g = gradients(of: x * 3, withRespectTo: [x], seed: seed)[0]
            #expect(g.value.values == [1.5, -3, 6])
        }

        @Test("a variable that does not require gradients blocks the path")
        func constantInput() {
            let x = Variable(Tensor(shape: [2], values: [1, 2]), requiresGradient: true)
            let c = Variable(Tensor(shape: [2], values: [3, 4]))
            let g = gradients(of: (x * c + c.square()).sum(), withRespectTo: [x])[0]
            #expect(g.value.values == [3, 4])
        }
    }
}
