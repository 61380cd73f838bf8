import Foundation
import Testing
import TestSupport
import TensorCore
import Datasets

/// The IDX reader against files written byte by byte from LeCun's description of the
/// format, plain and gzip-compressed, and against every kind of damage a download can do.
@Suite("IDX files (MNIST format)")
struct IDXTests {
    /// Three 4 x 5 images whose pixel k of image n is (37 n + 11 k) mod 256 (so a pixel
    /// in the wrong place shows), except a 255 at the start of image 2; labels 7, 0, 9.
    static let imageCount = 3, rows = 4, columns = 5
    static let pixels: [UInt8] = (0..<(imageCount * rows * columns)).map { index in
        let (n, k) = (index / (rows * columns), index % (rows * columns))
        return n == 2 && k == 0 ? 255 : UInt8((37 * n + 11 * k) % 256)
    }
    static let labels: [UInt8] = [7, 0, 9]
    static let imageFile = idxFile(sizes: [UInt32(imageCount), UInt32(rows), UInt32(columns)], data: pixels)
    static let labelFile = idxFile(sizes: [UInt32(imageCount)], data: labels)

    /// Checks that `set` holds exactly `pixels` / 255 and `labels`.
    static func expectContents(_ set: LabelledImages, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(set.images.shape == [imageCount, 1, rows, columns], sourceLocation: sourceLocation)
        #expect(set.labels == labels.map(Int.init), sourceLocation: sourceLocation)
        let values = set.images.values
        #expect(values.count == pixels.count, sourceLocation: sourceLocation)
        for (value, byte) in zip(values, pixels) where value != Float(byte) / 255 {
            Issue.record("pixel \(value) where \(byte)/255 was written", sourceLocation: sourceLocation)
            return
        }
    }

