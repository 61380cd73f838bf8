import Foundation

/// The image data sets the course reads.
public enum DatasetName: String, CaseIterable, Sendable {
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
            return "Download the four MNIST files (train-images-idx3-ubyte.gz and the others) into DIR/mnist/ and pass --data-dir DIR or set FLOWGAN_DATA=DIR."
        case .fashionMNIST:
            return "Install it with 'apt-get install dataset-fashion-mnist' (it goes to /usr/share/datasets/fashion-mnist)."
        case .cifar10:
            return "Download the CIFAR-10 binary version, unpack it into DIR/cifar-10-batches-bin/ and pass --data-dir DIR or set FLOWGAN_DATA=DIR."
        }
    }
}

/// Where data sets are looked for, in order: an explicit directory (`--data-dir`), then
/// `$FLOWGAN_DATA`, then `./Data`, then Debian's `/usr/share/datasets`.
public struct DataSearch {
    public let directories: [String]

    public init(explicitDirectory: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        var dirs: [String] = []
        if let explicitDirectory { dirs.append(explicitDirectory) }
        if let env = environment["FLOWGAN_DATA"], !env.isEmpty { dirs.append(env) }
        dirs.append("Data")
        dirs.append("/usr/share/datasets")
        directories = dirs
    }

    /// The path of `file` of `dataset`, plain or gzip-compressed, in the first directory
    /// that has all of the data set's files; nil when none has them.
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

    /// The folder of `dataset`, or an error that lists where it looked and how to get it.
    public func require(_ dataset: DatasetName) throws -> String {
        guard let folder = folder(for: dataset) else {
            throw DataError.notFound(dataset: dataset.displayName,
                                     searched: directories.map { ($0 as NSString).appendingPathComponent(dataset.folder) },
                                     hint: dataset.hint)
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

    /// Loads a data set with the recipe's splits:
    /// MNIST and Fashion-MNIST: train = the first 50,000 training images, validation = the
    /// last 10,000, test = the 10,000 test images. CIFAR-10: validation = the first 500
    /// images of each class in the training batches, train = the other 45,000.
    public static func load(_ name: DatasetName, search: DataSearch) throws -> DatasetSplits {
        let folder = try search.require(name)
        func path(_ file: String) -> String { DataSearch.existing(folder, file)! }
        switch name {
        case .mnist, .fashionMNIST:
            let training = try IDX.readImages(images: path("train-images-idx3-ubyte"), labels: path("train-labels-idx1-ubyte"))
            let test = try IDX.readImages(images: path("t10k-images-idx3-ubyte"), labels: path("t10k-labels-idx1-ubyte"))
            let split = max(0, training.count - 10_000)
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
