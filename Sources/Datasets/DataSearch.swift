import Foundation

/// The image data sets the course reads.
public enum DatasetName: String, CaseIterable, Codable, Sendable {
    case mnist
    case fashionMNIST = "fashion-mnist"
    case cifar10

    /// The folder it lives in under a data directory.
    public var folder: String {
        switch self {
        case .mnist: return "mnist"
        case .fashionMNIST: return "fashion-mnist"
        case .cifar10: return "cifar-10-batches-bin"
        }
    }

    /// The files that must be in that folder.
    public var requiredFiles: [String] {
        switch self {
        case .mnist, .fashionMNIST:
            return ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
        case .cifar10:
            return (1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"]
        }
    }

    public var displayName: String {
        switch self {
        case .mnist: return "MNIST"
        case .fashionMNIST: return "Fashion-MNIST"
        case .cifar10: return "CIFAR-10"
        }
    }

    /// How to get it, for error messages.
    public var hint: String {
        switch self {
        case .mnist:
            return "The repository ships it in Data/mnist: run from the repository's root folder, or pass --data-dir PATH-TO-REPOSITORY/Data."
        case .fashionMNIST:
            return "Install it with 'apt-get install dataset-fashion-mnist' (it goes to /usr/share/datasets/fashion-mnist)."
        case .cifar10:
            return "Download the CIFAR-10 binary version, unpack it into DIR/cifar-10-batches-bin/ and pass --data-dir DIR or set FLOWGAN_DATA=DIR."
        }
    }
}

/// Where data sets are looked for. A folder the user names is the only place searched:
/// `--data-dir DIR`, else `$FLOWGAN_DATA`; a named folder that does not exist, or that
/// lacks the data set asked for, is an error, never a quiet switch to another folder or
/// data set. With no folder named, `./Data` (the repository's, which ships MNIST) and
/// then Debian's `/usr/share/datasets` are searched.
public struct DataSearch {
    public let directories: [String]
    /// The folder the user named and how ("--data-dir" or "FLOWGAN_DATA"), if any.
    public let named: (path: String, source: String)?

    public init(explicitDirectory: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let explicitDirectory {
            named = (explicitDirectory, "--data-dir")
        } else if let variable = environment["FLOWGAN_DATA"], !variable.isEmpty {
            named = (variable, "FLOWGAN_DATA")
        } else {
            named = nil
        }
        directories = named.map { [$0.path] } ?? ["Data", "/usr/share/datasets"]
    }

    /// Throws when the user named a folder that does not exist (or is not a folder).
    public func checkNamedFolder() throws {
        guard let named else { return }
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: named.path, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw DataError.namedFolderMissing(path: named.path, source: named.source)
        }
    }

    /// The folder holding every file of `dataset` (plain or gzip-compressed), the first
    /// such among `directories`; nil when none has them.
    public func folder(for dataset: DatasetName) -> String? {
        for dir in directories {
            let folder = (dir as NSString).appendingPathComponent(dataset.folder)
            if dataset.requiredFiles.allSatisfy({ DataSearch.existing(folder, $0) != nil }) { return folder }
        }
        return nil
    }

    /// `folder/name`, or `folder/name.gz`, whichever exists.
    public static func existing(_ folder: String, _ name: String) -> String? {
        let plain = (folder as NSString).appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: plain) { return plain }
        if FileManager.default.fileExists(atPath: plain + ".gz") { return plain + ".gz" }
        return nil
    }

    /// The folder of `dataset`, or an error that says where it looked and how to get it.
    public func require(_ dataset: DatasetName) throws -> String {
        try checkNamedFolder()
        guard let folder = folder(for: dataset) else {
            throw DataError.notFound(dataset: dataset.displayName,
                                     searched: directories.map { ($0 as NSString).appendingPathComponent(dataset.folder) },
                                     hint: named.map { "\($0.source) names \($0.path); put the files there or name another folder." }
                                        ?? dataset.hint)
        }
        return folder
    }
}

/// A data set split into training, validation and test sets.
public struct DatasetSplits {
    public let name: DatasetName
    public var train: LabelledImages
    public var validation: LabelledImages
    public var test: LabelledImages

    /// The fewest images an IDX data set may have (28x28 gray images of any source).
    public static let minimumTraining = 6_000
    public static let minimumTest = 1_000

    /// Loads a data set with the recipe's splits:
    /// MNIST and Fashion-MNIST: train = the first 50,000 training images, validation = the
    /// last 10,000, test = the 10,000 test images (another IDX data set of 28x28 images: the
    /// last sixth of its training images, up to 10,000, for validation). CIFAR-10: validation = the first 500
    /// images of each class in the training batches, train = the other 45,000.
    public static func load(_ name: DatasetName, search: DataSearch) throws -> DatasetSplits {
        let folder = try search.require(name)
        func path(_ file: String) -> String { DataSearch.existing(folder, file)! }
        switch name {
        case .mnist, .fashionMNIST:
            let trainPath = path("train-images-idx3-ubyte"), testPath = path("t10k-images-idx3-ubyte")
            let training = try IDX.readImages(images: trainPath, labels: path("train-labels-idx1-ubyte"))
            let test = try IDX.readImages(images: testPath, labels: path("t10k-labels-idx1-ubyte"))
            // The chapters' networks are built for 28x28 gray images, and their smoke runs take
            // 1,000 validation and test images and 5,000 training images at most.
            for (file, set) in [(trainPath, training), (testPath, test)] where set.imageShape != [1, 28, 28] {
                throw DataError.malformed(path: file, reason: "its images are \(set.imageShape.dropFirst().map(String.init).joined(separator: "x")); the course needs 28x28 gray images")
            }
            guard training.count >= minimumTraining else {
                throw DataError.malformed(path: trainPath, reason: "\(training.count) training images; the course needs at least \(minimumTraining) (a sixth of them, up to 10,000, are kept for validation)")
            }
            guard test.count >= minimumTest else {
                throw DataError.malformed(path: testPath, reason: "\(test.count) test images; the course needs at least \(minimumTest)")
            }
            // MNIST's 60,000 give the recipe's split: the last 10,000 for validation.
            let split = training.count - min(10_000, training.count / 6)
            return DatasetSplits(name: name, train: training.slice(0..<split),
                                 validation: training.slice(split..<training.count), test: test)
        case .cifar10:
            let training = CIFAR10.concatenate(try (1...5).map { try CIFAR10.readBatch(path("data_batch_\($0).bin")) })
            let test = try CIFAR10.readBatch(path("test_batch.bin"))
            var perClass = [Int](repeating: 0, count: 10)
            var validationIndices: [Int] = [], trainIndices: [Int] = []
            for (i, label) in training.labels.enumerated() {
                if perClass[label] < 500 { validationIndices.append(i); perClass[label] += 1 } else { trainIndices.append(i) }
            }
            return DatasetSplits(name: name, train: training.gather(trainIndices),
                                 validation: training.gather(validationIndices), test: test)
        }
    }
}
