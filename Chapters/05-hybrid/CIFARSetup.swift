import Foundation
import TensorCore
import Datasets
import Flows
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

    /// The default length per objective of a non-quick run, and the seconds one iteration
    /// of the recipe-size model took in a release build on the project's 2-core machine
    /// while other jobs shared it (load about 6): MLE 53 s, hybrid (5 critic steps, each
    /// sampling a fake batch, and a generator step) about 280 s; ADV is the hybrid
    /// iteration less the likelihood's pass. An idle machine is several times faster.
    static let defaultIterations = 3
    static let measuredSeconds: [Objective: Double] = [.mle: 53, .adv: 230, .hybrid: 280]
    /// Test images tracked during training and measured at the end (the forward pass alone
    /// costs about a third of an MLE iteration per 64 images).
    static let trackedImages = 100, testImages = 500

    var architecture: FlowArchitecture { .realNVP(features: features, blocks: blocks) }

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
    func settings(_ objectives: [Objective], lambda: Float, criticSteps: Int, seed: UInt64, quick: Bool) -> [String: Any] {
        var perObjective: [String: Any] = [:]
        for objective in objectives {
            let s = optimiser(objective)
            // Through the shortest decimal of each Float, so 1e-3 is recorded as 0.001.
            perObjective[objective.rawValue] = ["learning_rate": Double("\(s.learningRate)")!, "beta1": Double("\(s.beta1)")!,
                                                "learning_rate_decay_per_step": Double("\(s.decay)")!]
        }
        return ["lambda": Double(lambda), "n_critic": criticSteps, "batch_size": batchSize, "beta2": 0.9,
                "critic_learning_rate": 1e-4, "critic_beta1": 0.5, "generator": perObjective,
                "architecture": "realnvp", "features": features, "blocks": blocks, "critic_width": criticWidth,
                "seed": seed, "quick": quick]
    }
}
