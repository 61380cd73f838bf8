import Foundation
import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Datasets
import Flows
import TestSupport
import Evaluation

/// `evaluateNLL` is what every headline NLL of the book goes through. The oracle is a
/// flow whose density has a closed form: NICE with every coupling's last layer zeroed (so
/// each coupling is the identity) and a diagonal scaling of known log-scales, so that
/// log p(y) = Σᵢ [log σ(zᵢ) + log(1 - σ(zᵢ))] + Σᵢ sᵢ + Σᵢ [log(1 - 2α) - log tᵢ - log(1 - tᵢ)],
/// with tᵢ = α + (1 - 2α) yᵢ and zᵢ = e^sᵢ logit(tᵢ), computed here in Double.
@Suite("The exact NLL of a set of images")
struct EvaluateNLLTests {
    static let logScales: [Float] = [0.3, -0.2, 0.5, 0.1]

    static func flow() -> NormalizingFlow {
        var generator = RandomGenerator(seed: 4)
        let flow = FlowModels.nice(sampleShape: [1, 2, 2], hidden: 6, depth: 1, couplings: 2, generator: &generator)
        for layer in flow.flow.layers {
            if let coupling = layer as? AdditiveCoupling, let network = coupling.network as? Sequential,
               let last = network.layers.last as? Linear {
                for (_, parameter) in last.namedParameters { parameter.value = Tensor(zeros: parameter.shape) }
            }
            if let scaling = layer as? DiagonalScaling {
                scaling.logScale.value = Tensor(shape: [1, 4], values: logScales)
            }
        }
        return flow
    }

    /// -log p(y) of one dequantised image by the closed form above.
    static func closedFormNLL(_ y: [Float], alpha: Double = 1e-7) -> Double {
        var logDensity = 0.0
        for (value, s) in zip(y.map(Double.init), logScales.map(Double.init)) {
            let t = alpha + (1 - 2 * alpha) * value
            let z = Foundation.exp(s) * (Foundation.log(t) - Foundation.log(1 - t))
            let softplus = { (x: Double) in x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x)) }
            logDensity += -softplus(-z) - softplus(z) + s + Foundation.log(1 - 2 * alpha) - Foundation.log(t) - Foundation.log(1 - t)
        }
        return -logDensity
    }

    @Test("mean and standard error equal the closed form's over the same dequantised images, in any batch size")
    func matchesClosedForm() throws {
        var generator = RandomGenerator(seed: 9)
        // Pixels on the 8-bit grid, as images are.
        let uniform = Tensor.uniform([7, 1, 2, 2], generator: &generator)
        let images = Tensor(shape: [7, 1, 2, 2], values: uniform.values.map { ($0 * 255).rounded(.down) / 255 })
        let model = Self.flow()
        // The same noise `evaluateNLL` draws: its documented stream, image after image.
        var noise = RandomGenerator.evaluationNoise
        let dequantized = Dequantization.apply(images, generator: &noise).values
        let oracle = (0..<7).map { Self.closedFormNLL(Array(dequantized[(4 * $0)..<(4 * $0 + 4)])) }
        let mean: Double = oracle.reduce(0, +) / 7
        let squares: [Double] = oracle.map { ($0 - mean) * ($0 - mean) }
        let standardError: Double = (squares.reduce(0, +) / 6 / 7).squareRoot()
        for batchSize in [1, 3, 500] {
            let result = evaluateNLL(model, images: images, batchSize: batchSize)
            #expect(abs(result.mean - mean) < 1e-3 * max(1, abs(mean)), "batch \(batchSize): \(result.mean) vs \(mean)")
            #expect(abs(result.standardError - standardError) < 1e-3 * max(1, standardError),
                    "batch \(batchSize): \(result.standardError) vs \(standardError)")
        }
        #expect(standardError > 0.01, "the images should differ in likelihood for this test to mean anything")
    }

    @Test("it evaluates in evaluation mode and leaves the model's mode as it found it")
    func restoresMode() {
        let model = Self.flow()
        model.isTraining = true
        var generator = RandomGenerator(seed: 1)
        _ = evaluateNLL(model, images: Tensor.uniform([3, 1, 2, 2], generator: &generator))
        #expect(model.isTraining)
    }
}
