import Foundation
import TensorCore
import Datasets
import Flows
import Checkpoints
import GAN
import Training
import Evaluation
import Course

/// The largest BDMC gap (nats per image) at which an AIS estimate enters a ranking.
let convergedAISGap = 10.0

/// Best first, by each method's NLL (lower is a better likelihood). AIS ranks only the
/// models whose BDMC gap is under `convergedAISGap`; "ais_not_converged" names the others.
func rankings(_ table: [(Objective, ModelEvaluation)]) -> [String: [String]] {
    func order(_ rows: [(Objective, ModelEvaluation)], _ key: (ModelEvaluation) -> Double) -> [String] {
        rows.sorted { key($0.1) < key($1.1) }.map { $0.0.rawValue }
    }
    // A NaN gap (a diverging chain) counts as not converged.
    let isConverged: ((Objective, ModelEvaluation)) -> Bool = { $0.1.aisCheck.meanGap < convergedAISGap }
    return ["exact": order(table, \.exactNLL.mean), "ais": order(table.filter(isConverged), \.ais.meanNLL),
            "kde": order(table, \.kdeNLL.mean), "ais_not_converged": table.filter { !isConverged($0) }.map { $0.0.rawValue }]
}

extension Results: OneEntryPerObjective {}

/// The classifier behind the scores, trained here once and cached in `folder`: for MNIST-like
/// digits a small network, for CIFAR-10's colour images a small CNN of its own (far from
/// Inception-v3's accuracy).
func trainOrLoadClassifier(data: DatasetSplits, settings: Settings, folder: String, quick: Bool,
                           seed: UInt64) throws -> (any ImageClassifier, Double) {
    let path = (folder as NSString).appendingPathComponent(classifierCacheFileName(data.name, quick: quick))
    if data.name == .cifar10 {
        let (classifier, accuracy, _) = try CIFARClassifier.trainOrLoad(data: data, cachePath: path, epochs: settings.classifierEpochs,
                                                                         seed: seed, trainingImages: settings.classifierImages)
        return (classifier, accuracy)
    }
    let (classifier, accuracy, _) = try DigitClassifier.trainOrLoad(data: data, cachePath: path, epochs: settings.classifierEpochs,
                                                                    seed: seed, trainingImages: settings.classifierImages)
    return (classifier, accuracy)
}

/// Chapter 05's model of `objective`, checked against what its metadata records; with
/// --quick, a few iterations' stand-in when chapter 05 has not been run.
func loadOrTrainModel(_ objective: Objective, data: DatasetSplits, folder: String, quick: Bool, seed: UInt64) throws -> NormalizingFlow {
    let isCIFAR = data.name == .cifar10
    var generator = RandomGenerator(seed: seed)
    let path = (folder as NSString).appendingPathComponent("ch05-\(objective.rawValue).safetensors")
    let flow: NormalizingFlow
    if FileManager.default.fileExists(atPath: path) {
        // The checkpoint's metadata names its architecture (none: the MNIST NICE).
        let (loaded, _, entries) = try loadFlow(from: path, generator: &generator)
        let metadata = try ModelMetadata(entries, source: path)
        try check(metadata, of: path, objective: objective, data: data, quick: quick)
        flow = loaded
        print("\(objective.rawValue.uppercased()): loaded \(path): \(metadata.architecture), \(metadata.configuration ?? "?") settings, "
              + "\(metadata.iterations.map { String($0) } ?? "?") iterations, lambda \(metadata.lambda.map { String($0) } ?? "?"), "
              + "seed \(metadata.seed.map { String($0) } ?? "?")")
    } else if quick {
        note("\(path) not found: training a 3-iteration \(objective.rawValue) stand-in (run chapter05-hybrid for the real models)")
        // MNIST: the paper's NICE; CIFAR-10: chapter 05's quick Real NVP and narrow critic.
        flow = isCIFAR ? FlowArchitecture.realNVP(features: 8, blocks: 1).build(generator: &generator)
                       : FlowModels.nice(generator: &generator)
        let critic = isCIFAR ? Critics.cifar10(generator: &generator, width: 8) : Critics.mnist(generator: &generator)
        let flowTrainer = FlowTrainer(model: flow, learningRate: 1e-4, beta1: 0.5, beta2: 0.9, batchSize: isCIFAR ? 64 : 100, seed: seed)
        let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic,
                                         objective: objective, lambda: isCIFAR ? 1 : 0.1, criticSteps: 5, seed: seed)
        for _ in 0..<3 {
            _ = try trainer.iteration(real: data.train.gather(flowTrainer.batchIndices(trainCount: data.train.count)).images)
        }
    } else {
        throw ChapterError("\(path) not found: run 'swift run chapter05-hybrid\(isCIFAR ? " --dataset cifar10" : "")' first (or this chapter with --quick)")
    }
    flow.isTraining = false
    return flow
}

/// Only a model whose recorded settings say what it is gets scored: the file name alone
/// could be any model (chapter 03's, or ADV's renamed).
func check(_ metadata: ModelMetadata, of path: String, objective: Objective, data: DatasetSplits, quick: Bool) throws {
    if let trainedOn = metadata.dataset, trainedOn != data.name.rawValue {
        throw ChapterError("\(path) was trained on \(trainedOn), but this run evaluates on \(data.name.rawValue); pass --dataset \(trainedOn)")
    }
    let architecture = metadata.architecture
    guard architecture.kind == (data.name == .cifar10 ? .realnvp : .nice), architecture.sampleShape == data.test.imageShape else {
        throw ChapterError("\(path) holds a \(architecture) model, which does not fit \(data.name.displayName)'s "
                           + "\(data.test.imageShape) images; rerun chapter05-hybrid --dataset \(data.name.rawValue)")
    }
    guard let recorded = metadata.objective, metadata.chapter == "05" else {
        throw ChapterError("\(path) does not record that chapter 05 trained it for an objective: rerun chapter05-hybrid")
    }
    guard recorded == objective.rawValue else {
        throw ChapterError("\(path) holds a model trained with objective \(recorded), not \(objective.rawValue) (its metadata says so)")
    }
    if metadata.quick == true && !quick {
        throw ChapterError("\(path) comes from a --quick run of chapter 05 (\(metadata.iterations.map { String($0) } ?? "?") iterations): "
                           + "rerun chapter05-hybrid without --quick, or pass --quick here")
    }
}
