import Foundation
import TensorCore
import Datasets
import GAN
import Training
import Checkpoints
import Course

/// `--hidden`, `--depth` and `--critic-width` size the MNIST models, `--recipe` chooses the
/// paper's MNIST sizes; `--features` and `--blocks` size the CIFAR-10 Real NVP.
func mnistSizesNotWithCIFAR(_ settings: Settings) -> String? {
    settings.dataset == .cifar10 ? mnistOnly : nil
}

func recipeNotWithCIFAR(_ settings: Settings) -> String? {
    settings.dataset == .cifar10 && settings.configuration == "recipe" ? mnistOnly : nil
}

func cifarSizesOnlyWithCIFAR(_ settings: Settings) -> String? {
    settings.dataset == .cifar10 ? nil : "--features and --blocks size the CIFAR-10 Real NVP: pass them with --dataset cifar10"
}

let mnistOnly = "--recipe, --hidden, --depth and --critic-width size the MNIST models; CIFAR-10 takes --features and --blocks"

extension Settings {
    /// The size in the training checkpoint's description.
    var niceSize: String { "nice-\(hidden)x\(depth)-critic\(criticWidth)" }
}

/// One line on what the run trains.
func announce(_ settings: Settings, data: DatasetName, objectives: [Objective], iterations: Int, cifar: CIFARSetup?) {
    print("Chapter 05 on \(data.displayName): \(objectives.map(\.rawValue).joined(separator: ", ")), \(iterations) iterations each, "
          + "lambda \(settings.lambda), \(settings.nCritic) critic steps")
    if let cifar {
        cifar.announce(iterations: iterations, objectives: objectives, criticSteps: settings.nCritic)
    } else {
        print("Networks: coupling networks \(settings.hidden) wide with \(settings.depth + 1) hidden layers, critic dense layer "
              + "\(settings.criticWidth) units" + (settings.configuration == "classroom" ? " (the classroom default; --recipe for the paper's sizes)"
                                                   : " (the paper's recipe)"))
    }
}

/// Where one objective's training state is saved at every evaluation, the description
/// that ties it to its model, objective, sizes and seed, and the run's length (a
/// checkpoint past it is refused; λ and the critic steps are checked by the trainer).
struct TrainingCheckpoint {
    let path: String
    let description: String
    let label: String
    let iterations: Int

    init(folder: String, objective: Objective, data: DatasetName, size: String, seed: UInt64, iterations: Int) {
        path = (folder as NSString).appendingPathComponent("ch05-\(objective.rawValue)-training.safetensors")
        description = "ch05-\(data.rawValue)-\(objective.rawValue)-\(size)-seed\(seed)"
        label = objective.rawValue
        self.iterations = iterations
    }

    /// With `resume`, continues from the saved state if there is one; else records the
    /// tracked NLL before training (`initialNLL`) as iteration 0.
    func resumeOrStart(_ trainer: AdversarialTrainer, resume: Bool, initialNLL: () -> Double) throws {
        if resume && FileManager.default.fileExists(atPath: path) {
            try trainer.loadCheckpoint(from: path, description: description, maximumIterations: iterations)
            print("\(label.uppercased()): resumed from \(path) at iteration \(trainer.generatorTrainer.iteration)")
            return
        }
        if resume { note("\(path) not found: \(label) starts from the beginning") }
        trainer.generatorTrainer.record(TrainingRecord(iteration: 0, seconds: 0, trainLoss: .nan, validationNLL: initialNLL()))
    }
}

extension ObjectiveResults {
    init(_ history: [TrainingRecord], test: (mean: Double, standardError: Double), dimension: Int, iterations: Int, seconds: Double) {
        self.init(testNllNats: test.mean, testNllStandardError: test.standardError,
                  testBitsPerDim: bitsPerDimension(nllNats: test.mean, dimension: dimension),
                  initialTrackedNllNats: history.first?.validationNLL ?? .nan, iterations: iterations, seconds: seconds,
                  finalWassersteinEstimate: history.last?.extra["wasserstein"] ?? .nan,
                  history: history.map { .init(iteration: $0.iteration, testNllTracked: $0.validationNLL,
                                               wasserstein: $0.extra["wasserstein"] ?? .nan,
                                               gradientNormNll: $0.extra["gradient_norm_nll"],
                                               gradientNormAdversarial: $0.extra["gradient_norm_adversarial"],
                                               gradientCosine: $0.extra["gradient_cosine"]) })
    }
}

/// The hybrid's two gradients, ∇ NLL and ∇ (g_loss / λ), measured by
/// `AdversarialTrainer.hybridGradientNorms` on the first 4 batches of 100 training images
/// (the same at every evaluation, latents and noise from a stream of their own): the mean
/// of each norm and of the cosine between them, as history entries.
func gradientNorms(_ trainer: AdversarialTrainer, images: LabelledImages, seed: UInt64) throws -> [String: Double] {
    var generator = RandomGenerator(seed: seed, stream: .gradientProbe)
    var sums = (nll: 0.0, adversarial: 0.0, cosine: 0.0)
    let batches = 4
    for b in 0..<batches {
        let norms = try trainer.hybridGradientNorms(real: images.slice((b * 100)..<((b + 1) * 100)).images, generator: &generator)
        sums = (sums.nll + norms.nll, sums.adversarial + norms.adversarial, sums.cosine + norms.cosine)
    }
    let n = Double(batches)
    return ["gradient_norm_nll": sums.nll / n, "gradient_norm_adversarial": sums.adversarial / n, "gradient_cosine": sums.cosine / n]
}

extension Results: OneEntryPerObjective {}
