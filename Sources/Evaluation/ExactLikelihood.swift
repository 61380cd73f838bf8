import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows

/// The exact NLL of a model on a set of images, in nats per image on [0, 1]^D: the mean
/// over images (each dequantised once, by `RandomGenerator.evaluationNoise`, the same for
/// every evaluation so evaluations compare) and its standard error. Runs in evaluation
/// mode without recording a graph.
public func evaluateNLL(_ model: NormalizingFlow, images: Tensor, batchSize: Int = 500) -> (mean: Double, standardError: Double) {
    let wasTraining = model.isTraining
    model.isTraining = false
    defer { model.isTraining = wasTraining }
    var generator = RandomGenerator.evaluationNoise
    var values: [Double] = []
    let n = images.shape[0]
    GradientRecording.withoutRecording {
        var start = 0
        while start < n {
            let end = min(n, start + batchSize)
            let batch = images.slice(start..<end, alongAxis: 0)
            let logLikelihood = model.logLikelihood(Variable(Dequantization.apply(batch, generator: &generator)))
            values += logLikelihood.value.values.map { -Double($0) }
            start = end
        }
    }
    return meanAndStandardError(values)
}
