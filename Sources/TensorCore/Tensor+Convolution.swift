import CBLAS

// Two-dimensional convolution (cross-correlation, as in every deep-learning library) of
// NCHW images, computed as im2col followed by sgemm: one product for the whole batch
// when the caller already holds its im2col matrix, otherwise slice by slice of images
// (the end of this file).
//
// With input x [N, C, H, W], weight w [O, C, kh, kw], stride s and zero padding p, the
// output is y [N, O, Ho, Wo] with Ho = (H + 2p - kh) / s + 1 (likewise Wo) and
//   y[n, o, i, j] = sum_{c, a, b} w[o, c, a, b] · x[n, c, s·i + a - p, s·j + b - p].
// The two adjoints of this bilinear map, with respect to x and to w, are the
// "transposed convolutions" its gradients need.

/// The geometry of one convolution.
public struct ConvolutionGeometry: Equatable {
    public let batch, inChannels, height, width: Int
    public let outChannels, kernelHeight, kernelWidth: Int
    public let stride, padding: Int

    public var outHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Rows of the im2col matrix: one per (channel, kernel row, kernel column).
    public var patchSize: Int { inChannels * kernelHeight * kernelWidth }
    /// Columns of the im2col matrix: one per (image, output row, output column).
    public var columnCount: Int { batch * outHeight * outWidth }

    public var inputShape: [Int] { [batch, inChannels, height, width] }
    public var weightShape: [Int] { [outChannels, inChannels, kernelHeight, kernelWidth] }
    public var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }

    public init(input: [Int], weight: [Int], stride: Int, padding: Int) {
        precondition(input.count == 4 && weight.count == 4 && input[1] == weight[1],
                     "conv2d: input \(input) and weight \(weight) do not fit (NCHW, OCkk)")
        precondition(stride > 0 && padding >= 0, "conv2d: stride \(stride), padding \(padding)")
        batch = input[0]; inChannels = input[1]; height = input[2]; width = input[3]
        outChannels = weight[0]; kernelHeight = weight[2]; kernelWidth = weight[3]
        self.stride = stride; self.padding = padding
        precondition(height + 2 * padding >= kernelHeight && width + 2 * padding >= kernelWidth,
                     "conv2d: kernel \(weight) larger than padded input \(input)")
    }
}

extension Tensor {
    /// The im2col matrix [patchSize, columnCount] of the NCHW batch `x` for a convolution
    /// with weights of shape `weightShape`: what `conv2d` and `conv2dTransposeWeight`
    /// multiply, so a caller that needs both (a convolution and its weight gradient) can
    /// build it once and pass it to each as `columns`.
    public static func convolutionColumns(_ x: Tensor, weightShape: [Int], stride: Int, padding: Int) -> Tensor {
        im2col(x, ConvolutionGeometry(input: x.shape, weight: weightShape, stride: stride, padding: padding))
    }

    /// The im2col matrix [patchSize, columnCount] of an NCHW batch.
    static func im2col(_ x: Tensor, _ g: ConvolutionGeometry) -> Tensor {
        let col = Tensor(uninitializedShape: [g.patchSize, g.columnCount])
        im2col(x, g, images: 0..<g.batch, into: col.storage.pointer)
        return col
    }

