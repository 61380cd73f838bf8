import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows

/// Whether the trained flow's inverse undoes its forward map (ch03-*results.json,
/// `inverse_check`). Two measurements, both in evaluation mode (batch norm's running
/// averages), so that each image is mapped on its own:
///
/// - The round trip of test images: y the dequantised image (the point on [0, 1]^784
///   that the density is over, the logit being the flow's first layer), and
///   max |f⁻¹(f(y)) - y| and mean |f⁻¹(f(y)) - y| over every pixel of every image. A
///   correct inverse leaves float32 rounding, far below a grey level (1/256 = 3.9e-3);
///   the same after the logit, where the couplings act and nothing is squashed.
/// - The NLL the model gives its own samples x = f⁻¹(z), z ~ p_Z at temperature T, scored
///   by the forward map as every test image is: -log p(x) = -log p_Z(f(x)) - log |det ∂f/∂x|.
///   The same number follows from the draw alone, -log p_Z(z) + log |det ∂f⁻¹/∂z|, which a
///   correct inverse matches sample by sample (f(x) = z, and the two log-determinants
///   cancel); a wrong one scores x at some f(x) ≠ z, and the two disagree by many nats.
///   At T = 1 the mean is the model's entropy, to set beside the test NLL: the two are
///   equal when the model is the data's distribution, and under-training keeps them apart
///   (a broken inverse need not move the mean much; the sample-by-sample gap is the check).
///
/// A sample is scored from its logit s, as the inverse computed it before the last
/// sigmoid: in float32 a pixel within 6e-8 of 1 rounds to 1, whose logit is infinite, so
/// `flow.logLikelihood(flow.sample(...))` gives +∞ nats to any sample with one such pixel
/// (every sample of a --quick NICE run). The logit's log-determinant,
/// log |ds/dx| = softplus(s) + softplus(-s) - log(1 - 2α), is finite at every s.
struct InverseCheck: Codable {
    struct SampleNLL: Codable {
        var temperature: Double
        /// The mean and standard error of -log p(x) over the samples, by the forward map.
        var nllNats, standardError: Double
        /// max over samples of |-log p(x) by the forward map - (-log p_Z(z) + log |det ∂f⁻¹/∂z|)|.
        var maxAbsGapToDrawNll: Double
    }
    var images: Int
    /// |f⁻¹(f(y)) - y| over the pixels of `images` dequantised test images, on [0, 1].
    var roundTripMaxAbsError, roundTripMeanAbsError: Double
    /// The same round trip after the logit: s = logit(y) through the layers that follow it.
    var roundTripMaxAbsErrorAfterLogit: Double
    var samples: Int
    var sampleNll: [SampleNLL]
    /// How long the check took.
    var seconds: Double
}

/// Measures `InverseCheck` on `flow` (whose first layer is the logit) with `images` test
/// images, dequantised by the `inverseCheckNoise` stream, and `samples` samples at each
/// temperature from the `inverseCheckSamples` stream, in batches of `batchSize`.
func checkInverse(_ flow: NormalizingFlow, testImages: Tensor, samples: Int, temperatures: [Float], seed: UInt64,
                  batchSize: Int = 100) -> InverseCheck {
    let started = Date()
    let wasTraining = flow.isTraining
    flow.isTraining = false
    defer { flow.isTraining = wasTraining }
    let afterLogit = FlowSequence(Array(flow.flow.layers.dropFirst()))
    let logit = flow.flow.layers[0]
    precondition(logit is LogitLayer, "checkInverse expects the flow to start with its logit layer")

    var noise = RandomGenerator(seed: seed, stream: .inverseCheckNoise)
    var maxError = 0.0, errorSum = 0.0, maxErrorAfterLogit = 0.0
    let n = testImages.shape[0]
    GradientRecording.withoutRecording {
        for start in stride(from: 0, to: n, by: batchSize) {
            let y = Dequantization.apply(testImages.slice(start..<min(n, start + batchSize), alongAxis: 0), generator: &noise)
            // f = (the layers after the logit) ∘ logit, run in two parts to see s = logit(y) on the way.
            let s = logit.forward(Variable(y)).output
            let sBack = afterLogit.inverse(afterLogit.forward(s).output).output
            let yBack = logit.inverseOutput(sBack).value
            for (a, b) in zip(yBack.values, y.values) {
                let error = abs(Double(a) - Double(b))
                maxError = max(maxError, error); errorSum += error
            }
            for (a, b) in zip(sBack.value.values, s.value.values) {
                maxErrorAfterLogit = max(maxErrorAfterLogit, abs(Double(a) - Double(b)))
            }
        }
    }

    let sampleNll = temperatures.map { temperature -> InverseCheck.SampleNLL in
        var generator = RandomGenerator(seed: seed, stream: .inverseCheckSamples)
        var nll: [Double] = [], gap = 0.0
        GradientRecording.withoutRecording {
            for start in stride(from: 0, to: samples, by: batchSize) {
                let z = Variable(flow.prior.sample(min(batchSize, samples - start), shape: flow.latentShape,
                                                   generator: &generator, temperature: temperature))
                // f⁻¹ up to the logit: s, the samples' logits, and log |det ∂s/∂z|.
                let (s, inverseLogDeterminant) = afterLogit.inverse(z)
                let (zAgain, forwardLogDeterminant) = afterLogit.forward(s)
                let logitLogDeterminant = -logit.inverse(s).logDeterminant
                let scored = (flow.prior.logProbability(zAgain) + forwardLogDeterminant + logitLogDeterminant).value.values
                let drawn = (flow.prior.logProbability(z) - inverseLogDeterminant + logitLogDeterminant).value.values
                for (a, b) in zip(scored, drawn) { gap = max(gap, abs(Double(a) - Double(b))) }
                nll += scored.map { -Double($0) }
            }
        }
        let (mean, standardError) = meanAndStandardError(nll)
        return .init(temperature: Double(temperature), nllNats: mean, standardError: standardError, maxAbsGapToDrawNll: gap)
    }
    return InverseCheck(images: n, roundTripMaxAbsError: maxError, roundTripMeanAbsError: errorSum / Double(max(testImages.count, 1)),
                        roundTripMaxAbsErrorAfterLogit: maxErrorAfterLogit, samples: samples, sampleNll: sampleNll,
                        seconds: Date().timeIntervalSince(started))
}

extension RandomStream {
    /// The dequantisation of the test images of the inverse check.
    static let inverseCheckNoise = RandomStream(80)
    /// The latent draws of the inverse check (the same draws at every temperature).
    static let inverseCheckSamples = RandomStream(81)
}
