import Foundation
import Testing
import TestSupport
import TensorCore
import Datasets

/// The real MNIST files the repository ships in Data/mnist. The label counts are the
/// published ones of the training (60,000) and test (10,000) files.
@Suite("MNIST on disk")
struct MNISTTests {
    static let testCounts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    static let trainingFileCounts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]

    static func counts(_ labels: [Int]) -> [Int] {
        var counts = [Int](repeating: 0, count: 10)
        for label in labels { counts[label] += 1 }
        return counts
    }

    @Test("the recipe's splits: 50,000 / 10,000 / 10,000 images of [1, 28, 28] in [0, 1] with MNIST's label counts",
          .timeLimit(.minutes(1)))
    func splits() throws {
        let start = Date()
        let splits = try DatasetSplits.load(.mnist, search: DataSearch(explicitDirectory: repositoryDataFolder))
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < 10, "loading MNIST took \(seconds) s")

        #expect(splits.train.count == 50_000)
        #expect(splits.validation.count == 10_000)
        #expect(splits.test.count == 10_000)
        for set in [splits.train, splits.validation, splits.test] {
            #expect(set.imageShape == [1, 28, 28])
            #expect(set.images.shape == [set.count, 1, 28, 28])
            let (low, high) = set.images.withUnsafeBufferPointer { values in
                values.reduce((Float.infinity, -Float.infinity)) { (min($0.0, $1), max($0.1, $1)) }
            }
            #expect(low == 0 && high == 1, "pixel range [\(low), \(high)]")
        }
        #expect(Self.counts(splits.test.labels) == Self.testCounts)
        #expect(Self.counts(splits.train.labels + splits.validation.labels) == Self.trainingFileCounts)
        // The first labels of each file, as every MNIST tutorial prints them.
        #expect(Array(splits.train.labels.prefix(10)) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
        #expect(Array(splits.test.labels.prefix(10)) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
        // Pixels are multiples of 1/255.
        let sample = splits.test.images.values.prefix(28 * 28 * 10)
        #expect(sample.allSatisfy { abs($0 * 255 - ($0 * 255).rounded()) < 1e-4 })
    }
}
