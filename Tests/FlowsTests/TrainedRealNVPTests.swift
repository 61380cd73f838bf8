import Foundation
import Testing
import TestSupport
import TensorCore
import Autodiff
import NeuralLayers
import Flows

// Chapter 03's Real NVP samples look like noise after its default run. That is what an
// under-trained model gives, and also what a broken inverse would give; the harness tests
// of ModelTests check the inverse on perturbed random weights. These check it where the
// chapter uses it: on a multi-scale Real NVP from chapter 03's builder that has been
// trained by maximum likelihood (weights and batch norm's running averages moved by Adam
// and by training batches), in evaluation mode, against a solution of f(x) = z found
// without the inverse.

extension FlowsTestSuite {
    @Suite("A trained multi-scale Real NVP: f⁻¹ undoes f")
    struct TrainedRealNVPTests {
        static let shape = [1, 8, 8]

        /// MNIST-like 8x8 images of n strokes: a background of 0 and a bar of full-intensity
        /// pixels (a random row or column, 2 wide), with one mid-grey pixel, then
        /// dequantised as chapter 03 does, y = (255x + u)/256, from SplitMix64 (independent
        /// of the library's generator).
        static func strokes(_ n: Int, seed: UInt64) -> Tensor {
            var source = SplitMix64(state: seed)
            var values: [Float] = []
            for _ in 0..<n {
                var image = [Float](repeating: 0, count: 64)
                let vertical = source.next(below: 2) == 0, position = 1 + source.next(below: 5)
                for k in 0..<8 {
                    for width in 0..<2 { image[vertical ? k * 8 + position + width : (position + width) * 8 + k] = 1 }
                }
                image[source.next(below: 64)] = Float(source.next(below: 256)) / 255
                values += image.map { (255 * $0 + source.nextFloat(0, 1)) / 256 }
            }
            return Tensor(shape: [n] + shape, values: values)
        }

        /// The model of chapter 03 (`FlowModels.realNVP` with the logistic prior: logit, 3
        /// checkerboard couplings, squeeze, 3 channel couplings, factor out half, 4
        /// checkerboard couplings), small: 8x8 images, 8 features, 1 residual block; trained
        /// for 40 Adam steps (learning rate 1e-3, batches of 32) and put in evaluation mode.
        /// Returns it with the NLL of its first and last training batch. Trained once and
        /// shared by the tests below, which only read it (evaluation mode changes nothing).
        static let trained = trainedModel()

        static func trainedModel() -> (model: NormalizingFlow, first: Float, last: Float) {
            var generator = RandomGenerator(seed: 480)
            let model = FlowModels.realNVP(sampleShape: shape, features: 8, blocks: 1, prior: .standardLogistic, generator: &generator)
            let optimiser = Adam(parameters: model.parameters, learningRate: 1e-3, beta1: 0.5, beta2: 0.9)
            var losses: [Float] = []
            for step in 0..<40 {
                let loss = model.negativeLogLikelihood(Variable(strokes(32, seed: 1000 + UInt64(step))))
                losses.append(loss.value.scalar)
                optimiser.minimise(loss)
            }
            model.isTraining = false
            return (model, losses[0], losses[39])
        }

        /// The model's logit and the layers after it: the couplings, squeeze and
        /// factoring-out that were trained, from s = logit(y) to z.
        static func parts(of model: NormalizingFlow) -> (logit: any FlowLayer, couplings: FlowSequence) {
            #expect(model.flow.layers.first is LogitLayer)
            return (model.flow.layers[0], FlowSequence(Array(model.flow.layers.dropFirst())))
        }

        @Test("trained for 40 Adam steps, in evaluation mode: f⁻¹(f(y)) = y, in pixels and after the logit")
        func roundTrip() {
            let (model, first, last) = Self.trained
            #expect(!model.isTraining)
            // The model must have moved from the identity couplings it starts as, or a wrong
            // sign of the scale would go unnoticed: training lowered the batch NLL from 0 to
            // about -190 nats, and the couplings now shrink each image by about 50 nats.
            #expect(last < first - 100, "training NLL \(first) -> \(last)")
            let y = Self.strokes(8, seed: 7)
            let (logit, couplings) = Self.parts(of: model)
            let (back, forwardLogDeterminant, inverseLogDeterminant) = GradientRecording.withoutRecording {
                let (z, logDet) = model.flow.forward(Variable(y))
                let (back, inverseLogDet) = model.flow.inverse(z)
                return (back.value, logDet.value, inverseLogDet.value)
            }
            let (s, couplingLogDeterminant) = GradientRecording.withoutRecording {
                let s = logit.forward(Variable(y)).output
                return (s.value, couplings.forward(s).logDeterminant.value)
            }
            let volumeChange = couplingLogDeterminant.values.map { abs(Double($0)) }.min() ?? 0
            #expect(volumeChange > 10, "log |det| of the couplings per image: \(couplingLogDeterminant.values)")

            // Pixels: what is left is float32 rounding, 1.2e-7 when this was written (values
            // near 1 are spaced 6e-8 apart), allowed 1e-5; one grey level is 3.9e-3, and a
            // wrong scale sign or an unsqueeze left out moves pixels by tenths.
            let pixelError = maxAbsDifference(back, y)
            #expect(pixelError < 1e-5, "max |f⁻¹(f(y)) - y| = \(pixelError)")

            // After the logit, where the sigmoid does not squash errors near 0 and 1 (dy =
            // y(1 - y) ds): each of the ten couplings rounds x exp(l) + m and recomputes (l, m)
            // from rounded values, so errors grow by a few ulps per layer: 2.2e-7 relative to
            // max |s| (about 13) when this was written, allowed 1e-4. The bugs above give O(1).
            let sBack = GradientRecording.withoutRecording { couplings.inverse(couplings.forward(Variable(s)).output).output.value }
            let logitError = maxAbsDifference(sBack, s) / max(1, maxAbs(s))
            #expect(logitError < 1e-4, "max |g⁻¹(g(s)) - s| / max |s| = \(logitError)")

            // log |det ∂f⁻¹/∂z| = -log |det ∂f/∂y|, sample by sample.
            for k in 0..<y.shape[0] {
                let sum = Double(forwardLogDeterminant.values[k]) + Double(inverseLogDeterminant.values[k])
                #expect(abs(sum) < 1e-3 * max(1, abs(Double(forwardLogDeterminant.values[k]))),
                        "image \(k): forward log-det \(forwardLogDeterminant.values[k]) + inverse log-det \(inverseLogDeterminant.values[k])")
            }
        }

