import Foundation
import Testing
import TestSupport
import Datasets

/// Where data sets are looked for: a folder the user names (--data-dir, else
/// $FLOWGAN_DATA) and nothing else; with none named, ./Data then /usr/share/datasets.
@Suite("Finding data sets")
struct DataSearchTests {
    static let mnistFiles = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    @Test("a named folder is the only one searched; else Data, then /usr/share/datasets")
    func order() {
        let both = DataSearch(explicitDirectory: "/from/option", environment: ["FLOWGAN_DATA": "/from/env"])
        #expect(both.directories == ["/from/option"] && both.named?.source == "--data-dir")
        let variable = DataSearch(explicitDirectory: nil, environment: ["FLOWGAN_DATA": "/from/env"])
        #expect(variable.directories == ["/from/env"] && variable.named?.source == "FLOWGAN_DATA")
        let neither = DataSearch(explicitDirectory: nil, environment: ["HOME": "/root"])
        #expect(neither.directories == ["Data", "/usr/share/datasets"] && neither.named == nil)
        let emptyVariable = DataSearch(explicitDirectory: nil, environment: ["FLOWGAN_DATA": ""])
        #expect(emptyVariable.directories == ["Data", "/usr/share/datasets"])
    }

    @Test("a named folder that does not exist, or is a file, is an error naming it")
    func namedFolderMissing() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let missing = scratch.file("no-such-folder")
        for (search, source) in [(DataSearch(explicitDirectory: missing, environment: [:]), "--data-dir"),
                                 (DataSearch(explicitDirectory: nil, environment: ["FLOWGAN_DATA": missing]), "FLOWGAN_DATA")] {
            let error = dataError { _ = try search.require(.mnist) }
            #expect(error == .namedFolderMissing(path: missing, source: source))
            #expect(error?.description.contains(missing) == true && error?.description.contains(source) == true)
        }
        let file = try scratch.write([0], to: "a-file")
        #expect(dataError { _ = try DataSearch(explicitDirectory: file, environment: [:]).require(.mnist) }
                == .namedFolderMissing(path: file, source: "--data-dir"))
    }

    /// Whether `folder` holds every file of `dataset`, plain or gzipped (checked here
    /// without the library), so that tests can tell which data this machine has installed.
    static func installed(_ dataset: DatasetName, in folder: String) -> Bool {
        dataset.requiredFiles.allSatisfy { file in
            FileManager.default.fileExists(atPath: "\(folder)/\(dataset.folder)/\(file)")
                || FileManager.default.fileExists(atPath: "\(folder)/\(dataset.folder)/\(file).gz")
        }
    }

    @Test("require() names the folder searched and what to do; a named folder has no fallback")
    func notFound() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // The named folder lacks every data set (one file short of each), while Data/
        // holds MNIST: the search must not fall back to it.
        let search = DataSearch(explicitDirectory: scratch.file("a"), environment: ["FLOWGAN_DATA": repositoryDataFolder])
        for dataset in DatasetName.allCases {
            // A folder with one file missing does not count.
            for file in dataset.requiredFiles.dropLast() { try scratch.write([0], to: "a/\(dataset.folder)/\(file)") }
            let error = dataError { _ = try search.require(dataset) }
            guard case .notFound(let name, let searched, let hint)? = error else {
                Issue.record("expected notFound, got \(String(describing: error))")
                continue
            }
            #expect(name == dataset.displayName)
            #expect(searched == [scratch.file("a/\(dataset.folder)")])
            #expect(hint.contains("--data-dir"))
            let message = error!.description
            #expect(message.contains(scratch.file("a/\(dataset.folder)")) && message.contains(hint))
            #expect(search.folder(for: dataset) == nil)
        }
    }

    @Test("a data set installed by Debian is found in /usr/share/datasets",
          .enabled(if: installed(.fashionMNIST, in: "/usr/share/datasets"), "dataset-fashion-mnist is not installed"))
    func debianFolder() throws {
        try #require(!Self.installed(.fashionMNIST, in: "Data"), "Data/ holds Fashion-MNIST: the Debian folder is not reached")
        let search = DataSearch(explicitDirectory: nil, environment: [:])
        #expect(try search.require(.fashionMNIST) == "/usr/share/datasets/fashion-mnist")
    }

    @Test("finds plain and .gz files; an incomplete named folder is an error, not a fallback")
    func finds() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // "option" has only three of the four files; "env" has all, two of them gzipped.
        for file in Self.mnistFiles.prefix(3) { try scratch.write([1], to: "option/mnist/\(file)") }
        for (k, file) in Self.mnistFiles.enumerated() {
            try scratch.write([2], to: "env/mnist/\(file)" + (k % 2 == 0 ? ".gz" : ""))
        }
        let search = DataSearch(explicitDirectory: scratch.file("option"), environment: ["FLOWGAN_DATA": scratch.file("env")])
        #expect(dataError { _ = try search.require(.mnist) } != nil)
        #expect(search.folder(for: .mnist) == nil)
        let variable = DataSearch(explicitDirectory: nil, environment: ["FLOWGAN_DATA": scratch.file("env")])
        #expect(try variable.require(.mnist) == scratch.file("env/mnist"))
        #expect(DataSearch.existing(scratch.file("env/mnist"), "train-images-idx3-ubyte")
                == scratch.file("env/mnist/train-images-idx3-ubyte.gz"))
        #expect(DataSearch.existing(scratch.file("env/mnist"), "train-labels-idx1-ubyte")
                == scratch.file("env/mnist/train-labels-idx1-ubyte"))
        #expect(DataSearch.existing(scratch.file("env/mnist"), "no-such-file") == nil)
        // The option is used once it is complete.
        try scratch.write([1], to: "option/mnist/\(Self.mnistFiles[3]).gz")
        #expect(try search.require(.mnist) == scratch.file("option/mnist"))
        // A plain file is preferred over its .gz when both exist.
        try scratch.write([4], to: "option/mnist/\(Self.mnistFiles[0]).gz")
        #expect(DataSearch.existing(scratch.file("option/mnist"), Self.mnistFiles[0])
                == scratch.file("option/mnist/\(Self.mnistFiles[0])"))
    }

    @Test("the repository ships MNIST: Data/README.md's SHA-256 sums match the files (checked with sha256sum)")
    func shippedData() throws {
        let readme = try String(contentsOfFile: repositoryDataFolder + "/README.md", encoding: .utf8)
        var listed: [String: String] = [:]
        for line in readme.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            if words.count >= 2, words[0].count == 64, words[0].allSatisfy(\.isHexDigit) { listed[words.last!] = words[0] }
        }
        #expect(Set(listed.keys) == Set(Self.mnistFiles.map { "mnist/\($0).gz" }))
        let (status, data) = try runProgram("/usr/bin/sha256sum", listed.keys.sorted(), in: repositoryDataFolder)
        let output = String(decoding: data, as: UTF8.self)
        try #require(status == 0, "sha256sum failed: \(output)")
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            #expect(listed[words.last!] == words[0], "\(words.last!): \(words[0])")
        }
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
