import Foundation
import TensorCore
import Autodiff
import NeuralLayers
import Checkpoints
import Datasets
import Reporting

/// A classifier of 10 classes behind the MODE and Inception-style scores: a network
/// from images to logits, trained and cached by `trainOrLoad` (the extension below).
/// `DigitClassifier` serves the 28×28 grey data sets, `CIFARClassifier` CIFAR-10.
public protocol ImageClassifier: Module {
    /// The shape [C, H, W] of one image the network is built for.
    static var imageShape: [Int] { get }
    /// The metadata value naming the network in a cache file; a change of architecture
    /// changes it, which invalidates older caches.
    static var kind: String { get }
    /// A freshly initialised network.
    init(generator: inout RandomGenerator)
    /// The unnormalised log-probabilities [N, 10] of images [N, C, H, W].
    func logits(_ images: Variable) -> Variable
    /// Fits whatever the network takes from its training images before training (the
    /// pixel statistics it standardises with); nothing by default.
    func prepare(trainingImages: Tensor)
    /// A training batch with random label-preserving changes (shifts, flips).
    static func augmented(_ images: Tensor, generator: inout RandomGenerator) -> Tensor
}

extension ImageClassifier {
    public func prepare(trainingImages: Tensor) {}
}

/// The MNIST classifier behind the MODE and Inception-style scores. The authors of
/// Flow-GAN never released theirs, so the course trains its own: a small convolutional
/// network with strided convolutions in place of pooling,
///
///   [N, 1, 28, 28] → standardise → conv 5×5/2 (32) → ReLU → [N, 32, 14, 14]
///                  → conv 5×5/2 (64) → ReLU → [N, 64, 7, 7] → flatten [N, 3136]
///                  → linear 128 → ReLU → linear 10 → logits [N, 10],
///
/// with He-initialised weights, trained by Adam on the cross-entropy of the softmax of
/// the logits, on training images shifted by up to one pixel.
public final class DigitClassifier: ImageClassifier {
    /// The convolutional feature extractor, images to [N, 64, 7, 7].
    public let features: Sequential
    /// The fully connected head, flattened features to logits.
    public let head: Sequential

    /// The image shape the network is built for.
    public static let imageShape = [1, 28, 28]
    public static let classCount = 10
    /// The mean and standard deviation of MNIST's training pixels.
    static let pixelMean: Float = 0.1307, pixelDeviation: Float = 0.3081

    public required init(generator: inout RandomGenerator) {
        // He initialisation, std sqrt(2 / fan-in), keeps the activations' scale through the ReLUs.
        func he(_ fanIn: Int) -> WeightInitialization { .truncatedNormal(std: (2 / Float(fanIn)).squareRoot()) }
        features = Sequential([
            Conv2d(1, 32, kernelSize: 5, stride: 2, padding: 2, initialization: he(25), generator: &generator),
            ReLU(),
            Conv2d(32, 64, kernelSize: 5, stride: 2, padding: 2, initialization: he(800), generator: &generator),
            ReLU(),
        ])
        head = Sequential([
            Linear(64 * 7 * 7, 128, initialization: he(3136), generator: &generator),
            ReLU(),
            Linear(128, DigitClassifier.classCount, generator: &generator),
        ])
    }

    public var children: [(name: String, module: any Module)] { [("features", features), ("head", head)] }

    /// The unnormalised log-probabilities [N, 10] of images [N, 1, 28, 28] (or [N, 784]).
    public func logits(_ images: Variable) -> Variable {
        let n = images.shape[0]
        precondition(images.value.count == n * 784, "DigitClassifier takes 28×28 images, got shape \(images.shape)")
        let x = images.shape.count == 4 ? images : images.reshaped([n] + DigitClassifier.imageShape)
        // Standardised pixels, (x - 0.1307) / 0.3081 with MNIST's pixel mean and deviation.
        let standardised = (x - DigitClassifier.pixelMean) * (1 / DigitClassifier.pixelDeviation)
        return head(features(standardised).reshaped([n, -1]))
    }