        @Test("trained, in evaluation mode: f⁻¹(z) is the x that Newton's method finds for f(x) = z, with log |det| by brute force")
        func newtonOracle() throws {
            let model = Self.trained.model
            #expect(!model.isTraining)
            let (logit, couplings) = Self.parts(of: model)
            let n = 3, dimension = 64
            // A z that no image was mapped to: f of three images, moved by 0.1 in latent space.
            let s0 = GradientRecording.withoutRecording { logit.forward(Variable(Self.strokes(n, seed: 11))).output.value }
            let z = GradientRecording.withoutRecording { couplings.forward(Variable(s0)).output.value } + normalTensor([n, dimension], seed: 12, std: 0.1)
            func g(_ s: Tensor) -> Tensor { GradientRecording.withoutRecording { couplings.forward(Variable(s)).output.value } }

            // Newton's method on g(s) = z from s0, with the forward map only: the Jacobian by
            // central differences (the harness's), each step s -= J⁻¹ (g(s) - z) in Double.
            // From s0, 0.1 away, it reaches float32 rounding in two steps.
            var s = s0
            for _ in 0..<3 {
                let residual = g(s).values, jacobians = finiteDifferenceJacobians(g, at: s, step: 1e-3).jacobians
                var values = s.values
                for k in 0..<n {
                    let r = (0..<dimension).map { Double(residual[k * dimension + $0]) - Double(z.values[k * dimension + $0]) }
                    let step = try solveLinearSystem(jacobians[k].values.map(Double.init), r, size: dimension)
                    for j in 0..<dimension { values[k * dimension + j] -= Float(step[j]) }
                }
                s = Tensor(shape: s.shape, values: values)
            }
            // Converged: g(s) = z to float32 rounding (1e-6 when this was written).
            let newtonResidual = maxAbsDifference(g(s), z)
            #expect(newtonResidual < 1e-4, "Newton's residual max |g(s) - z| = \(newtonResidual)")

            // The inverse lands where Newton did: 1.4e-7 relative to max |s| when this was
            // written, allowed 1e-4 as in the round trip.
            let (inverse, inverseLogDeterminant) = GradientRecording.withoutRecording {
                let (s, logDet) = couplings.inverse(Variable(z))
                return (s.value, logDet.value)
            }
            let gap = maxAbsDifference(inverse, s) / max(1, maxAbs(s))
            #expect(gap < 1e-4, "max |g⁻¹(z) - Newton's s| / max |s| = \(gap)")

            // log |det ∂g⁻¹/∂z| = -log |det J_g| at Newton's s, J_g by central differences
            // and LAPACK's LU determinant: about 53 nats, agreeing to 2e-4 when this was
            // written; allowed the harness's 1e-2 relative (finite differences over ReLUs).
            let jacobians = finiteDifferenceJacobians(g, at: s, step: 1e-3).jacobians
            for k in 0..<n {
                let bruteForce = logAbsDeterminant(jacobians[k])
                let layer = Double(inverseLogDeterminant.values[k])
                #expect(abs(layer + bruteForce) < 1e-2 * max(1, abs(bruteForce)),
                        "sample \(k): inverse log-det \(layer), log |det J_g| by finite differences \(bruteForce)")
            }
        }
    }
}

/// The solution x of A x = b for an n x n matrix A (row-major), by Gaussian elimination
/// with partial pivoting in Double.
func solveLinearSystem(_ a: [Double], _ b: [Double], size n: Int) throws -> [Double] {
    struct Singular: Error {}
    var m = a, x = b
    for column in 0..<n {
        let pivot = (column..<n).max { abs(m[$0 * n + column]) < abs(m[$1 * n + column]) }!
        guard abs(m[pivot * n + column]) > 1e-12 else { throw Singular() }
        if pivot != column {
            for j in 0..<n { m.swapAt(pivot * n + j, column * n + j) }
            x.swapAt(pivot, column)
        }
        for row in (column + 1)..<n {
            let factor = m[row * n + column] / m[column * n + column]
            guard factor != 0 else { continue }
            for j in column..<n { m[row * n + j] -= factor * m[column * n + j] }
            x[row] -= factor * x[column]
        }
    }
    for row in stride(from: n - 1, through: 0, by: -1) {
        let sum = ((row + 1)..<n).reduce(x[row]) { $0 - m[row * n + $1] * x[$1] }
        x[row] = sum / m[row * n + row]
    }
    return x
}
