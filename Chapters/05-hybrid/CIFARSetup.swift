import Foundation
import TensorCore
import Datasets
import Flows
import Checkpoints
import GAN
import Training
import Course

/// The recipe's CIFAR-10 setup (book.md, appendix "The paper's recipe": its generators, critics and objectives):
/// the Real NVP generator against the CIFAR critic, batch 64, and per objective
///
///   MLE:    Adam lr 1e-3, β1 0.9, learning rate × 0.999995 per step,
///   ADV:    Adam lr 1e-4, β1 0.5,
///   hybrid: Adam lr 1e-3, β1 0.5, learning rate × 0.99999 per step,
///
/// β2 = 0.9 throughout. The recipe gives no β1 for the hybrid objective; it takes the
/// adversarial one, as it trains against a critic. The critic always uses the ADV
/// settings (lr 1e-4, β1 0.5).
struct CIFARSetup {
    /// The s/t networks' width and depth (64 and 8 in the recipe).
    let features: Int
    let blocks: Int
    /// The critic's first width (64 in the recipe, doubling over its four convolutions).
    let criticWidth: Int
    let batchSize = 64

    init(_ settings: Settings) {
        features = settings.features
        blocks = settings.blocks
        criticWidth = settings.cifarCriticWidth
    }

    /// The seconds one iteration of the recipe-size model took in a release build on the project's 2-core machine
    /// while other jobs shared it (load about 6): MLE 53 s, hybrid (5 critic steps, each
    /// sampling a fake batch, and a generator step) about 280 s; ADV is the hybrid
    /// iteration less the likelihood's pass. An idle machine is several times faster.
    static let measuredSeconds: [Objective: Double] = [.mle: 53, .adv: 230, .hybrid: 280]

    var architecture: FlowArchitecture { .realNVP(features: features, blocks: blocks) }
    /// The size in the training checkpoint's description.
    var size: String { "realnvp-\(features)x\(blocks)" }

    /// The generator's optimiser settings of one objective.
    func optimiser(_ objective: Objective) -> (learningRate: Float, beta1: Float, decay: Float) {
        switch objective {
        case .mle: return (1e-3, 0.9, 0.999995)
        case .adv: return (1e-4, 0.5, 1)
        case .hybrid: return (1e-3, 0.5, 0.99999)
        }
    }

    /// A run cannot train on an empty training split (fewer than 500 images in every class
    /// all go to validation, e.g. a small synthetic folder).
    func check(_ data: DatasetSplits) throws {
        guard data.train.count >= batchSize else {
            throw ChapterError("the CIFAR-10 training split has \(data.train.count) images (the first 500 of each class are "
                               + "validation); \(batchSize) are needed for one batch")
        }
    }

    /// One line on what the run does and how long the recipe-size model takes.
    func announce(iterations: Int, objectives: [Objective], criticSteps: Int) {
        var throwaway = RandomGenerator(seed: 0)
        let parameters = architecture.build(generator: &throwaway).parameterCount
        print("CIFAR-10 generator: \(architecture), \(parameters) parameters; critic width \(criticWidth); batch \(batchSize)")
        if features == 64 && blocks == 8 && criticWidth == 64 {
            let minutes = objectives.map { Double(iterations) * Self.measuredSeconds[$0]! }.reduce(0, +) / 60
            print(String(format: "This is the recipe's model: on a shared 2-core machine one iteration took 53 s (MLE) to about "
                         + "280 s (hybrid), so %d iterations of %@ take up to about %.0f minutes plus evaluation "
                         + "(less on an idle machine); --iterations N sets the length.",
                         iterations, objectives.map(\.rawValue).joined(separator: ", "), minutes))
        }
    }

    /// Generator, critic and trainers of one objective, from `seed`.
    func makeTrainer(_ objective: Objective, lambda: Float, criticSteps: Int, seed: UInt64) -> AdversarialTrainer {
        var generator = RandomGenerator(seed: seed)
        let flow = architecture.build(generator: &generator)
        let settings = optimiser(objective)
        let flowTrainer = FlowTrainer(model: flow, learningRate: settings.learningRate, beta1: settings.beta1, beta2: 0.9,
                                      decay: settings.decay, batchSize: batchSize, seed: seed)
        return AdversarialTrainer(generatorTrainer: flowTrainer, critic: Critics.cifar10(generator: &generator, width: criticWidth),
                                  objective: objective, lambda: lambda, criticSteps: criticSteps,
                                  criticLearningRate: 1e-4, seed: seed)
    }

    /// The settings as the results file records them.
    func recorded(_ objectives: [Objective], lambda: Float, criticSteps: Int, seed: UInt64, quick: Bool) -> TrainingSettings {
        var perObjective: [String: TrainingSettings.Optimiser] = [:]
        for objective in objectives {
            let s = optimiser(objective)
            // Through the shortest decimal of each Float, so 1e-3 is recorded as 0.001.
            perObjective[objective.rawValue] = .init(learningRate: Double("\(s.learningRate)")!, beta1: Double("\(s.beta1)")!,
                                                     learningRateDecayPerStep: Double("\(s.decay)")!)
        }
        return TrainingSettings(lambda: Double(lambda), nCritic: criticSteps, batchSize: batchSize, seed: seed, quick: quick,
                                criticWidth: criticWidth, criticLearningRate: 1e-4, criticBeta1: 0.5, generator: perObjective,
                                architecture: "realnvp", features: features, blocks: blocks)
    }
}

/// The training settings as ch05-results.json records them: MNIST's (NICE, one optimiser
/// setting) or CIFAR-10's (Real NVP, an optimiser setting per objective).
struct TrainingSettings: Codable {
    var lambda: Double
    var nCritic, batchSize: Int
    var beta2 = 0.9
    var seed: UInt64
    var quick: Bool
    var criticWidth: Int
    // MNIST
    var learningRate, beta1: Double?
    var configuration: String?
    var couplingHidden, couplingDepth: Int?
    // CIFAR-10
    var criticLearningRate, criticBeta1: Double?
    var generator: [String: Optimiser]?
    var architecture: String?
    var features, blocks: Int?

    struct Optimiser: Codable { var learningRate, beta1, learningRateDecayPerStep: Double }

    init(lambda: Double, nCritic: Int, batchSize: Int, seed: UInt64, quick: Bool, criticWidth: Int,
         criticLearningRate: Double, criticBeta1: Double, generator: [String: Optimiser], architecture: String, features: Int, blocks: Int) {
        self.lambda = lambda; self.nCritic = nCritic; self.batchSize = batchSize; self.seed = seed; self.quick = quick
        self.criticWidth = criticWidth; self.criticLearningRate = criticLearningRate; self.criticBeta1 = criticBeta1
        self.generator = generator; self.architecture = architecture; self.features = features; self.blocks = blocks
    }

    /// The MNIST run's: the recipe's optimiser and the preset's (or command line's) sizes.
    init(mnist settings: Settings, seed: UInt64) {
        lambda = Double(settings.lambda); nCritic = settings.nCritic; batchSize = 100; self.seed = seed
        quick = settings.configuration == "quick"; criticWidth = settings.criticWidth
        learningRate = 1e-4; beta1 = 0.5; configuration = settings.configuration
        couplingHidden = settings.hidden; couplingDepth = settings.depth
    }
}
