import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows

/// One image's exact NLL under a flow, split the way the change of variables adds it up:
///
///   NLL(x) = -log p(y) = -log p_Z(f(y)) - log |det ∂f/∂y|,
///
/// in nats per image on [0, 1]^D, where y = (255 x + u) / 256 is the image dequantised by
/// the library's `Dequantization` with u the first D draws of
/// `RandomGenerator.evaluationNoise`: the noise `evaluateNLL` gives an image it evaluates
/// on its own, so `nll` here is `evaluateNLL(flow, images: x).mean` for a one-image x. The
/// flow's first layer is the logit, s = logit(α + (1 - 2α) y), whose log-determinant
/// Σ_i [-log s̃_i - log(1 - s̃_i) + log(1 - 2α)], s̃ = α + (1 - 2α) y, is the part of the
/// volume term that stretches [0, 1] onto the real line (large and positive near 0 and 1,
/// so it makes the volume term negative); the couplings and the scaling add the rest.
struct NLLTerms {
    /// -log p(y), the sum of the next two.
    let nll: Double
    /// -log p_Z(z), z = f(y): how far into the prior's tails the image lands.
    let priorTerm: Double
    /// -log |det ∂f/∂y|: how much f expands the volume around y (negative: expanded).
    let volumeTerm: Double
    /// The logit layer's share of `volumeTerm`.
    let logitVolumeTerm: Double
}

/// `NLLTerms` of every image of `images` [N, ...], each dequantised as if evaluated on its
/// own (the noise of a one-image `evaluateNLL`), so the NLLs of test images and of a
/// scored image compare; run in batches of `batchSize` in evaluation mode, without
/// recording gradients.
func exactNLLTerms(_ flow: NormalizingFlow, images: Tensor, batchSize: Int = 250) -> [NLLTerms] {
    let wasTraining = flow.isTraining
    flow.isTraining = false
    defer { flow.isTraining = wasTraining }
    let logit = flow.flow.layers[0]
    precondition(logit is LogitLayer, "exactNLLTerms expects the flow to start with its logit layer")
    var terms: [NLLTerms] = []
    let n = images.shape[0]
    GradientRecording.withoutRecording {
        for start in stride(from: 0, to: n, by: batchSize) {
            let end = min(n, start + batchSize)
            let dequantised = (start..<end).map { index -> Tensor in
                var noise = RandomGenerator.evaluationNoise
                return Dequantization.apply(images.slice(index..<(index + 1), alongAxis: 0), generator: &noise)
            }
            let y = Variable(Tensor.concatenate(dequantised, alongAxis: 0))
            let (z, logDeterminant) = flow.flow.forward(y)
            let prior = flow.prior.logProbability(z).value.values
            let volume = logDeterminant.value.values
            let logitVolume = logit.forward(y).logDeterminant.value.values
            for k in 0..<(end - start) {
                let priorTerm = -Double(prior[k]), volumeTerm = -Double(volume[k])
                terms.append(NLLTerms(nll: priorTerm + volumeTerm, priorTerm: priorTerm, volumeTerm: volumeTerm,
                                      logitVolumeTerm: -Double(logitVolume[k])))
            }
        }
    }
    return terms
}

/// The percentage of `reference` values below `value` (ties count half): 0 when `value`
/// is lower than all of them, 100 when higher.
func percentile(of value: Double, among reference: [Double]) -> Double {
    guard !reference.isEmpty else { return .nan }
    let below = reference.filter { $0 < value }.count, equal = reference.filter { $0 == value }.count
    return 100 * (Double(below) + 0.5 * Double(equal)) / Double(reference.count)
}

func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

/// The middle value (the mean of the two middle ones for an even count).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted(), n = sorted.count
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
}
