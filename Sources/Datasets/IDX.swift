import TensorCore

/// A set of images with labels, pixels scaled to [0, 1], stored as [N, C, H, W].
public struct LabelledImages {
    public var images: Tensor
    public var labels: [Int]
    public var count: Int { labels.count }
    public var imageShape: [Int] { Array(images.shape.dropFirst()) }
    public var dimension: Int { imageShape.reduce(1, *) }

    public init(images: Tensor, labels: [Int]) {
        precondition(images.shape[0] == labels.count, "\(images.shape[0]) images with \(labels.count) labels")
        self.images = images
        self.labels = labels
    }

    /// The images with index in `range`.
    public func slice(_ range: Range<Int>) -> LabelledImages {
        LabelledImages(images: images.slice(range, alongAxis: 0), labels: Array(labels[range]))
    }

    /// The images at the given indices, in that order (a minibatch).
    public func gather(_ indices: [Int]) -> LabelledImages {
        let d = dimension
        var out = Tensor(uninitializedShape: [indices.count] + imageShape)
        let src = images.unsafeReadPointer, dst = out.unsafeWritePointer()
        for (row, i) in indices.enumerated() { (dst + row * d).update(from: src + i * d, count: d) }
        return LabelledImages(images: out, labels: indices.map { labels[$0] })
    }
}

/// The IDX format of MNIST and Fashion-MNIST (LeCun et al.): a big-endian magic number
/// 0x0000 08 DD (08 = unsigned bytes, DD = number of dimensions), DD big-endian 32-bit
/// sizes, then the bytes in row-major order.
public enum IDX {
    /// Reads an IDX file of unsigned bytes (optionally gzip-compressed): its sizes and data.
    /// The header is read first, and no more than the bytes it announces (and one to tell
    /// that there are more) are decompressed: a gzip bomb is refused, not inflated.
    public static func read(_ path: String, expectedDimensions: Int) throws -> (sizes: [Int], data: ArraySlice<UInt8>) {
        let file = try CompressedFileReader(path)
        let magic = try file.read(upTo: 4)
        guard magic.count == 4 else {
            throw DataError.malformed(path: path, reason: "\(magic.count) bytes, shorter than the 4-byte magic number")
        }
        guard magic[0] == 0, magic[1] == 0, magic[2] == 0x08 else {
            let hex = magic.map { String(format2: $0) }.joined()
            throw DataError.malformed(path: path, reason: "magic number 0x\(hex) is not that of an IDX file of unsigned bytes (0x000008..)")
        }
        let dimensions = Int(magic[3])
        guard dimensions == expectedDimensions else {
            throw DataError.malformed(path: path, reason: "\(dimensions) dimensions, expected \(expectedDimensions)")
        }
        let sizeBytes = try file.read(upTo: 4 * dimensions)
        guard sizeBytes.count == 4 * dimensions else {
            throw DataError.malformed(path: path, reason: "header cut short at \(4 + sizeBytes.count) bytes")
        }
        var sizes: [Int] = []
        for d in 0..<dimensions {
            let o = 4 * d
            sizes.append(Int(sizeBytes[o]) << 24 | Int(sizeBytes[o + 1]) << 16 | Int(sizeBytes[o + 2]) << 8 | Int(sizeBytes[o + 3]))
        }
        // Sizes are 32-bit; anything above 100 million items or 10,000 pixels a side is
        // not an image data set and would only make us allocate absurd amounts.
        guard sizes[0] <= 100_000_000, sizes.dropFirst().allSatisfy({ $0 > 0 && $0 <= 10_000 }) else {
            throw DataError.malformed(path: path, reason: "implausible sizes \(sizes)")
        }
        let expected = sizes.reduce(1, *)
        let data = try file.read(upTo: expected)
        guard data.count == expected else {
            throw DataError.truncated(path: path, expectedBytes: expected, actualBytes: data.count)
        }
        guard try file.atEnd() else {
            throw DataError.malformed(path: path, reason: "more bytes than the \(expected) its header announces; reading stopped there")
        }
        return (sizes, data[...])
    }

    /// Reads an image file ([N, rows, cols]) and its label file ([N]) into [N, 1, rows, cols]
    /// with pixels divided by 255.
    public static func readImages(images imagePath: String, labels labelPath: String) throws -> LabelledImages {
        let (sizes, pixels) = try read(imagePath, expectedDimensions: 3)
        let (labelSizes, labelBytes) = try read(labelPath, expectedDimensions: 1)
        guard labelSizes[0] == sizes[0] else {
            throw DataError.malformed(path: labelPath, reason: "\(labelSizes[0]) labels for the \(sizes[0]) images of \(imagePath)")
        }
        if let bad = labelBytes.first(where: { $0 > 9 }) {
            throw DataError.malformed(path: labelPath, reason: "label \(bad) outside 0...9")
        }
        var images = Tensor(uninitializedShape: [sizes[0], 1, sizes[1], sizes[2]])
        let dst = images.unsafeWritePointer()
        var i = 0
        for byte in pixels { dst[i] = Float(byte) / 255; i += 1 }
        return LabelledImages(images: images, labels: labelBytes.map(Int.init))
    }
}

extension String {
    /// Two lowercase hex digits.
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