    @Test("a plain file reads back with pixels / 255 and its labels")
    func plain() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let images = try scratch.write(Self.imageFile, to: "images-idx3-ubyte")
        let labels = try scratch.write(Self.labelFile, to: "labels-idx1-ubyte")
        Self.expectContents(try IDX.readImages(images: images, labels: labels))
        // The header's sizes and the raw bytes, straight from `read`.
        let (sizes, data) = try IDX.read(images, expectedDimensions: 3)
        #expect(sizes == [3, 4, 5])
        #expect(Array(data) == Self.pixels)
        // Values a 0 and a 255 byte give exactly.
        let set = try IDX.readImages(images: images, labels: labels)
        #expect(set.images[0, 0, 0, 0] == 0)
        #expect(set.images[2, 0, 0, 0] == 1)
    }

    @Test("a gzip-compressed file (compressed by the gzip program) reads the same")
    func compressed() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let compressedImages = try gzipped(Self.imageFile)
        #expect(compressedImages.prefix(2) == [0x1f, 0x8b], "gzip magic")
        let images = try scratch.write(compressedImages, to: "images-idx3-ubyte.gz")
        let labels = try scratch.write(try gzipped(Self.labelFile), to: "labels-idx1-ubyte.gz")
        Self.expectContents(try IDX.readImages(images: images, labels: labels))
        #expect(try readPossiblyCompressedFile(images) == Self.imageFile)
    }

    @Test("a missing file is DataError.missing naming the path")
    func missing() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("no-such-file-idx3-ubyte")
        let error = dataError { _ = try IDX.read(path, expectedDimensions: 3) }
        #expect(error == .missing(path: path))
        #expect(error?.description.contains(path) == true)
    }

    @Test("a folder where a file should be is an error, not a crash")
    func folderInsteadOfFile() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let folder = scratch.file("train-images-idx3-ubyte")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        #expect(dataError { _ = try IDX.read(folder, expectedDimensions: 3) } != nil)
    }

    /// Writes `bytes` and returns the error reading them as an IDX file of `dimensions`.
    static func readError(_ bytes: [UInt8], dimensions: Int = 3,
                          sourceLocation: SourceLocation = #_sourceLocation) throws -> (DataError?, String) {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = try scratch.write(bytes, to: "file-idx-ubyte")
        return (dataError({ _ = try IDX.read(path, expectedDimensions: dimensions) }, sourceLocation: sourceLocation), path)
    }

    @Test("a wrong magic number is malformed", arguments: [
        [0x00, 0x00, 0x09, 0x03] as [UInt8],   // signed bytes, not unsigned
        [0x08, 0x00, 0x00, 0x03],
        [0x01, 0x00, 0x08, 0x03],
        [0x89, 0x50, 0x4e, 0x47],              // a PNG signature
    ])
    func wrongMagic(_ magic: [UInt8]) throws {
        let (error, path) = try Self.readError(magic + Array(Self.imageFile.dropFirst(4)))
        #expect(error?.kind == "malformed")
        #expect(error?.description.contains(path) == true)
    }

    @Test("fewer than four bytes is malformed, not an out-of-range read", arguments: [0, 1, 3])
    func shorterThanMagic(_ length: Int) throws {
        let (error, _) = try Self.readError(Array(Self.imageFile.prefix(length)))
        #expect(error?.kind == "malformed")
    }

    @Test("a file with the wrong number of dimensions is malformed")
    func wrongDimensions() throws {
        // A label file (1 dimension) where images (3) are expected, and the reverse.
        let (asImages, _) = try Self.readError(Self.labelFile, dimensions: 3)
        #expect(asImages?.kind == "malformed")
        let (asLabels, _) = try Self.readError(Self.imageFile, dimensions: 1)
        #expect(asLabels?.kind == "malformed")
        // A 4-dimensional file.
        let fourD = idxFile(sizes: [1, 2, 2, 2], data: [UInt8](repeating: 1, count: 8))
        let (error, _) = try Self.readError(fourD, dimensions: 3)
        #expect(error?.kind == "malformed")
    }

    @Test("a header cut short is malformed", arguments: [4, 5, 8, 12, 15])
    func headerCutShort(_ length: Int) throws {
        let (error, _) = try Self.readError(Array(Self.imageFile.prefix(length)))
        #expect(error?.kind == "malformed")
    }

    @Test("truncated data is DataError.truncated with the expected and actual byte counts")
    func truncatedData() throws {
        let cut = Self.imageFile.count - 7
        let (error, path) = try Self.readError(Array(Self.imageFile.prefix(cut)))
        #expect(error == .truncated(path: path, expectedBytes: 60, actualBytes: 53))
        // Header only: nothing of the 60 bytes.
        let (headerOnly, headerPath) = try Self.readError(Array(Self.imageFile.prefix(16)))
        #expect(headerOnly == .truncated(path: headerPath, expectedBytes: 60, actualBytes: 0))
    }

    @Test("bytes beyond what the header announces are malformed")
    func trailingBytes() throws {
        let (error, _) = try Self.readError(Self.imageFile + [0])
        #expect(error?.kind == "malformed")
        let (labels, _) = try Self.readError(Self.labelFile + [1, 2, 3], dimensions: 1)
        #expect(labels?.kind == "malformed")
    }

    @Test("absurd sizes are refused before any allocation", arguments: [
        [0x7fff_ffff, 28, 28] as [UInt32],
        [0xffff_ffff, 28, 28],
        [10, 0x7fff_ffff, 28],
        [10, 28, 0xffff_ffff],
        [10, 0, 28],                    // an empty row size
        [100_000_000, 10_000, 10_000],  // at the limits: 10^16 bytes announced
    ])
    func absurdSizes(_ sizes: [UInt32]) throws {
        let (error, _) = try Self.readError(idxFile(sizes: sizes, data: [UInt8](repeating: 0, count: 64)))
        #expect(error?.kind == "malformed" || error?.kind == "truncated")
        if sizes[0] > 100_000_000 || sizes.dropFirst().contains(where: { $0 == 0 || $0 > 10_000 }) {
            #expect(error?.kind == "malformed")
        }
    }

    @Test("a label file whose count differs from the image file's is malformed")
    func labelCountMismatch() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let images = try scratch.write(Self.imageFile, to: "images")
        let labels = try scratch.write(idxFile(sizes: [2], data: [1, 2]), to: "labels")
        let error = dataError { _ = try IDX.readImages(images: images, labels: labels) }
        #expect(error?.kind == "malformed")
        #expect(error?.description.contains(labels) == true)
    }

    @Test("a label above 9 is malformed", arguments: [10, 255] as [UInt8])
    func labelOutOfRange(_ label: UInt8) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let images = try scratch.write(Self.imageFile, to: "images")
        let labels = try scratch.write(idxFile(sizes: [3], data: [1, label, 2]), to: "labels")
        let error = dataError { _ = try IDX.readImages(images: images, labels: labels) }
        #expect(error?.kind == "malformed")
    }

    @Test("a gzip stream cut in half is an error, not a short file")
    func truncatedGzip() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // Incompressible content, so that half the stream is half the data.
        var random = SplitMix64(state: 17)
        let big = idxFile(sizes: [50, 20, 20], data: (0..<20_000).map { _ in random.nextByte() })
        let compressed = try gzipped(big)
        for cut in [compressed.count / 2, compressed.count - 4, compressed.count - 1] {
            let path = try scratch.write(Array(compressed.prefix(cut)), to: "cut-\(cut).gz")
            let error = dataError { _ = try IDX.read(path, expectedDimensions: 3) }
            #expect(error?.kind == "malformed" || error?.kind == "truncated", "cut at \(cut) of \(compressed.count)")
            let raw = dataError { _ = try readPossiblyCompressedFile(path) }
            #expect(raw?.kind == "malformed", "cut at \(cut): the raw read must fail too")
        }
    }

    @Test("a gzip bomb (256 MiB of zeros in a 260 KB file after a header that announces 8 bytes) is refused at the ninth byte")
    func gzipBomb() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // gzip members may be concatenated and zlib reads them as one stream: the IDX file
        // of 2 x 2 x 2 bytes, then 256 members of 1 MiB of zeros each.
        let zeros = try gzipped([UInt8](repeating: 0, count: 1 << 20))
        let header = try gzipped(idxFile(sizes: [2, 2, 2], data: [1, 2, 3, 4, 5, 6, 7, 8]))
        let path = try scratch.write(header + Array((0..<256).map { _ in zeros }.joined()), to: "bomb-idx3-ubyte.gz")
        let started = Date()
        let error = dataError { _ = try IDX.read(path, expectedDimensions: 3) }
        #expect(error == .malformed(path: path, reason: "more bytes than the 8 its header announces; reading stopped there"))
        #expect(error.map { "\($0)" }?.contains("\n") == false)
        // Inflating 256 MiB takes a second or more; the header and nine bytes take far less.
        #expect(Date().timeIntervalSince(started) < 0.5)
        // The same file without the bomb reads.
        let plain = try scratch.write(header, to: "plain-idx3-ubyte.gz")
        #expect(try IDX.read(plain, expectedDimensions: 3).data.elementsEqual([1, 2, 3, 4, 5, 6, 7, 8]))
        // A raw read with a limit stops there too (as CIFAR-10's batches are read).
        let limited = dataError { _ = try readPossiblyCompressedFile(path, limit: 1000, whatLimits: "a test allows") }
        #expect(limited == .malformed(path: path, reason: "it holds more than the 1000 bytes a test allows; reading stopped there"))
        // The limit is inclusive: the 24 bytes of the plain file read under a limit of 24, not 23.
        #expect(try readPossiblyCompressedFile(plain, limit: 24, whatLimits: "a test allows") == idxFile(sizes: [2, 2, 2], data: [1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(dataError { _ = try readPossiblyCompressedFile(plain, limit: 23, whatLimits: "a test allows") }?.kind == "malformed")
    }

    @Test("a gzip stream with a corrupted body fails its check")
    func corruptGzip() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        var compressed = try gzipped(Self.imageFile)
        // The last 8 bytes are CRC-32 and length; spoil the CRC.
        compressed[compressed.count - 6] ^= 0xff
        let path = try scratch.write(compressed, to: "bad-crc.gz")
        let error = dataError { _ = try readPossiblyCompressedFile(path) }
        #expect(error?.kind == "malformed")
    }

    @Test("hundreds of random mutations, plain and gzipped, parse or throw a DataError",
          arguments: [false, true])
    func mutationsNeverCrash(compressed: Bool) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let goodImages = try scratch.write(Self.imageFile, to: "images")
        let goodLabels = try scratch.write(Self.labelFile, to: "labels")
        let imageOriginal = compressed ? try gzipped(Self.imageFile) : Self.imageFile
        let labelOriginal = compressed ? try gzipped(Self.labelFile) : Self.labelFile
        var outcomes: [String: Int] = [:]
        for (index, mutated) in mutations(of: imageOriginal, count: 200, seed: compressed ? 2 : 1).enumerated() {
            let path = try scratch.write(mutated, to: "image-mutant-\(index)")
            do {
                let set = try IDX.readImages(images: path, labels: goodLabels)
                // What parses must be self-consistent.
                #expect(set.images.shape == [3, 1, set.images.shape[2], set.images.shape[3]])
                #expect(set.images.values.allSatisfy { $0 >= 0 && $0 <= 1 })
                outcomes["parsed", default: 0] += 1
            } catch let error as DataError {
                outcomes[error.kind, default: 0] += 1
            } catch {
                Issue.record("image mutant \(index): \(error) is not a DataError")
            }
        }
        for (index, mutated) in mutations(of: labelOriginal, count: 100, seed: compressed ? 4 : 3).enumerated() {
            let path = try scratch.write(mutated, to: "label-mutant-\(index)")
            do {
                let set = try IDX.readImages(images: goodImages, labels: path)
                #expect(set.labels.count == 3 && set.labels.allSatisfy { (0...9).contains($0) })
                outcomes["parsed", default: 0] += 1
            } catch let error as DataError {
                outcomes[error.kind, default: 0] += 1
            } catch {
                Issue.record("label mutant \(index): \(error) is not a DataError")
            }
        }
        // Most mutations must be caught.
        #expect(outcomes.filter { $0.key != "parsed" }.values.reduce(0, +) > 150, "\(outcomes)")
    }
}
