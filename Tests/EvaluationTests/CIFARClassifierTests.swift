import Foundation
import Testing
import TestSupport
import TensorCore
import Autodiff
import NeuralLayers
import Checkpoints
import Datasets
import Evaluation

/// The CIFAR-10 classifier on 3-channel input: its standardisation against statistics
/// computed here, its probabilities against a Double softmax, its cache with buffers.
@Suite("CIFAR-10 classifier")
struct CIFARClassifierTests {
    static func rows(_ t: Tensor) -> [[Double]] {
        let k = t.shape[1], v = t.values.map(Double.init)
        return (0..<t.shape[0]).map { Array(v[($0 * k)..<($0 * k + k)]) }
    }

    /// Images whose channel c is uniform on [0.1 c, 0.1 c + 0.5 + 0.2 c): distinct means and spreads.
    static func images(_ n: Int, seed: UInt64) -> Tensor {
        var random = SplitMix64(state: seed)
        var values: [Float] = []
        for _ in 0..<n { for c in 0..<3 { for _ in 0..<1024 {
            values.append(random.nextFloat(0.1 * Float(c), 0.1 * Float(c) + 0.5 + 0.2 * Float(c)))
        } } }
        return Tensor(shape: [n, 3, 32, 32], values: values)
    }

    /// A classifier (weights from `seed`) prepared on `n` images drawn with `imageSeed`.
    static func prepared(seed: UInt64, images n: Int, imageSeed: UInt64) -> (CIFARClassifier, Tensor) {
        var generator = RandomGenerator(seed: seed)
        let classifier = CIFARClassifier(generator: &generator)
        let x = images(n, seed: imageSeed)
        classifier.prepare(trainingImages: x)
        return (classifier, x)
    }

    @Test("prepare measures each channel's mean and deviation")
    func standardisation() {
        let (classifier, x) = Self.prepared(seed: 1, images: 6, imageSeed: 2)
        let v = x.values
        for c in 0..<3 {
            var channel: [Double] = []
            for n in 0..<6 { channel += v[((n * 3 + c) * 1024)..<((n * 3 + c + 1) * 1024)].map(Double.init) }
            let mean = channel.reduce(0, +) / Double(channel.count)
            let deviation = (channel.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(channel.count)).squareRoot()
            #expect(abs(Double(classifier.channelMean.values[c]) - mean) < 1e-5)
            #expect(abs(Double(classifier.channelDeviation.values[c]) - deviation) < 1e-5)
        }
        // The uniform's own values: mean 0.1c + (0.5 + 0.2c)/2, deviation width/√12.
        #expect(abs(Double(classifier.channelMean.values[2]) - (0.2 + 0.45)) < 0.01)
        #expect(abs(Double(classifier.channelDeviation.values[2]) - 0.9 / 12.0.squareRoot()) < 0.01)
    }