    /// Each image shifted by up to one pixel (`randomlyShifted`).
    public static func augmented(_ images: Tensor, generator: inout RandomGenerator) -> Tensor {
        randomlyShifted(images, maximumShift: 1, generator: &generator)
    }

    static func softmax(_ logits: [Float]) -> [Double] {
        let top = Double(logits.max() ?? 0)
        let e = logits.map { Foundation.exp(Double($0) - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }
}

// MARK: - Probabilities and accuracy, for any classifier

extension ImageClassifier {
    /// The class probabilities p(y|x) [N, 10], computed without recording in batches of
    /// `batchSize` images. The softmax is taken in Double: p_k = exp(l_k - max l) / Σ_j exp(l_j - max l).
    public func probabilities(_ images: Tensor, batchSize: Int = 500) -> Tensor {
        let n = images.shape[0]
        var out = Tensor(uninitializedShape: [n, DigitClassifier.classCount])
        let dst = out.unsafeWritePointer()
        forEachBatch(images, batchSize: batchSize) { range, logits in
            logits.withUnsafeBufferPointer { l in
                for row in 0..<range.count {
                    let p = DigitClassifier.softmax(Array(l[(row * 10)..<(row * 10 + 10)]))
                    for k in 0..<10 { dst[(range.lowerBound + row) * 10 + k] = Float(p[k]) }
                }
            }
        }
        return out
    }

    /// The fraction of `data` whose most probable class is its label.
    public func accuracy(_ data: LabelledImages) -> Double {
        var correct = 0
        forEachBatch(data.images, batchSize: 500) { range, logits in
            let predicted = DigitClassifier.argmaxRows(logits)
            correct += zip(predicted, data.labels[range]).filter { $0 == $1 }.count
        }
        return Double(correct) / Double(max(data.count, 1))
    }

    /// Runs the network without recording on consecutive batches of `images`.
    func forEachBatch(_ images: Tensor, batchSize: Int, _ body: (Range<Int>, Tensor) -> Void) {
        let n = images.shape[0]
        GradientRecording.withoutRecording {
            var start = 0
            while start < n {
                let range = start..<min(n, start + batchSize)
                body(range, logits(Variable(images.slice(range, alongAxis: 0))).value)
                start = range.upperBound
            }
        }
    }
}

// MARK: - The loss

extension DigitClassifier {
    /// log softmax(l)_k = l_k - m - log Σ_j exp(l_j - m), per row of [N, K] logits, with
    /// m = max_j l_j. Subtracting the row maximum keeps every exponent ≤ 0, so nothing
    /// overflows and the sum is at least 1; m is a constant (the expression is exactly
    /// invariant to it), so no gradient flows through the maximum.
    public static func logSoftmax(_ logits: Variable) -> Variable {
        let (n, k) = (logits.shape[0], logits.shape[1])
        var rowMaxima = Tensor(uninitializedShape: [n, 1])
        let maxima = rowMaxima.unsafeWritePointer()
        logits.value.withUnsafeBufferPointer { l in
            for row in 0..<n { maxima[row] = l[(row * k)..<(row * k + k)].max() ?? 0 }
        }
        let shifted = logits - Variable(rowMaxima)
        return shifted - shifted.exp().sum(alongAxes: [1], keepingDimensions: true).log()
    }

    /// The mean cross-entropy -(1/N) Σ_n log softmax(l_n)_{y_n}, picking each row's label
    /// by multiplying with a constant one-hot mask. Its gradient with respect to the
    /// logits is (softmax(l) - onehot(y)) / N.
    public static func crossEntropy(logits: Variable, labels: [Int]) -> Variable {
        let (n, k) = (logits.shape[0], logits.shape[1])
        precondition(labels.count == n && labels.allSatisfy { (0..<k).contains($0) },
                     "crossEntropy: \(labels.count) labels in 0..<\(k) for logits \(logits.shape)")
        var oneHot = Tensor(zeros: [n, k])
        oneHot.withUnsafeMutableBufferPointer { mask in
            for (row, label) in labels.enumerated() { mask[row * k + label] = 1 }
        }
        return -((logSoftmax(logits) * Variable(oneHot)).sum() * (1 / Float(n)))
    }
}

// MARK: - Training and the cache

extension DigitClassifier {
    /// The metadata key naming what a cache file holds, and its value; a change of
    /// architecture changes the value, which invalidates older caches.
    public static let kind = "digit-classifier-v5"
}

extension ImageClassifier {

    /// The classifier of `data` from the checkpoint at `cachePath`, or a newly trained
    /// one (saved there) when the file is missing, unreadable, of another model, or of
    /// another data set.
    ///
    /// Training: Adam (lr 1e-3, annealed to 0 along a half cosine) on minibatches of 100
    /// training images, shuffled anew each epoch and shifted by up to 1 pixel, from `seed`.
    /// The checkpoint's metadata records the data set, the epochs and the validation and
    /// test accuracies; the returned test accuracy is measured afresh.
    /// `trainingImages` limits training to the first images of the training set (smoke runs).
    public static func trainOrLoad(data: DatasetSplits, cachePath: String, epochs: Int = 3, seed: UInt64 = 0,
                                   trainingImages: Int? = nil, log: (String) -> Void = note) throws
        -> (classifier: Self, testAccuracy: Double, trained: Bool) {
        precondition(data.train.imageShape == imageShape, "\(Self.self) needs images of shape \(imageShape), got \(data.train.imageShape)")
        var generator = RandomGenerator(seed: seed)
        let classifier = Self(generator: &generator)
        if FileManager.default.fileExists(atPath: cachePath) {
            do {
                let metadata = try loadModel(classifier, from: cachePath)
                if metadata["model"] == kind && metadata["dataset"] == data.name.rawValue {
                    let accuracy = classifier.accuracy(data.test)
                    log(String(format: "classifier: loaded %@ (test accuracy %.2f%%)", cachePath, 100 * accuracy))
                    return (classifier, accuracy, false)
                }
                log("classifier: \(cachePath) holds \(metadata["model"] ?? "an unknown model") for "
                    + "\(metadata["dataset"] ?? "an unknown data set"), not \(kind) for \(data.name.rawValue); retraining")
            } catch {
                log("classifier: cannot use \(cachePath) (\(error)); retraining")
            }
            // A failed load may have overwritten some parameters: start again from the seed.
            generator = RandomGenerator(seed: seed)
            let fresh = Self(generator: &generator)
            for (target, source) in zip(classifier.parameters, fresh.parameters) { target.value = source.value }
        }
        let started = Date()
        let training = trainingImages.map { data.train.slice(0..<min($0, data.train.count)) } ?? data.train
        classifier.prepare(trainingImages: training.images)
        classifier.train(on: training, epochs: epochs, generator: &generator)
        let seconds = Date().timeIntervalSince(started)
        let validationAccuracy = classifier.accuracy(data.validation)
        let testAccuracy = classifier.accuracy(data.test)
        log(String(format: "classifier: trained %d epochs in %.0f s; validation accuracy %.2f%%, test accuracy %.2f%%",
                   epochs, seconds, 100 * validationAccuracy, 100 * testAccuracy))
        // The cache saves the next run a few minutes; a folder it cannot be written into
        // (read-only models handed to chapter 06) costs only that.
        do {
            let folder = (cachePath as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try saveModel(classifier, metadata: [
                "model": kind, "dataset": data.name.rawValue, "epochs": "\(epochs)", "seed": "\(seed)",
                "training_seconds": String(format: "%.1f", seconds),
                "validation_accuracy": "\(validationAccuracy)", "test_accuracy": "\(testAccuracy)",
            ], to: cachePath)
        } catch {
            log("classifier: not cached (\(error)); the next run trains it again")
        }
        return (classifier, testAccuracy, true)
    }

    /// `epochs` passes of Adam over `data` in shuffled minibatches of `batchSize`, the
    /// learning rate annealed from `learningRate` towards 0 along a half cosine,
    /// lr_t = lr · (1 + cos(π t / T)) / 2 for step t of T: the last, small steps settle
    /// the weights and are worth a few tenths of a percent of test accuracy.
    func train(on data: LabelledImages, epochs: Int, batchSize: Int = 100, learningRate: Float = 1e-3,
               generator: inout RandomGenerator) {
        let optimiser = Adam(parameters: parameters, learningRate: learningRate)
        let stepsPerEpoch = data.count / batchSize
        let totalSteps = max(1, epochs * stepsPerEpoch)
        let progress = ProgressLine("classifier", total: epochs * stepsPerEpoch)
        var recentLoss = 0.0, recentCorrect = 0, recentCount = 0
        for epoch in 0..<epochs {
            let order = generator.permutation(data.count)
            for step in 0..<stepsPerEpoch {
                let batch = data.gather(Array(order[(step * batchSize)..<((step + 1) * batchSize)]))
                let images = Self.augmented(batch.images, generator: &generator)
                let progressFraction = Double(epoch * stepsPerEpoch + step) / Double(totalSteps)
                optimiser.learningRate = learningRate * Float((1 + cos(Double.pi * progressFraction)) / 2)
                let logits = logits(Variable(images))
                let loss = DigitClassifier.crossEntropy(logits: logits, labels: batch.labels)
                optimiser.update(gradients(of: loss, withRespectTo: parameters))

                recentLoss += Double(loss.value.scalar) * Double(batchSize)
                recentCorrect += zip(DigitClassifier.argmaxRows(logits.value), batch.labels).filter { $0 == $1 }.count
                recentCount += batchSize
                progress.update(epoch * stepsPerEpoch + step + 1,
                                metric: String(format: "loss %.4f  accuracy %.2f%%", recentLoss / Double(recentCount),
                                               100 * Double(recentCorrect) / Double(recentCount)))
                if recentCount >= 10_000 { recentLoss = 0; recentCorrect = 0; recentCount = 0 }
            }
        }
    }

}

extension DigitClassifier {
    /// Each image moved by its own random whole-pixel offset (dy, dx) ∈ [-m, m]², the
    /// uncovered border filled with 0 (background): a digit a few pixels off centre is the
    /// same digit, and training on such copies narrows the gap between training and test accuracy.
    static func randomlyShifted(_ images: Tensor, maximumShift m: Int, generator: inout RandomGenerator) -> Tensor {
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        var out = Tensor(zeros: images.shape)
        let src = images.unsafeReadPointer, dst = out.unsafeWritePointer()
        for image in 0..<n {
            let dy = generator.nextInt(below: 2 * m + 1) - m, dx = generator.nextInt(below: 2 * m + 1) - m
            for plane in (image * c)..<((image + 1) * c) {
                let base = plane * h * w
                for y in max(0, dy)..<min(h, h + dy) {
                    for x in max(0, dx)..<min(w, w + dx) { dst[base + y * w + x] = src[base + (y - dy) * w + (x - dx)] }
                }
            }
        }
        return out
    }

    static func argmaxRows(_ logits: Tensor) -> [Int] {
        let k = logits.shape[1]
        return logits.withUnsafeBufferPointer { l in
            (0..<logits.shape[0]).map { row in
                let scores = l[(row * k)..<(row * k + k)]
                return scores.indices.max { scores[$0] < scores[$1] }! - row * k
            }
        }
    }
}

/// The file chapter 06 caches its classifier in, inside its checkpoint folder
/// ("ch06-classifier-mnist.safetensors"; a smoke run's rough one apart, "-quick"). Chapter
/// 03 reads the same file, so both chapters score samples with one network.
public func classifierCacheFileName(_ dataset: DatasetName, quick: Bool = false) -> String {
    "ch06-classifier-\(dataset.rawValue)\(quick ? "-quick" : "").safetensors"
}
