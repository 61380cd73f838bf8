import Foundation
import Testing
import TestSupport
import TensorCore
import Autodiff
import NeuralLayers
import Checkpoints
import Datasets
import Evaluation

/// The digit classifier's loss against Double computations and finite differences, its
/// probabilities, and (with real MNIST) its checkpoint cache.
@Suite("Digit classifier")
struct ClassifierTests {
    /// Uniform values in [low, high) from SplitMix64(seed), independent of the library's PCG32.
    static func uniformTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        sampleTensor(shape, seed: seed, low: low, high: high)
    }

    /// log softmax of one row in Double: l_k - log Σ_j exp(l_j), with the maximum taken out.
    static func logSoftmax(_ row: [Double]) -> [Double] {
        let top = row.max()!
        let logSum = top + log(row.map { exp($0 - top) }.reduce(0, +))
        return row.map { $0 - logSum }
    }

    static func rows(_ t: Tensor) -> [[Double]] {
        let k = t.shape[1]
        let v = t.values.map(Double.init)
        return (0..<t.shape[0]).map { Array(v[($0 * k)..<($0 * k + k)]) }
    }

    @Test("log-softmax matches a Double computation, also for logits of ±1000")
    func logSoftmaxValues() {
        var logits = Self.uniformTensor([4, 10], seed: 1, low: -5, high: 5)
        logits.withUnsafeMutableBufferPointer { p in
            for k in 0..<10 { p[10 + k] += 1000; p[20 + k] -= 1000 }   // rows 1 and 2 shifted
            p[30] = 80                                                 // row 3 has one dominant logit
        }
        let result = DigitClassifier.logSoftmax(Variable(logits)).value
        for (got, row) in zip(Self.rows(result), Self.rows(logits)) {
            for (g, e) in zip(got, Self.logSoftmax(row)) {
                #expect(g.isFinite && abs(g - e) < 1e-4 * max(1, abs(e)), "\(g) vs \(e)")
            }
        }
    }

    @Test("cross-entropy and its gradient: (softmax - onehot) / N, and central differences")
    func crossEntropyGradient() {
        let logits = Self.uniformTensor([3, 10], seed: 2, low: -3, high: 3)
        let labels = [4, 0, 9]
        let variable = Variable(logits, requiresGradient: true)
        let loss = DigitClassifier.crossEntropy(logits: variable, labels: labels)
        let expectedLoss = -zip(Self.rows(logits), labels).map { Self.logSoftmax($0)[$1] }.reduce(0, +) / 3
        #expect(abs(Double(loss.value.scalar) - expectedLoss) < 1e-5)

        let gradient = gradients(of: loss, withRespectTo: [variable])[0].value.values
        for (n, row) in Self.rows(logits).enumerated() {
            let probabilities = Self.logSoftmax(row).map(exp)
            for k in 0..<10 {
                let closedForm = (probabilities[k] - (k == labels[n] ? 1 : 0)) / 3
                #expect(abs(Double(gradient[n * 10 + k]) - closedForm) < 1e-6)
            }
        }
        // Central differences of the Float loss, step 1e-2 (error O(step²) ≈ 1e-5).
        for index in [0, 4, 10, 17, 29] {
            func lossAt(_ shift: Float) -> Double {
                var moved = logits
                moved.withUnsafeMutableBufferPointer { $0[index] += shift }
                return Double(DigitClassifier.crossEntropy(logits: Variable(moved), labels: labels).value.scalar)
            }
            let numeric = (lossAt(1e-2) - lossAt(-1e-2)) / 2e-2
            #expect(abs(Double(gradient[index]) - numeric) < 2e-4, "logit \(index): \(gradient[index]) vs \(numeric)")
        }
    }

    /// The whole network's loss gradient on random images, two ways. Along the direction
    /// v = ∇L/‖∇L‖ the central difference (L(θ + εv) - L(θ - εv)) / 2ε must equal ‖∇L‖;
    /// and, entry by entry, for the three largest entries of each parameter tensor.
    /// (Dense random directions, or entries with tiny gradients, are poor checks here: with
    /// noise images many ReLU inputs sit near 0, so a step large enough to rise above Float
    /// rounding of the loss crosses enough kinks to spoil the difference.)
    @Test("the network's loss gradient agrees with finite differences")
    func networkGradient() {
        var generator = RandomGenerator(seed: 3)
        let classifier = DigitClassifier(generator: &generator)
        let images = Self.uniformTensor([2, 1, 28, 28], seed: 4, low: 0, high: 1)
        let labels = [7, 2]
        let parameters = classifier.parameters
        #expect(parameters.count == 8)
        func loss() -> Variable { DigitClassifier.crossEntropy(logits: classifier.logits(Variable(images)), labels: labels) }
        let grads = gradients(of: loss(), withRespectTo: parameters).map { $0.value.values }
        var squaredNorm = 0.0
        for g in grads { for gj in g { squaredNorm += Double(gj) * Double(gj) } }
        let norm = squaredNorm.squareRoot()
        #expect(norm > 1e-2)

        let original = parameters.map(\.value)
        /// (L(θ + ε·step) - L(θ - ε·step)) / 2ε, `step(i, j)` for entry j of parameter tensor i
        /// (of tensor `only` alone when given).
        func centralDifference(_ epsilon: Float, only: Int? = nil, _ step: (Int, Int) -> Float) -> Double {
            func lossAt(_ e: Float) -> Double {
                for (i, p) in parameters.enumerated() where only == nil || only == i {
                    p.value = Tensor(shape: original[i].shape,
                                     values: original[i].values.enumerated().map { j, v in v + e * step(i, j) })
                }
                defer { for (i, p) in parameters.enumerated() { p.value = original[i] } }
                return GradientRecording.withoutRecording { Double(loss().value.scalar) }
            }
            return (lossAt(epsilon) - lossAt(-epsilon)) / (2 * Double(epsilon))
        }

        let alongGradient = centralDifference(3e-4) { i, j in Float(Double(grads[i][j]) / norm) }
        #expect(abs(alongGradient - norm) < 0.01 * norm, "along ∇L/‖∇L‖: \(alongGradient) vs ‖∇L‖ = \(norm)")

        for (i, g) in grads.enumerated() {
            for j in g.indices.sorted(by: { abs(g[$0]) > abs(g[$1]) }).prefix(3) {
                let numeric = centralDifference(1e-3, only: i) { _, l in l == j ? 1 : 0 }
                #expect(abs(numeric - Double(g[j])) < 0.05 * abs(Double(g[j])) + 3e-4,
                        "\(classifier.namedParameters[i].name)[\(j)]: \(g[j]) vs \(numeric)")
            }
        }
    }

    @Test("probabilities: rows are the softmax of the logits, sum to 1, and do not depend on the batch size")
    func probabilities() {
        var generator = RandomGenerator(seed: 5)
        let classifier = DigitClassifier(generator: &generator)
        let images = Self.uniformTensor([7, 1, 28, 28], seed: 6, low: 0, high: 1)
        let probabilities = classifier.probabilities(images)
        #expect(probabilities.shape == [7, 10])
        let logits = GradientRecording.withoutRecording { classifier.logits(Variable(images)).value }
        for (p, l) in zip(Self.rows(probabilities), Self.rows(logits)) {
            #expect(abs(p.reduce(0, +) - 1) < 1e-5)
            for (pk, lk) in zip(p, Self.logSoftmax(l)) { #expect(pk >= 0 && abs(pk - exp(lk)) < 1e-6) }
        }
        // Other batch sizes change only the GEMM's rounding.
        for (a, b) in zip(classifier.probabilities(images, batchSize: 3).values, probabilities.values) { #expect(abs(a - b) < 1e-6) }
        // Flat [N, 784] images are accepted too.
        #expect(classifier.probabilities(images.reshaped([7, 784])).values == probabilities.values)
    }

    @Test("accuracy counts the images whose most probable class is the label")
    func accuracy() {
        var generator = RandomGenerator(seed: 7)
        let classifier = DigitClassifier(generator: &generator)
        let images = Self.uniformTensor([8, 1, 28, 28], seed: 8, low: 0, high: 1)
        let predicted = Self.rows(classifier.probabilities(images)).map { row in row.indices.max { row[$0] < row[$1] }! }
        // Right labels for the first five images, wrong ones for the last three.
        let labels = predicted.enumerated().map { $0.offset < 5 ? $0.element : ($0.element + 1) % 10 }
        #expect(classifier.accuracy(LabelledImages(images: images, labels: labels)) == 5.0 / 8)
    }

    @Test("trainOrLoad trains, saves, loads, and retrains over a cache of another data set or a corrupt one",
          .timeLimit(.minutes(1)))
    func cache() throws {
        // A short run (1,000 images, one epoch of 10 steps): this checks the cache, not the accuracy.
        var data = try DatasetSplits.load(.mnist, search: DataSearch(explicitDirectory: repositoryDataFolder))
        data.train = data.train.slice(0..<1000)
        data.validation = data.validation.slice(0..<500)
        data.test = data.test.slice(0..<500)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classifier-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("nested/classifier.safetensors").path
        var messages: [String] = []

        let first = try DigitClassifier.trainOrLoad(data: data, cachePath: path, epochs: 1, seed: 1) { messages.append($0) }
        #expect(first.trained)
        #expect(first.testAccuracy > 0.3, "10 steps of Adam should beat chance (10%) clearly: \(first.testAccuracy)")
        var generator = RandomGenerator(seed: 0)
        let metadata = try loadModel(DigitClassifier(generator: &generator), from: path)
        #expect(metadata["dataset"] == "mnist")
        #expect(metadata["test_accuracy"].flatMap(Double.init) == first.testAccuracy)

        let second = try DigitClassifier.trainOrLoad(data: data, cachePath: path, epochs: 1, seed: 1) { messages.append($0) }
        #expect(!second.trained && second.testAccuracy == first.testAccuracy)
        let images = data.test.images.slice(0..<20, alongAxis: 0)
        #expect(second.classifier.probabilities(images).values == first.classifier.probabilities(images).values)

        var otherDataset = metadata
        otherDataset["dataset"] = "fashion-mnist"
        try saveModel(first.classifier, metadata: otherDataset, to: path)
        let third = try DigitClassifier.trainOrLoad(data: data, cachePath: path, epochs: 1, seed: 1) { messages.append($0) }
        #expect(third.trained, "a cache of fashion-mnist must not be used for mnist")
        #expect(try loadModel(DigitClassifier(generator: &generator), from: path)["dataset"] == "mnist")

        try Data("not a safetensors file".utf8).write(to: URL(fileURLWithPath: path))
        let fourth = try DigitClassifier.trainOrLoad(data: data, cachePath: path, epochs: 1, seed: 1) { messages.append($0) }
        #expect(fourth.trained)
        // Retraining from the same seed gives the same network as the first run.
        #expect(fourth.classifier.probabilities(images).values == first.classifier.probabilities(images).values)
        #expect(messages.count == 6, "\(messages)")
    }
}
