import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Checkpoints
import GAN
import NeuralLayers
import Training
import Figures
import Course

/// How the critic is kept Lipschitz.
enum CriticVariant: String {
    case gradientPenalty = "gp"
    case weightClipping = "clip"

    var title: String { self == .gradientPenalty ? "gradient penalty" : "weight clipping" }
}

/// Trains a 2-D affine flow adversarially on `density` and returns the modes covered and
/// the share of samples near a mode, also counted 20 times along the way; draws the
/// penalised critic at four moments and the samples at the end.
func trainToy(_ density: ToyDensity, variant: CriticVariant, iterations: Int, penaltyWeight: Float,
              settings: Settings, seed: UInt64, folder: String) throws -> ToyRunResults {
    var generator = RandomGenerator(seed: seed &+ 404, stream: UInt64(density.rawValue.count))
    let data = density.sample(50_000, generator: &generator)
    let flow = FlowModels.toy(additive: false, couplings: settings.toyCouplings, hidden: settings.toyHidden, generator: &generator)
    let flowTrainer = FlowTrainer(model: flow, learningRate: settings.toyLearningRate, beta1: 0.5, beta2: 0.9, batchSize: 256, seed: seed,
                                  dequantizes: false)
    let critic = Critics.toy(generator: &generator)
    let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic, objective: .adv, lambda: 1,
                                     criticSteps: settings.nCritic, criticLearningRate: settings.toyLearningRate,
                                     penaltyWeight: penaltyWeight,
                                     clipping: variant == .weightClipping ? 0.01 : nil, seed: seed)
    var results = ToyRunResults(iterations: iterations, penaltyWeight: Double(penaltyWeight))
    let moments = Set([1, iterations / 10, iterations / 3, iterations].filter { $0 >= 1 })
    // Coverage counted 20 times along the run (and before it), on 5000 samples of one
    // fixed set of latent draws, so the curve shows how fast each variant gets there.
    let countEvery = max(1, iterations / 20)
    func countCoverage() {
        var sampler = RandomGenerator(seed: seed, stream: .coverageLatents)
        let samples = GradientRecording.withoutRecording { flow.sample(5000, generator: &sampler).value }
        let (modes, share) = density.modeCoverage(samples)
        results.coverageHistory.iteration.append(flowTrainer.iteration)
        results.coverageHistory.modesCovered.append(modes)
        results.coverageHistory.shareNearMode.append(share)
    }
    countCoverage()
    let progress = ProgressLine("\(density.rawValue) \(variant.rawValue)", total: iterations)
    var wasserstein: Float = .nan
    while flowTrainer.iteration < iterations {
        // The 50,000 points are independent draws, so consecutive slices are random batches.
        let start = flowTrainer.iteration * 256 % (50_000 - 256)
        wasserstein = try trainer.iteration(real: data.slice(start..<(start + 256), alongAxis: 0)).wassersteinEstimate
        progress.update(flowTrainer.iteration, metric: String(format: "W %.3f", wasserstein))
        if variant == .gradientPenalty && moments.contains(flowTrainer.iteration) {
            var sampler = RandomGenerator(seed: seed, stream: .criticMapSamples)
            let fake = GradientRecording.withoutRecording { flow.sample(500, generator: &sampler).value.values }
            let real = Array(data.values.prefix(1000))
            let gap = criticGap(critic, real: real, fake: fake)
            results.criticGapAt[String(flowTrainer.iteration)] = gap
            try drawCritic(critic, real: real, fake: fake, gap: gap, density: density, iteration: flowTrainer.iteration, folder: folder)
        }
        if flowTrainer.iteration % countEvery == 0 || flowTrainer.iteration == iterations { countCoverage() }
    }
    var sampler = RandomGenerator(seed: seed, stream: .finalToySamples)
    let samples = GradientRecording.withoutRecording { flow.sample(5000, generator: &sampler).value }
    (results.modesCovered, results.shareNearMode) = density.modeCoverage(samples)
    results.modesTotal = density.modes.count
    results.wassersteinEstimate = Double(wasserstein)
    print(String(format: "%@ %@: %d of %d modes covered, %.1f%% of samples within 3 sd of a mode",
                 density.rawValue, variant.rawValue, results.modesCovered, results.modesTotal, 100 * results.shareNearMode))
    try drawToySamples(samples, data: data, name: "ch04-\(density.rawValue)-\(variant.rawValue)-samples",
                       title: "\(density.rawValue), \(variant.title): samples after \(iterations) iterations", folder: folder)
    return results
}

/// The critic's mean score on the data points minus its mean score on the samples
/// (positive: it rates the data higher, as a trained critic should). Points are
/// interleaved (x, y) values.
func criticGap(_ critic: any Layer, real: [Float], fake: [Float]) -> Double {
    let scores = GradientRecording.withoutRecording {
        (critic(Variable(Tensor(shape: [real.count / 2, 2], values: real))).value.mean(),
         critic(Variable(Tensor(shape: [fake.count / 2, 2], values: fake))).value.mean())
    }
    return Double(scores.0) - Double(scores.1)
}

/// The chapter's random streams besides the data's and the trainer's.
extension RandomStream {
    /// The final 5,000 samples of a 2-D run, whose modes are counted.
    static let finalToySamples = RandomStream(5)
    /// The 500 samples drawn on each critic map.
    static let criticMapSamples = RandomStream(6)
    /// The fixed latent draws on which coverage is counted along a 2-D run.
    static let coverageLatents = RandomStream(7)
    /// The 100 MNIST samples of the sample grid and the stripe measurement.
    static let mnistSamples = RandomStream(9)
}
