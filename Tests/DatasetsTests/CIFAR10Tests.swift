import Foundation
import Testing
import TestSupport
import TensorCore
import Datasets

/// CIFAR-10's binary format (Krizhevsky 2009, "Learning Multiple Layers of Features from
/// Tiny Images", and the data set's web page): each record is one label byte and 3072
/// pixel bytes, the 1024 red values row by row, then the green, then the blue.
@Suite("CIFAR-10 binary batches")
struct CIFAR10Tests {
    static let planeSize = 32 * 32, recordLength = 1 + 3 * 32 * 32

    /// The pixel byte of record `n` at channel `c`, row `i`, column `j`: distinct across
    /// channels, rows, columns and records.
    static func pixel(_ n: Int, _ c: Int, _ i: Int, _ j: Int) -> UInt8 {
        UInt8((n * 101 + c * 85 + i * 7 + j * 3) % 256)
    }

    /// One record: its label byte, then the R, G and B planes.
    static func record(_ n: Int, label: UInt8) -> [UInt8] {
        var bytes = [label]
        for c in 0..<3 { for i in 0..<32 { for j in 0..<32 { bytes.append(pixel(n, c, i, j)) } } }
        return bytes
    }

    @Test("three records read to [3, 3, 32, 32] with pixels / 255 and their labels")
    func threeRecords() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let bytes = Self.record(0, label: 6) + Self.record(1, label: 0) + Self.record(2, label: 9)
        #expect(bytes.count == 3 * 3073)
        let set = try CIFAR10.readBatch(try scratch.write(bytes, to: "data_batch_1.bin"))
        #expect(set.images.shape == [3, 3, 32, 32])
        #expect(set.labels == [6, 0, 9])
        var wrong = 0
        for n in 0..<3 { for c in 0..<3 { for i in 0..<32 { for j in 0..<32
            where set.images[n, c, i, j] != Float(Self.pixel(n, c, i, j)) / 255 { wrong += 1 } } } }
        #expect(wrong == 0)
        // The red plane comes first: byte 1 of the file is red (0, 0) of record 0.
        #expect(set.images[0, 0, 0, 0] == Float(bytes[1]) / 255)
        #expect(set.images[0, 2, 31, 31] == Float(bytes[3072]) / 255)
        #expect(set.images[1, 0, 0, 1] == Float(bytes[3073 + 2]) / 255)
    }

    @Test("a gzip-compressed batch reads the same")
    func compressed() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let bytes = Self.record(5, label: 3) + Self.record(6, label: 4)
        let plain = try CIFAR10.readBatch(try scratch.write(bytes, to: "b.bin"))
        let packed = try CIFAR10.readBatch(try scratch.write(try gzipped(bytes), to: "b.bin.gz"))
        #expect(packed.labels == [3, 4])
        #expect(packed.images.values == plain.images.values)
        #expect(packed.images[1, 1, 2, 3] == Float(Self.pixel(6, 1, 2, 3)) / 255)
    }

    @Test("a length that is not a multiple of 3073 is DataError.truncated", arguments: [1, 3072, 3074, 2 * 3073 - 1])
    func partialRecord(_ length: Int) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let bytes = Array((Self.record(0, label: 1) + Self.record(1, label: 2)).prefix(length))
        let path = try scratch.write(bytes, to: "short.bin")
        let error = dataError { _ = try CIFAR10.readBatch(path) }
        let whole = length / 3073
        #expect(error == .truncated(path: path, expectedBytes: (whole + 1) * 3073, actualBytes: length))
    }

    @Test("a label of 10 or more is malformed", arguments: [10, 200] as [UInt8])
    func badLabel(_ label: UInt8) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try scratch.write(Self.record(0, label: 2) + Self.record(1, label: label), to: "bad.bin")
        let error = dataError { _ = try CIFAR10.readBatch(path) }
        #expect(error?.kind == "malformed")
    }

    @Test("an empty file is malformed")
    func empty() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try scratch.write([], to: "empty.bin")
        #expect(dataError { _ = try CIFAR10.readBatch(path) }?.kind == "malformed")
        let gzPath = try scratch.write(try gzipped([]), to: "empty.bin.gz")
        #expect(dataError { _ = try CIFAR10.readBatch(gzPath) }?.kind == "malformed")
    }

    @Test("random mutations of a two-record batch parse or throw a DataError")
    func mutationsNeverCrash() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let original = Self.record(0, label: 4) + Self.record(1, label: 8)
        var errors = 0
        for (index, mutated) in mutations(of: original, count: 200, seed: 11).enumerated() {
            let path = try scratch.write(mutated, to: "mutant-\(index).bin")
            do {
                let set = try CIFAR10.readBatch(path)
                #expect(set.labels.allSatisfy { (0...9).contains($0) })
                #expect(set.images.shape == [set.labels.count, 3, 32, 32])
            } catch is DataError {
                errors += 1
            } catch {
                Issue.record("mutant \(index): \(error) is not a DataError")
            }
        }
        #expect(errors > 100)
    }

    /// Writes a cifar-10-batches-bin folder under `scratch` whose training batch b (1...5)
    /// holds the records with labels `trainingLabels[b - 1]`, numbered in file order across
    /// the batches, and a test batch with `testLabels`.
    static func writeFolder(in scratch: ScratchFolder, trainingLabels: [[UInt8]], testLabels: [UInt8],
                            compress: Bool = false) throws {
        var serial = 0
        for (b, labels) in trainingLabels.enumerated() {
            var bytes: [UInt8] = []
            for label in labels { bytes += record(serial, label: label); serial += 1 }
            let name = "cifar-10-batches-bin/data_batch_\(b + 1).bin"
            if compress { try scratch.write(try gzipped(bytes), to: name + ".gz") } else { try scratch.write(bytes, to: name) }
        }
        var test: [UInt8] = []
        for (k, label) in testLabels.enumerated() { test += record(10_000 + k, label: label) }
        try scratch.write(test, to: "cifar-10-batches-bin/test_batch.bin")
    }

    /// The serial number modulo 256 of each image in `set`, recovered from its first
    /// pixel: pixel(n, 0, 0, 0) = 101 n mod 256, and 109 is the inverse of 101 modulo 256
    /// (101 * 109 = 11009 = 43 * 256 + 1).
    static func serials(_ set: LabelledImages) -> [Int] {
        (0..<set.count).map { k in (Int((set.images[k, 0, 0, 0] * 255).rounded()) * 109) % 256 }
    }

    @Test("DatasetSplits: with fewer than 500 images per class, validation holds every training image")
    func smallSplits() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // 12 records per batch, labels cycling 0...9 through all 60.
        let labels = (0..<5).map { b in (0..<12).map { UInt8((12 * b + $0) % 10) } }
        try Self.writeFolder(in: scratch, trainingLabels: labels, testLabels: [3, 1, 4, 1, 5, 9, 2],
                             compress: true)
        let splits = try DatasetSplits.load(.cifar10, search: DataSearch(explicitDirectory: scratch.path, environment: [:]))
        #expect(splits.name == .cifar10)
        #expect(splits.train.count == 0)
        #expect(splits.train.images.shape == [0, 3, 32, 32])
        #expect(splits.validation.count == 60)
        #expect(splits.validation.labels == labels.flatMap { $0.map(Int.init) })
        #expect(Self.serials(splits.validation) == Array(0..<60))  // in file order
        #expect(splits.validation.images[59, 2, 31, 30] == Float(Self.pixel(59, 2, 31, 30)) / 255)
        #expect(splits.test.labels == [3, 1, 4, 1, 5, 9, 2])
        #expect(splits.test.images.shape == [7, 3, 32, 32])
        #expect(splits.test.images[6, 1, 5, 7] == Float(Self.pixel(10_006, 1, 5, 7)) / 255)
    }

    @Test("DatasetSplits: validation is the first 500 of each class, in order; train the rest")
    func cappedSplits() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // Batch 1: 300 of class 7; batch 2: 210 of class 7 then 3 of class 2; batches
        // 3-5: one record each of classes 7, 0 and 2. Class 7 has 300 + 210 + 1 = 511
        // images; its 500th is serial 499, so serials 500...509 and 513 go to train.
        let labels: [[UInt8]] = [[UInt8](repeating: 7, count: 300),
                                 [UInt8](repeating: 7, count: 210) + [2, 2, 2],
                                 [7], [0], [2]]
        try Self.writeFolder(in: scratch, trainingLabels: labels, testLabels: [0])
        let splits = try DatasetSplits.load(.cifar10, search: DataSearch(explicitDirectory: scratch.path, environment: [:]))
        // Serials: 0..<300 batch 1 (class 7), 300..<510 class 7, 510..<513 class 2,
        // 513 class 7, 514 class 0, 515 class 2.
        let expectedValidation = Array(0..<500) + [510, 511, 512, 514, 515]
        let expectedTrain = Array(500..<510) + [513]
        #expect(splits.validation.count == expectedValidation.count)
        #expect(splits.train.count == expectedTrain.count)
        #expect(Self.serials(splits.validation) == expectedValidation.map { $0 % 256 })
        #expect(Self.serials(splits.train) == expectedTrain.map { $0 % 256 })
        #expect(splits.validation.labels.filter { $0 == 7 }.count == 500)
        #expect(splits.train.labels == [Int](repeating: 7, count: 11))
        #expect(splits.validation.labels.suffix(5) == [2, 2, 2, 0, 2])
        // Pixels travel with their image: train image 0 is serial 500.
        #expect(splits.train.images[0, 1, 9, 4] == Float(Self.pixel(500, 1, 9, 4)) / 255)
        #expect(splits.validation.images[501, 2, 0, 31] == Float(Self.pixel(511, 2, 0, 31)) / 255)
    }
}
