import Foundation
import Testing
import TestSupport
import Datasets

/// Where data sets are looked for: --data-dir, then $FLOWGAN_DATA, then ./Data, then
/// /usr/share/datasets; the first folder holding all of a data set's files wins.
@Suite("Finding data sets")
struct DataSearchTests {
    static let mnistFiles = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    @Test("the search order is --data-dir, FLOWGAN_DATA, Data, /usr/share/datasets")
    func order() {
        let all = DataSearch(explicitDirectory: "/from/option", environment: ["FLOWGAN_DATA": "/from/env"])
        #expect(all.directories == ["/from/option", "/from/env", "Data", "/usr/share/datasets"])
        let noOption = DataSearch(explicitDirectory: nil, environment: ["FLOWGAN_DATA": "/from/env"])
        #expect(noOption.directories == ["/from/env", "Data", "/usr/share/datasets"])
        let neither = DataSearch(explicitDirectory: nil, environment: ["HOME": "/root"])
        #expect(neither.directories == ["Data", "/usr/share/datasets"])
        let emptyVariable = DataSearch(explicitDirectory: nil, environment: ["FLOWGAN_DATA": ""])
        #expect(emptyVariable.directories == ["Data", "/usr/share/datasets"])
    }

    /// Whether `folder` holds every file of `dataset`, plain or gzipped (checked here
    /// without the library), so that tests can tell which data this machine has installed.
    static func installed(_ dataset: DatasetName, in folder: String) -> Bool {
        dataset.requiredFiles.allSatisfy { file in
            FileManager.default.fileExists(atPath: "\(folder)/\(dataset.folder)/\(file)")
                || FileManager.default.fileExists(atPath: "\(folder)/\(dataset.folder)/\(file).gz")
        }
    }

    @Test("require() lists every searched folder and how to get the data")
    func notFound() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let search = DataSearch(explicitDirectory: scratch.file("a"), environment: ["FLOWGAN_DATA": scratch.file("b")])
        var checked = 0
        for dataset in DatasetName.allCases {
            // A folder with one file missing does not count.
            for file in dataset.requiredFiles.dropLast() { try scratch.write([0], to: "a/\(dataset.folder)/\(file)") }
            if Self.installed(dataset, in: "Data") || Self.installed(dataset, in: "/usr/share/datasets") {
                continue  // this machine has it in a standard place
            }
            checked += 1
            let error = dataError { _ = try search.require(dataset) }
            guard case .notFound(let name, let searched, let hint)? = error else {
                Issue.record("expected notFound, got \(String(describing: error))")
                continue
            }
            #expect(name == dataset.displayName)
            #expect(searched == [scratch.file("a/\(dataset.folder)"), scratch.file("b/\(dataset.folder)"),
                                 "Data/\(dataset.folder)", "/usr/share/datasets/\(dataset.folder)"])
            #expect(!hint.isEmpty)
            let message = error!.description
            #expect(message.contains(scratch.file("a/\(dataset.folder)")) && message.contains(hint))
            #expect(search.folder(for: dataset) == nil)
        }
        #expect(checked > 0, "every data set is installed here; nothing was checked")
    }

    @Test("a data set installed by Debian is found in /usr/share/datasets",
          .enabled(if: installed(.fashionMNIST, in: "/usr/share/datasets"), "dataset-fashion-mnist is not installed"))
    func debianFolder() throws {
        let search = DataSearch(explicitDirectory: "/nonexistent-\(UUID().uuidString)", environment: [:])
        #expect(try search.require(.fashionMNIST) == "/usr/share/datasets/fashion-mnist")
    }

    @Test("finds plain and .gz files; the first complete folder wins")
    func finds() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // "option" has only three of the four files; "env" has all, two of them gzipped;
        // "later" has all but comes after.
        for file in Self.mnistFiles.prefix(3) { try scratch.write([1], to: "option/mnist/\(file)") }
        for (k, file) in Self.mnistFiles.enumerated() {
            try scratch.write([2], to: "env/mnist/\(file)" + (k % 2 == 0 ? ".gz" : ""))
            try scratch.write([3], to: "later/mnist/\(file)")
        }
        let search = DataSearch(explicitDirectory: scratch.file("option"), environment: ["FLOWGAN_DATA": scratch.file("env")])
        #expect(try search.require(.mnist) == scratch.file("env/mnist"))
        #expect(search.folder(for: .mnist) == scratch.file("env/mnist"))
        #expect(DataSearch.existing(scratch.file("env/mnist"), "train-images-idx3-ubyte")
                == scratch.file("env/mnist/train-images-idx3-ubyte.gz"))
        #expect(DataSearch.existing(scratch.file("env/mnist"), "train-labels-idx1-ubyte")
                == scratch.file("env/mnist/train-labels-idx1-ubyte"))
        #expect(DataSearch.existing(scratch.file("env/mnist"), "no-such-file") == nil)
        // The option wins once it is complete.
        try scratch.write([1], to: "option/mnist/\(Self.mnistFiles[3]).gz")
        #expect(try search.require(.mnist) == scratch.file("option/mnist"))
        // Without option and variable, a complete folder elsewhere is not searched.
        let other = DataSearch(explicitDirectory: scratch.file("later"), environment: [:])
        #expect(try other.require(.mnist) == scratch.file("later/mnist"))
        // A plain file is preferred over its .gz when both exist.
        try scratch.write([4], to: "later/mnist/\(Self.mnistFiles[0]).gz")
        #expect(DataSearch.existing(scratch.file("later/mnist"), Self.mnistFiles[0])
                == scratch.file("later/mnist/\(Self.mnistFiles[0])"))
    }

    @Test("the folders and required files of each data set")
    func names() {
        #expect(DatasetName.mnist.folder == "mnist")
        #expect(DatasetName.fashionMNIST.folder == "fashion-mnist")
        #expect(DatasetName.cifar10.folder == "cifar-10-batches-bin")
        #expect(DatasetName.cifar10.requiredFiles == ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                                      "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"])
        #expect(Set(DatasetName.fashionMNIST.requiredFiles) == Set(Self.mnistFiles))
    }
}
