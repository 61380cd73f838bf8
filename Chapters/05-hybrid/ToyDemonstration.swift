import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Checkpoints
import GAN
import Training
import Figures
import Course

/// The 2-D demonstration's numbers (ch05-results.json's "toy").
struct ToyResults: Codable {
    var mleTestLogLikelihood = Double.nan, advTestLogLikelihood = Double.nan, hybridTestLogLikelihood = Double.nan
    var mleModesCovered = 0, advModesCovered = 0, hybridModesCovered = 0
    var mleShareNearMode = Double.nan, advShareNearMode = Double.nan, hybridShareNearMode = Double.nan
    var trueTestLogLikelihood: Double
    var iterations, couplings, hidden: Int
    var learningRate: Double

    mutating func record(_ objective: Objective, logLikelihood: Double, covered: Int, share: Double) {
        switch objective {
        case .mle: (mleTestLogLikelihood, mleModesCovered, mleShareNearMode) = (logLikelihood, covered, share)
        case .adv: (advTestLogLikelihood, advModesCovered, advShareNearMode) = (logLikelihood, covered, share)
        case .hybrid: (hybridTestLogLikelihood, hybridModesCovered, hybridShareNearMode) = (logLikelihood, covered, share)
        }
    }
}

/// The three objectives on 8 Gaussians: each 2-D flow's test log-likelihood, modes covered,
/// density and samples.
func toyDemonstration(_ settings: Settings, seed: UInt64, folder: String) throws -> ToyResults {
    let density = ToyDensity.eightGaussians
    var dataGenerator = RandomGenerator(seed: seed &+ 505, stream: .toyData)
    let data = density.sample(50_000, generator: &dataGenerator)
    let test = density.sample(5_000, generator: &dataGenerator)
    var results = ToyResults(trueTestLogLikelihood: Double(density.logDensity(test)!.mean()), iterations: settings.toyIterations,
                             couplings: settings.toyCouplings, hidden: settings.toyHidden,
                             learningRate: Double(settings.toyLearningRate))
    let n = 120, extent = 3.0
    var grid: [Float] = []
    for i in 0..<n { for j in 0..<n {
        grid.append(Float(-extent + (Double(j) + 0.5) * 2 * extent / Double(n)))
        grid.append(Float(extent - (Double(i) + 0.5) * 2 * extent / Double(n)))
    } }
    var densityPanels: [HeatmapPanel] = [], samplePanels: [(title: String, points: [Float])] = []
    for objective in Objective.allCases {
        var generator = RandomGenerator(seed: seed &+ 506)
        let flow = FlowModels.toy(additive: false, couplings: settings.toyCouplings, hidden: settings.toyHidden, generator: &generator)
        // --toy-learning-rate for both networks.
        let flowTrainer = FlowTrainer(model: flow, learningRate: settings.toyLearningRate, beta1: 0.5, beta2: 0.9, batchSize: 256, seed: seed,
                                      dequantizes: false)
        let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: Critics.toy(generator: &generator),
                                         objective: objective, lambda: settings.lambda, criticSteps: settings.nCritic,
                                         criticLearningRate: settings.toyLearningRate, seed: seed)
        let progress = ProgressLine("8 Gaussians \(objective.rawValue)", total: settings.toyIterations)
        while flowTrainer.iteration < settings.toyIterations {
            let start = flowTrainer.iteration * 256 % (50_000 - 256)
            _ = try trainer.iteration(real: data.slice(start..<(start + 256), alongAxis: 0))
            progress.update(flowTrainer.iteration)
        }
        let logLikelihood = GradientRecording.withoutRecording { Double(flow.logLikelihood(Variable(test)).value.mean()) }
        let densityValues = GradientRecording.withoutRecording {
            flow.logLikelihood(Variable(Tensor(shape: [n * n, 2], values: grid))).value.map { Foundation.exp($0) }
        }
        densityPanels.append(HeatmapPanel(title: objective.rawValue.uppercased(), values: densityValues.values.map(Double.init), n: n, extent: extent))
        var sampler = RandomGenerator(seed: seed, stream: .toySamples)
        let samples = GradientRecording.withoutRecording { flow.sample(1500, generator: &sampler).value }
        let (covered, share) = density.modeCoverage(samples)
        results.record(objective, logLikelihood: logLikelihood, covered: covered, share: share)
        samplePanels.append((title: objective.rawValue.uppercased(), points: samples.values))
        print(String(format: "8 Gaussians, %@: test log-likelihood %.3f nats, %d of 8 modes covered, %.1f%% of samples near a mode",
                     objective.rawValue.uppercased(), logLikelihood, covered, 100 * share))
    }
    try drawToyDensities(densityPanels, folder: folder)
    try drawToySamples(samplePanels, data: data, extent: extent, folder: folder)
    return results
}

/// The chapter's random streams besides the trainers'.
extension RandomStream {
    /// The 8-Gaussian points of the 2-D demonstration (with the seed + 505).
    static let toyData = RandomStream(1)
    /// The 64 samples of each objective's sample grid (Figure 1).
    static let sampleGrid = RandomStream(55)
    /// The samples drawn over each 2-D density.
    static let toySamples = RandomStream(57)
    /// Latents and dequantisation noise of the hybrid's gradient measurements.
    static let gradientProbe = RandomStream(58)
}
