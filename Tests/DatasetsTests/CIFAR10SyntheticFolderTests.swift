import Foundation
import Testing
import TestSupport
import TensorCore
import Datasets

/// A synthetic CIFAR-10 folder with random pixels and more than 500 images in some
/// classes, as chapter 05 and 06 read it: the splits against a count done here record by
/// record, and pixels against the bytes written.
@Suite("CIFAR-10: a synthetic folder through DatasetSplits")
struct CIFAR10SyntheticFolderTests {
    /// Five training batches of `perBatch` records with labels drawn from 0...2 (so classes
    /// 0 to 2 pass 500 images and the rule has something to cut), random pixels, and a
    /// test batch of 7 records. Returns every training record's bytes in file order.
    static func writeFolder(_ scratch: ScratchFolder, perBatch: Int, seed: UInt64) throws
        -> (training: [[UInt8]], test: [[UInt8]]) {
        var random = SplitMix64(state: seed)
        func record(label: UInt8) -> [UInt8] { [label] + (0..<3072).map { _ in random.nextByte() } }
        var training: [[UInt8]] = []
        for b in 1...5 {
            let records = (0..<perBatch).map { _ in record(label: UInt8(random.next(below: 3))) }
            training += records
            try scratch.write(records.flatMap { $0 }, to: "cifar-10-batches-bin/data_batch_\(b).bin")
        }
        let test = (0..<7).map { k in record(label: UInt8(k % 10)) }
        try scratch.write(test.flatMap { $0 }, to: "cifar-10-batches-bin/test_batch.bin")
        return (training, test)
    }

    @Test("validation is the first 500 of each class in file order, train the rest; pixels are bytes / 255")
    func splitsAndPixels() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let (training, test) = try Self.writeFolder(scratch, perBatch: 400, seed: 21)
        // The oracle: walk the 2,000 records, counting per class.
        var seen = [Int](repeating: 0, count: 10)
        var validationRecords: [Int] = [], trainRecords: [Int] = []
        for (index, bytes) in training.enumerated() {
            let label = Int(bytes[0])
            if seen[label] < 500 { validationRecords.append(index) } else { trainRecords.append(index) }
            seen[label] += 1
        }
        #expect(trainRecords.count > 400 && validationRecords.count == 1500, "labels 0...2, about 667 each")

        let splits = try DatasetSplits.load(.cifar10, search: DataSearch(explicitDirectory: scratch.path, environment: [:]))
        #expect(splits.validation.count == validationRecords.count)
        #expect(splits.train.count == trainRecords.count)
        #expect(splits.validation.labels == validationRecords.map { Int(training[$0][0]) })
        #expect(splits.train.labels == trainRecords.map { Int(training[$0][0]) })
        #expect(splits.train.imageShape == [3, 32, 32])
        // Every pixel of a few images of each split: byte 1 + c·1024 + i·32 + j of the record.
        func mismatches(_ set: LabelledImages, _ k: Int, _ bytes: [UInt8]) -> Int {
            var wrong = 0
            for c in 0..<3 { for i in 0..<32 { for j in 0..<32
                where set.images[k, c, i, j] != Float(bytes[1 + c * 1024 + i * 32 + j]) / 255 { wrong += 1 } } }
            return wrong
        }
        for k in [0, 1, trainRecords.count - 1] { #expect(mismatches(splits.train, k, training[trainRecords[k]]) == 0) }
        for k in [0, 777, validationRecords.count - 1] {
            #expect(mismatches(splits.validation, k, training[validationRecords[k]]) == 0)
        }
        #expect(splits.test.count == 7 && splits.test.labels == Array(0..<7))
        #expect(mismatches(splits.test, 6, test[6]) == 0)
    }

    @Test("a truncated training batch stops the load with DataError.truncated naming the file")
    func truncatedBatch() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        _ = try Self.writeFolder(scratch, perBatch: 3, seed: 22)
        let path = scratch.file("cifar-10-batches-bin/data_batch_3.bin")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        try scratch.write(Array(bytes.prefix(2 * 3073 + 100)), to: "cifar-10-batches-bin/data_batch_3.bin")
        let error = dataError { _ = try DatasetSplits.load(.cifar10, search: DataSearch(explicitDirectory: scratch.path, environment: [:])) }
        #expect(error == .truncated(path: path, expectedBytes: 3 * 3073, actualBytes: 2 * 3073 + 100))
        #expect(error.map { !"\($0)".contains("\n") } == true, "the message is one line")
    }
}