    @Test("probabilities of [N, 3, 32, 32] are [N, 10] rows that sum to 1 and are the softmax of the logits")
    func probabilities() {
        var generator = RandomGenerator(seed: 3)
        let classifier = CIFARClassifier(generator: &generator)
        classifier.prepare(trainingImages: Self.images(4, seed: 4))
        let x = Self.images(5, seed: 5)
        let p = classifier.probabilities(x, batchSize: 2)
        #expect(p.shape == [5, 10])
        let logits = GradientRecording.withoutRecording { classifier.logits(Variable(x)).value }
        #expect(logits.shape == [5, 10])
        for (row, l) in zip(Self.rows(p), Self.rows(logits)) {
            #expect(abs(row.reduce(0, +) - 1) < 1e-5)
            let top = l.max()!, total = l.map { exp($0 - top) }.reduce(0, +)
            for (pk, lk) in zip(row, l) { #expect(abs(pk - exp(lk - top) / total) < 1e-6) }
        }
        // Flattened images and other batch sizes give the same answer up to the GEMM's rounding.
        #expect(zip(classifier.probabilities(x.reshaped([5, 3072])).values, p.values).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test("the standardisation is applied: shifting and scaling a channel's statistics with the images leaves the logits")
    func standardisationInvariance() {
        let (classifier, x) = Self.prepared(seed: 6, images: 3, imageSeed: 7)
        let before = GradientRecording.withoutRecording { classifier.logits(Variable(x)).value.values }
        // y = 2x + 0.25 with statistics measured on y: the standardised input is unchanged.
        let y = Tensor(shape: x.shape, values: x.values.map { 2 * $0 + 0.25 })
        classifier.prepare(trainingImages: y)
        let after = GradientRecording.withoutRecording { classifier.logits(Variable(y)).value.values }
        let scale = before.map(abs).max()!
        #expect(zip(before, after).allSatisfy { abs($0 - $1) < 1e-4 * max(scale, 1) })
        // And the statistics matter: the same images under the old statistics differ.
        let shifted = GradientRecording.withoutRecording { classifier.logits(Variable(x)).value.values }
        #expect(zip(before, shifted).contains { abs($0 - $1) > 1e-3 })
    }

    @Test("augmented flips or keeps each image and shifts it by at most 2 pixels")
    func augmentation() {
        let x = Self.images(8, seed: 8)
        var generator = RandomGenerator(seed: 9)
        let y = CIFARClassifier.augmented(x, generator: &generator)
        #expect(y.shape == x.shape)
        // Some (flip, dy, dx) must reproduce each output image exactly where it is not border.
        for n in 0..<8 {
            var found = false
            search: for flip in [false, true] { for dy in -2...2 { for dx in -2...2 {
                var ok = true
                check: for c in 0..<3 { for i in 2..<30 { for j in 2..<30 {
                    let si = i - dy, sj = j - dx
                    let source = x[n, c, si, flip ? 31 - sj : sj]
                    if y[n, c, i, j] != source { ok = false; break check }
                } } }
                if ok { found = true; break search }
            } } }
            #expect(found, "image \(n) is not a flip and shift of its source")
        }
    }

    @Test("trainOrLoad on a synthetic CIFAR-10 set: trains, caches with the statistics, loads the same network")
    func cache() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // Five batches of 130 records: 620 of class 0 (so 120 go to train, one batch of 100),
        // then classes 1...9; random pixel bytes.
        var random = SplitMix64(state: 10)
        for b in 0..<5 {
            var bytes: [UInt8] = []
            for r in 0..<130 {
                let serial = b * 130 + r
                bytes.append(serial < 620 ? 0 : UInt8(1 + serial % 9))
                bytes += (0..<3072).map { _ in random.nextByte() }
            }
            try scratch.write(bytes, to: "cifar-10-batches-bin/data_batch_\(b + 1).bin")
        }
        try scratch.write((0..<20).flatMap { k in [UInt8(k % 10)] + (0..<3072).map { _ in random.nextByte() } },
                          to: "cifar-10-batches-bin/test_batch.bin")
        let data = try DatasetSplits.load(.cifar10, search: DataSearch(explicitDirectory: scratch.path, environment: [:]))
        #expect(data.train.count == 120)
        let path = scratch.file("ch06-classifier-cifar10.safetensors")
        var messages: [String] = []
        let first = try CIFARClassifier.trainOrLoad(data: data, cachePath: path, epochs: 1, seed: 4) { messages.append($0) }
        #expect(first.trained)
        // Random bytes / 255: channel means near 0.5, deviations near 255/(255·√12) ≈ 0.289.
        #expect(abs(first.classifier.channelMean.values[1] - 0.5) < 0.01)
        #expect(abs(first.classifier.channelDeviation.values[2] - 0.2898) < 0.01)
        let second = try CIFARClassifier.trainOrLoad(data: data, cachePath: path, epochs: 1, seed: 99) { messages.append($0) }
        #expect(!second.trained)
        #expect(second.classifier.channelMean.values == first.classifier.channelMean.values)
        #expect(second.classifier.channelDeviation.values == first.classifier.channelDeviation.values)
        let probe = Self.images(4, seed: 11)
        #expect(second.classifier.probabilities(probe).values == first.classifier.probabilities(probe).values)
        var generator = RandomGenerator(seed: 0)
        let metadata = try loadModel(CIFARClassifier(generator: &generator), from: path)
        #expect(metadata["model"] == "cifar10-classifier-v1" && metadata["dataset"] == "cifar10")
        // An MNIST classifier's cache keeps its old kind, so existing caches stay valid.
        #expect(DigitClassifier.kind == "digit-classifier-v5")
        #expect(messages.count == 2, "\(messages)")
    }
}
