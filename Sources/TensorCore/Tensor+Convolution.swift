// Two-dimensional convolution (cross-correlation, as in every deep-learning library) of
// NCHW images, computed as im2col followed by one sgemm for the whole batch.
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
        let src = x.storage.pointer, dst = col.storage.pointer
        let ho = g.outHeight, wo = g.outWidth, h = g.height, w = g.width, stride = g.stride
        let perImage = ho * wo
        parallelChunks(g.patchSize, grain: 4) { rows in
            for r in rows {
                let c = r / (g.kernelHeight * g.kernelWidth)
                let a = (r / g.kernelWidth) % g.kernelHeight
                let b = r % g.kernelWidth
                // Output columns j read input column j·stride + b - padding; those in
                // [first, end) fall inside the image, the rest read the zero padding.
                let offset = b - g.padding
                let first = min(wo, max(0, (-offset + g.stride - 1) / g.stride))
                let end = max(first, min(wo, (w - offset + g.stride - 1) / g.stride))
                for n in 0..<g.batch {
                    let plane = src + (n * g.inChannels + c) * h * w
                    let out = dst + r * g.columnCount + n * perImage
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
        return col
    }

    /// The adjoint of im2col: adds every column entry back into the image it came from.
    static func col2im(_ col: Tensor, _ g: ConvolutionGeometry) -> Tensor {
        let x = Tensor(zeros: g.inputShape)
        let src = col.storage.pointer, dst = x.storage.pointer
        let ho = g.outHeight, wo = g.outWidth, h = g.height, w = g.width, stride = g.stride
        let perImage = ho * wo
        let kk = g.kernelHeight * g.kernelWidth
        // Split by image plane (n, c): different planes are written by disjoint rows of
        // columns, so the split needs no locks, and works for one-channel images too.
        // Within a plane the kernel offsets r are added in increasing order.
        parallelChunks(g.batch * g.inChannels, grain: max(1, (1 << 15) / max(kk * perImage, 1))) { planes in
            for p in planes {
                let n = p / g.inChannels, c = p % g.inChannels
                let plane = dst + p * h * w
                for r in (c * kk)..<((c + 1) * kk) {
                    let a = (r / g.kernelWidth) % g.kernelHeight
                    let b = r % g.kernelWidth
                    // Output column j lands on input column j·stride + offset; those in
                    // [first, end) fall inside the image (as in im2col).
                    let offset = b - g.padding
                    let first = min(wo, max(0, (-offset + stride - 1) / stride))
                    let end = max(first, min(wo, (w - offset + stride - 1) / stride))
                    let input = src + r * g.columnCount + n * perImage
                    for i in 0..<ho {
                        let y = i * stride + a - g.padding
                        if y < 0 || y >= h { continue }
                        let line = plane + y * w + offset, values = input + i * wo
                        for j in first..<end { line[j * stride] += values[j] }
                    }
                }
            }
        }
        return x
    }

    /// y = conv2d(x, w): x [N, C, H, W], w [O, C, kh, kw] -> [N, O, Ho, Wo]. `columns`,
    /// when given, is x's `convolutionColumns` for this geometry.
    public static func conv2d(_ x: Tensor, _ w: Tensor, stride: Int = 1, padding: Int = 0,
                              columns: Tensor? = nil) -> Tensor {
        let g = ConvolutionGeometry(input: x.shape, weight: w.shape, stride: stride, padding: padding)
        let col = columns ?? im2col(x, g)
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
}