    /// The im2col matrix [patchSize, images.count · Ho · Wo] of the images `images` of an
    /// NCHW batch, written to `dst` with rows `leading` floats apart (nil: packed).
    static func im2col(_ x: Tensor, _ g: ConvolutionGeometry, images: Range<Int>, into dst: UnsafeMutablePointer<Float>,
                       leading: Int? = nil) {
        let src = x.storage.pointer
        let ho = g.outHeight, wo = g.outWidth, h = g.height, w = g.width, stride = g.stride
        let perImage = ho * wo, columnCount = leading ?? images.count * perImage
        parallelChunks(g.patchSize, grain: max(1, (1 << 15) / max(columnCount, 1))) { rows in
            for r in rows {
                let c = r / (g.kernelHeight * g.kernelWidth)
                let a = (r / g.kernelWidth) % g.kernelHeight
                let b = r % g.kernelWidth
                // Output columns j read input column j·stride + b - padding; those in
                // [first, end) fall inside the image, the rest read the zero padding.
                let offset = b - g.padding
                let first = min(wo, max(0, (-offset + g.stride - 1) / g.stride))
                let end = max(first, min(wo, (w - offset + g.stride - 1) / g.stride))
                for n in images {
                    let plane = src + (n * g.inChannels + c) * h * w
                    let out = dst + r * columnCount + (n - images.lowerBound) * perImage
                    for i in 0..<ho {
                        let y = i * g.stride + a - g.padding
                        let row = out + i * wo
                        if y < 0 || y >= h {
                            row.update(repeating: 0, count: wo)
                            continue
                        }
                        let line = plane + y * w + offset
                        for j in 0..<first { row[j] = 0 }
                        if stride == 1 {
                            (row + first).update(from: line + first, count: end - first)
                        } else {
                            var source = line + first * stride
                            for j in first..<end { row[j] = source.pointee; source += stride }
                        }
                        for j in end..<wo { row[j] = 0 }
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: adds every column entry back into the image it came from.
    static func col2im(_ col: Tensor, _ g: ConvolutionGeometry) -> Tensor {
        let x = Tensor(zeros: g.inputShape)
        col2im(col.storage.pointer, g, images: 0..<g.batch, addingInto: x.storage.pointer)
        return x
    }

    /// Adds the columns `src` [patchSize, images.count · Ho · Wo] (rows `leading` floats
    /// apart; nil: packed) of the images `images` back into those images of the NCHW
    /// batch at `dst`.
    static func col2im(_ src: UnsafePointer<Float>, _ g: ConvolutionGeometry, images: Range<Int>,
                       addingInto dst: UnsafeMutablePointer<Float>, leading: Int? = nil) {
        let ho = g.outHeight, wo = g.outWidth, h = g.height, w = g.width, stride = g.stride
        let perImage = ho * wo, columnCount = leading ?? images.count * perImage
        let kk = g.kernelHeight * g.kernelWidth
        // Split by image plane (n, c): different planes are written by disjoint rows of
        // columns, so the split needs no locks, and works for one-channel images too.
        // Within a plane the kernel offsets r are added in increasing order.
        parallelChunks(images.count * g.inChannels, grain: max(1, (1 << 15) / max(kk * perImage, 1))) { planes in
            for q in planes {
                let n = images.lowerBound + q / g.inChannels, c = q % g.inChannels
                let plane = dst + (n * g.inChannels + c) * h * w
                for r in (c * kk)..<((c + 1) * kk) {
                    let a = (r / g.kernelWidth) % g.kernelHeight
                    let b = r % g.kernelWidth
                    // Output column j lands on input column j·stride + offset; those in
                    // [first, end) fall inside the image (as in im2col).
                    let offset = b - g.padding
                    let first = min(wo, max(0, (-offset + stride - 1) / stride))
                    let end = max(first, min(wo, (w - offset + stride - 1) / stride))
                    let input = src + r * columnCount + (n - images.lowerBound) * perImage
                    for i in 0..<ho {
                        let y = i * stride + a - g.padding
                        if y < 0 || y >= h { continue }
                        let line = plane + y * w + offset, values = input + i * wo
                        if stride == 1 {
                            // Contiguous on both sides: a loop the compiler vectorises
                            // (a profile of Real NVP's step had the strided one at 13%).
                            let target = line + first, source = values + first
                            for j in 0..<(end - first) { target[j] += source[j] }
                        } else {
                            for j in first..<end { line[j * stride] += values[j] }
                        }
                    }
                }
            }
        }
    }

    /// y = conv2d(x, w): x [N, C, H, W], w [O, C, kh, kw] -> [N, O, Ho, Wo]. `columns`,
    /// when given, is x's `convolutionColumns` for this geometry, and the product is one
    /// sgemm over the whole batch; without it the batch goes through in slices of images
    /// (`slicedConv2d`), which gives the same numbers without the batch's im2col matrix.
    public static func conv2d(_ x: Tensor, _ w: Tensor, stride: Int = 1, padding: Int = 0,
                              columns: Tensor? = nil) -> Tensor {
        let g = ConvolutionGeometry(input: x.shape, weight: w.shape, stride: stride, padding: padding)
        guard let col = columns else { return slicedConv2d(x, w, stride: stride, padding: padding) }
        checkSameShape(col.shape, [g.patchSize, g.columnCount], "conv2d columns")
        // [O, patch] · [patch, N·P] -> [O, N·P], then reorder to [N, O, P].
        let y = matmul(w.reshaped([g.outChannels, g.patchSize]), col)
        return y.reshaped([g.outChannels, g.batch, g.outHeight * g.outWidth])
            .permuted([1, 0, 2]).reshaped(g.outputShape)
    }

    /// The adjoint of conv2d in its input: given dy [N, O, Ho, Wo] and w, the dx with
    /// <conv2d(x, w), dy> = <x, dx> for every x (a transposed convolution).
    public static func conv2dTransposeInput(_ dy: Tensor, _ w: Tensor, inputShape: [Int],
                                            stride: Int, padding: Int) -> Tensor {
        let g = ConvolutionGeometry(input: inputShape, weight: w.shape, stride: stride, padding: padding)
        checkSameShape(dy.shape, g.outputShape, "conv2dTransposeInput")
        let dyMatrix = dy.reshaped([g.batch, g.outChannels, g.outHeight * g.outWidth])
            .permuted([1, 0, 2]).reshaped([g.outChannels, g.columnCount])
        let dcol = matmul(w.reshaped([g.outChannels, g.patchSize]), dyMatrix, transposeA: true)
        return col2im(dcol, g)
    }

    /// The adjoint of conv2d in its weight: given x and dy, the dw with
    /// <conv2d(x, w), dy> = <w, dw> for every w. `columns`, when given, is x's
    /// `convolutionColumns` for this geometry.
    public static func conv2dTransposeWeight(_ x: Tensor, _ dy: Tensor, weightShape: [Int],
                                             stride: Int, padding: Int, columns: Tensor? = nil) -> Tensor {
        let g = ConvolutionGeometry(input: x.shape, weight: weightShape, stride: stride, padding: padding)
        checkSameShape(dy.shape, g.outputShape, "conv2dTransposeWeight")
        let dyMatrix = dy.reshaped([g.batch, g.outChannels, g.outHeight * g.outWidth])
            .permuted([1, 0, 2]).reshaped([g.outChannels, g.columnCount])
        let col = columns ?? im2col(x, g)
        checkSameShape(col.shape, [g.patchSize, g.columnCount], "conv2dTransposeWeight columns")
        return matmul(dyMatrix, col, transposeB: true).reshaped(weightShape)
    }

    // The sliced convolution. The im2col matrix of a whole batch is large (Real NVP's 3x3
    // convolutions of 32 channels at 28x28 make 288 x 78,400 floats, 90 MB, for 100
    // images), so building it, multiplying by it and keeping it for the weight gradient
    // runs at the speed of memory, not of the cores. Here the batch goes through in
    // slices of a few images whose columns (about 4 MB) stay in cache between im2col and
    // sgemm, and the backward pass builds each slice's columns again instead of keeping
    // them. Each output column is the same dot product as in the whole-batch product; the
    // weight gradient sums over slices in order, which can round differently from one
    // product over the batch (chapter 05's critic gave identical bytes, Real NVP's
    // chapter 03 run differed in the 7th digit; the tests compare both paths with the
    // direct loops).

    /// Images per slice: columns of about a million floats (4 MB), at least one image. On
    /// Real NVP's 3x3 convolutions (AMD EPYC Zen 4, 2 cores) a quarter or a sixteenth of
    /// that, or four times it, measured slower (forward and backward together).
    static func sliceImages(_ g: ConvolutionGeometry) -> Int {
        max(1, min(g.batch, (1 << 20) / max(g.patchSize * g.outHeight * g.outWidth, 1)))
    }

    /// conv2d(x, w) slice by slice: per slice, im2col, one sgemm [O, patch] · [patch,
    /// images · P], and the result put in NCHW order. `slice` images per slice (nil: as
    /// many as fill about a million floats of columns; the tests choose small ones).
    public static func slicedConv2d(_ x: Tensor, _ w: Tensor, stride: Int, padding: Int, slice: Int? = nil) -> Tensor {
        let g = ConvolutionGeometry(input: x.shape, weight: w.shape, stride: stride, padding: padding)
        let slice = max(1, min(g.batch, slice ?? sliceImages(g)))
        let perImage = g.outHeight * g.outWidth, leading = slice * perImage
        let y = Tensor(uninitializedShape: g.outputShape)
        let columns = Tensor(uninitializedShape: [g.patchSize, leading])
        let product = Tensor(uninitializedShape: [g.outChannels, leading])
        BLASThreads.configure()
        for first in Swift.stride(from: 0, to: g.batch, by: slice) {
            let images = first..<min(g.batch, first + slice)
            im2col(x, g, images: images, into: columns.storage.pointer, leading: leading)
            // product = w · columns
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(g.outChannels), Int32(images.count * perImage),
                        Int32(g.patchSize), 1, w.storage.pointer, Int32(g.patchSize), columns.storage.pointer, Int32(leading),
                        0, product.storage.pointer, Int32(leading))
            copyPlanes(y.storage.pointer, product.storage.pointer, images: images, channels: g.outChannels,
                       perImage: perImage, leading: leading, toMatrix: false)
        }
        return y
    }

    /// The two adjoints of conv2d at once, slice by slice: dx = conv2dTransposeInput(dy, w)
    /// when `input`, dw = conv2dTransposeWeight(x, dy) when `weight`. Per slice: dy's
    /// images in [O, images · P] order, x's columns rebuilt, dw += dy · columnsᵀ, and
    /// col2im(wᵀ · dy) added into dx. `slice` as in `slicedConv2d`.
    public static func conv2dAdjoints(_ x: Tensor, _ w: Tensor, _ dy: Tensor, stride: Int, padding: Int,
                                      input: Bool, weight: Bool, slice: Int? = nil) -> (input: Tensor?, weight: Tensor?) {
        let g = ConvolutionGeometry(input: x.shape, weight: w.shape, stride: stride, padding: padding)
        checkSameShape(dy.shape, g.outputShape, "conv2dAdjoints")
        let slice = max(1, min(g.batch, slice ?? sliceImages(g)))
        let perImage = g.outHeight * g.outWidth, leading = slice * perImage
        let dx = input ? Tensor(zeros: g.inputShape) : nil
        let dw = weight ? Tensor(zeros: [g.outChannels, g.patchSize]) : nil
        let gradient = Tensor(uninitializedShape: [g.outChannels, leading])
        let columns = Tensor(uninitializedShape: [g.patchSize, leading])   // x's, or dy's back-projection
        BLASThreads.configure()
        for first in Swift.stride(from: 0, to: g.batch, by: slice) {
            let images = first..<min(g.batch, first + slice)
            let used = images.count * perImage
            copyPlanes(dy.storage.pointer, gradient.storage.pointer, images: images, channels: g.outChannels,
                       perImage: perImage, leading: leading, toMatrix: true)
            if let dw {
                // dw += gradient · columnsᵀ
                im2col(x, g, images: images, into: columns.storage.pointer, leading: leading)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(g.outChannels), Int32(g.patchSize), Int32(used),
                            1, gradient.storage.pointer, Int32(leading), columns.storage.pointer, Int32(leading),
                            1, dw.storage.pointer, Int32(g.patchSize))
            }
            if let dx {
                // columns = wᵀ · gradient, then added back into the slice's images
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(g.patchSize), Int32(used), Int32(g.outChannels),
                            1, w.storage.pointer, Int32(g.patchSize), gradient.storage.pointer, Int32(leading),
                            0, columns.storage.pointer, Int32(leading))
                col2im(columns.storage.pointer, g, images: images, addingInto: dx.storage.pointer, leading: leading)
            }
        }
        return (dx, dw?.reshaped(w.shape))
    }

    /// Moves a slice between the batch's NCHW order, [N, channels, P] at `batch`, and the
    /// products' order, [channels, images · P] with rows `leading` floats apart at
    /// `matrix`: into the matrix when `toMatrix`, back into the batch otherwise.
    static func copyPlanes(_ batch: UnsafeMutablePointer<Float>, _ matrix: UnsafeMutablePointer<Float>, images: Range<Int>,
                           channels: Int, perImage: Int, leading: Int, toMatrix: Bool) {
        parallelChunks(images.count * channels, grain: max(1, (1 << 14) / perImage)) { planes in
            for q in planes {
                let i = q / channels, c = q % channels
                let plane = batch + ((images.lowerBound + i) * channels + c) * perImage
                let row = matrix + c * leading + i * perImage
                if toMatrix { row.update(from: plane, count: perImage) } else { plane.update(from: row, count: perImage) }
            }
        }
    }
}
