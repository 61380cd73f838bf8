import TensorCore

/// Figures drawn pixel by pixel and written through libpng.
public enum ImageFigures {
    /// A grid of images [N, C, H, W] (C = 1 or 3, values in [0, 1]) with `columns` per row,
    /// each image surrounded by a `border`-pixel gray frame, magnified `scale` times.
    public static func grid(_ images: Tensor, columns: Int, border: Int = 1, scale: Int = 1) -> PixelImage {
        precondition(images.rank == 4 && (images.shape[1] == 1 || images.shape[1] == 3),
                     "grid needs [N, 1 or 3, H, W], got \(images.shape)")
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let rows = (n + columns - 1) / columns
        let cellW = w * scale + border, cellH = h * scale + border
        var image = PixelImage(width: columns * cellW + border, height: rows * cellH + border, channels: c, fill: 128)
        let src = images.unsafeReadPointer
        for k in 0..<n {
            let x0 = border + (k % columns) * cellW, y0 = border + (k / columns) * cellH
            for ch in 0..<c {
                for i in 0..<(h * scale) {
                    for j in 0..<(w * scale) {
                        let v = src[((k * c + ch) * h + i / scale) * w + j / scale]
                        let byte = UInt8((min(max(v, 0), 1) * 255).rounded())
                        image.pixels[((y0 + i) * image.width + x0 + j) * c + ch] = byte
                    }
                }
            }
        }
        return image
    }

    /// A heatmap of `values` [rows, columns] (row 0 drawn at the top) through the
    /// perceptually ordered colormap, scaled from `range` (default: min to max).
    public static func heatmap(_ values: Tensor, range: ClosedRange<Double>? = nil, scale: Int = 1) -> PixelImage {
        precondition(values.rank == 2, "heatmap needs a matrix, got \(values.shape)")
        let (rows, columns) = (values.shape[0], values.shape[1])
        let finite = values.values.filter(\.isFinite).map(Double.init)
        let low = range?.lowerBound ?? finite.min() ?? 0
        let high = range?.upperBound ?? finite.max() ?? 1
        var image = PixelImage(width: columns * scale, height: rows * scale, channels: 3)
        let p = values.unsafeReadPointer
        for i in 0..<(rows * scale) {
            for j in 0..<(columns * scale) {
                let v = Double(p[(i / scale) * columns + j / scale])
                let t = v.isFinite ? (v - low) / max(high - low, 1e-30) : 0
                let (r, g, b) = Colormap.rgb(t)
                let o = (i * image.width + j) * 3
                image.pixels[o] = r; image.pixels[o + 1] = g; image.pixels[o + 2] = b
            }
        }
        return image
    }

    /// RGB images placed left to right on white, `gap` pixels apart, top-aligned.
    public static func sideBySide(_ images: [PixelImage], gap: Int) -> PixelImage {
        let height = images.map(\.height).max() ?? 0
        let width = images.map(\.width).reduce(0, +) + gap * max(images.count - 1, 0)
        var canvas = PixelImage(width: width, height: height, channels: 3, fill: 255)
        var x0 = 0
        for image in images {
            precondition(image.channels == 3, "sideBySide takes RGB images")
            for y in 0..<image.height {
                let source = y * image.width * 3, target = (y * width + x0) * 3
                canvas.pixels.replaceSubrange(target..<(target + image.width * 3),
                                              with: image.pixels[source..<(source + image.width * 3)])
            }
            x0 += image.width + gap
        }
        return canvas
    }
}
