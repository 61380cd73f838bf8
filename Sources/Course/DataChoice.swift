import Foundation
import Datasets

/// The image data a chapter trains on: MNIST (shipped in ./Data) when the data search
/// finds it; with no folder named and no MNIST, Fashion-MNIST (Debian's
/// dataset-fashion-mnist), announced in one line. A data set named with --dataset, and
/// MNIST in a folder named with --data-dir or FLOWGAN_DATA, must be found.
public func loadImageData(explicit: DatasetName?, search: DataSearch) throws -> DatasetSplits {
    if let explicit {
        return try DatasetSplits.load(explicit, search: search)
    }
    if search.folder(for: .mnist) != nil {
        return try DatasetSplits.load(.mnist, search: search)
    }
    // A folder the user named must hold the data set asked for (MNIST unless --dataset
    // says otherwise): no quiet switch to another data set.
    if search.named == nil, search.folder(for: .fashionMNIST) != nil {
        note("MNIST not found (looked in \(search.directories.map { $0 + "/mnist" }.joined(separator: ", "))); using Fashion-MNIST instead.")
        return try DatasetSplits.load(.fashionMNIST, search: search)
    }
    // Neither: the error names MNIST, the paper's data, and how to get it.
    return try DatasetSplits.load(.mnist, search: search)
}

