import Foundation
import Testing
import TestSupport
import TensorCore
import Autodiff
import NeuralLayers

extension NeuralLayersTestSuite {
    @Suite("Adam")
    struct AdamTests {
        /// The documented update, computed by hand in Double:
        ///   m ← β1 m + (1 - β1) g,  v ← β2 v + (1 - β2) g²,
        ///   θ ← θ - lr·decay^(t-1) · (m / (1 - β1^t)) / (sqrt(v / (1 - β2^t)) + ε).
        @Test("the first three steps follow the documented formula", arguments: [Float(1), 0.5])
        func firstSteps(decay: Float) {
            let start: [Float] = [0.3, -1.2]
            let steps: [[Float]] = [[0.5, -2], [0.1, 1], [-0.3, 0.2]]
            let lr = 0.1, beta1 = 0.8, beta2 = 0.95, epsilon = 1e-3
            let parameter = Variable(Tensor(shape: [2], values: start), requiresGradient: true)
            let adam = Adam(parameters: [parameter], learningRate: Float(lr), beta1: Float(beta1),
                            beta2: Float(beta2), epsilon: Float(epsilon), decay: decay)

            var theta = start.map(Double.init), m = [0.0, 0.0], v = [0.0, 0.0]
            for (index, g) in steps.enumerated() {
                let t = Double(index + 1)
                let rate = lr * pow(Double(decay), t - 1)
                #expect(abs(Double(adam.currentLearningRate) - rate) < 1e-7)
                for j in 0..<2 {
                    let gj = Double(g[j])
                    m[j] = beta1 * m[j] + (1 - beta1) * gj
                    v[j] = beta2 * v[j] + (1 - beta2) * gj * gj
                    let mHat = m[j] / (1 - pow(beta1, t)), vHat = v[j] / (1 - pow(beta2, t))
                    theta[j] -= rate * mHat / (vHat.squareRoot() + epsilon)
                }
                adam.update([Variable(Tensor(shape: [2], values: g))])
                #expect(adam.step == index + 1)
                for j in 0..<2 {
                    #expect(abs(Double(parameter.value.values[j]) - theta[j]) < 1e-6,
                            "step \(index + 1), element \(j): \(parameter.value.values[j]) vs \(theta[j])")
                    #expect(abs(Double(adam.firstMoments[0].values[j]) - m[j]) < 1e-6)
                    #expect(abs(Double(adam.secondMoments[0].values[j]) - v[j]) < 1e-6)
                }
            }
        }

        @Test("the first step moves each coordinate by lr against the sign of its gradient")
        func firstStepSize() {
            // m̂ = g and v̂ = g² at t = 1, so the step is lr · g / (|g| + ε) ≈ lr · sign(g).
            let parameter = Variable(Tensor(shape: [3], values: [1, 1, 1]), requiresGradient: true)
            let adam = Adam(parameters: [parameter], learningRate: 0.01)
            adam.update([Variable(Tensor(shape: [3], values: [1e-3, -50, 4]))])
            let expected: [Float] = [0.99, 1.01, 0.99]
            for (p, e) in zip(parameter.value.values, expected) { #expect(abs(p - e) < 1e-5) }
        }

        @Test("minimises a convex quadratic: the loss falls by a large factor in 200 steps")
        func convexQuadratic() {
            // L(θ) = Σ_i c_i (A θ - b)_i², positive definite through A = I + small coupling.
            let a = Variable(Tensor(shape: [3, 3], values: [1, 0.2, 0, 0.1, 1.5, 0.3, 0, 0.2, 0.8]))
            let b = Variable(Tensor(shape: [3, 1], values: [1, -2, 0.5]))
            let c = Variable(Tensor(shape: [3, 1], values: [1, 3, 0.5]))
            let theta = Variable(Tensor(shape: [3, 1], values: [2, 2, -2]), requiresGradient: true)
            func loss() -> Variable { ((Variable.matmul(a, theta) - b).square() * c).sum() }
            let adam = Adam(parameters: [theta], learningRate: 0.05)
            let initial = loss().value.scalar
            for _ in 0..<200 {
                adam.update(gradients(of: loss(), withRespectTo: [theta]))
            }
            let final = loss().value.scalar
            #expect(initial > 10)
            #expect(final < initial * 1e-2, "loss \(initial) → \(final)")
        }

        @Test("restore sets the step and the moments")
        func restore() {
            let parameter = Variable(Tensor(shape: [1], values: [0]), requiresGradient: true)
            let adam = Adam(parameters: [parameter], learningRate: 0.1, decay: 0.5)
            adam.restore(step: 2, firstMoments: [Tensor(shape: [1], values: [0.5])],
                         secondMoments: [Tensor(shape: [1], values: [0.25])])
            #expect(adam.step == 2)
            #expect(abs(adam.currentLearningRate - 0.025) < 1e-8)
            // t = 3: m = 0.9·0.5 + 0.1·1 = 0.55, v = 0.999·0.25 + 0.001·1 = 0.25075.
            adam.update([Variable(Tensor(shape: [1], values: [1]))])
            let mHat = 0.55 / (1 - pow(0.9, 3.0)), vHat = 0.25075 / (1 - pow(0.999, 3.0))
            let expected = -0.025 * mHat / (vHat.squareRoot() + 1e-8)
            #expect(abs(Double(parameter.value.values[0]) - expected) < 1e-6)
        }
    }
}
