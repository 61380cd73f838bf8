import TensorCore

/// The binary version of CIFAR-10 (Krizhevsky 2009): each record is one label byte
/// (0-9) followed by 3072 pixel bytes, the red, green and blue 32x32 planes in turn.
/// Files: data_batch_1.bin ... data_batch_5.bin and test_batch.bin, 10,000 records each.
public enum CIFAR10 {
    public static let recordLength = 1 + 3 * 32 * 32

    /// Reads one batch file into [N, 3, 32, 32] with pixels divided by 255.
    public static func readBatch(_ path: String) throws -> LabelledImages {
        // No batch holds more than the whole data set: a gzip bomb stops there.
        let bytes = try readPossiblyCompressedFile(path, limit: 60_000 * recordLength,
                                                   whatLimits: "of the 60,000 records CIFAR-10 has in all")
        guard !bytes.isEmpty else { throw DataError.malformed(path: path, reason: "empty file") }
        guard bytes.count % recordLength == 0 else {
            let whole = bytes.count / recordLength
            throw DataError.truncated(path: path, expectedBytes: (whole + 1) * recordLength, actualBytes: bytes.count)
        }
        let n = bytes.count / recordLength
        var images = Tensor(uninitializedShape: [n, 3, 32, 32])
        let dst = images.unsafeWritePointer()
        var labels: [Int] = []
        labels.reserveCapacity(n)
        try bytes.withUnsafeBufferPointer { src in
            for r in 0..<n {
                let record = src.baseAddress! + r * recordLength
                guard record[0] <= 9 else {
                    throw DataError.malformed(path: path, reason: "record \(r) has label \(record[0]), outside 0...9")
                }
                labels.append(Int(record[0]))
                let out = dst + r * (recordLength - 1)
                for i in 0..<(recordLength - 1) { out[i] = Float(record[1 + i]) / 255 }
            }
        }
        return LabelledImages(images: images, labels: labels)
    }

    /// Concatenates batches (the five training batches into one set).
    public static func concatenate(_ parts: [LabelledImages]) -> LabelledImages {
        LabelledImages(images: Tensor.concatenate(parts.map(\.images), alongAxis: 0),
                       labels: parts.flatMap(\.labels))
    }
}
