import Foundation
import TensorCore
import Figures
import Course

/// A picture of a digit made into the kind of image the models were trained on, the way
/// MNIST's were made from NIST's scans (LeCun et al.): white ink on black, the digit's
/// bounding box scaled to fit a 20x20 box with its aspect ratio kept (anti-aliased, which
/// makes the grey levels), then placed in a 28x28 field so that its centre of mass falls
/// on the field's centre.
///
/// The steps, each reported in one line of `steps`:
/// 1. polarity: the median of the border pixels is the background; a light one (> 127)
///    means dark ink on paper, and the grey levels g become 255 - g;
/// 2. levels: ink v = (g - b) / (peak - b) clipped to [0, 1], b the background's level and
///    peak the strongest ink, so a grey paper or a faint pen still spans black to white;
/// 3. ink: the bounding box of the pixels with v > `inkThreshold` (specks of the paper's
///    grain below it are dropped outside the box);
/// 4. scale: the box resampled to w' x h' with max(w', h') = 20 by area averaging (each new
///    pixel the mean of the old area it covers: the anti-aliasing);
/// 5. centre: the patch moved by whole pixels so that its centre of mass
///    (Σ v·row / Σ v, Σ v·column / Σ v) lands within half a pixel of (14, 14), pixel (0, 0)
///    the top left; kept inside the field if that would push ink over its edge;
/// 6. quantise: the values rounded to k/255, the 256 grey levels of MNIST's bytes (the
///    dequantisation the NLL is measured with assumes them).
struct MNISTStyleDigit {
    /// The digit, [1, 1, 28, 28], values k/255.
    let pixels: Tensor
    /// One line per step, in order.
    let steps: [String]
    /// The ink's bounding box in the source, and the size it was scaled to.
    let box: (x: Int, y: Int, width: Int, height: Int)
    let scaledSize: (width: Int, height: Int)

    static let side = 28, boxSide = 20, inkThreshold: Float = 0.1

    /// Converts a grey image (1 channel); throws when it holds no ink.
    init(grey image: PixelImage, source: String) throws {
        precondition(image.channels == 1, "MNISTStyleDigit converts grey images")
        let (width, height) = (image.width, image.height)
        var steps: [String] = []

        // 1. Polarity, from the border's median.
        var border: [UInt8] = []
        for x in 0..<width { border.append(image.pixels[x]); border.append(image.pixels[(height - 1) * width + x]) }
        for y in 0..<height { border.append(image.pixels[y * width]); border.append(image.pixels[y * width + width - 1]) }
        let borderMedian = Int(border.sorted()[border.count / 2])
        let invert = borderMedian > 127
        let grey = image.pixels.map { Float(invert ? 255 - Int($0) : Int($0)) }
        steps.append(invert ? "polarity: border median \(borderMedian) of 255 (light): dark ink on light, inverted to white on black"
                            : "polarity: border median \(borderMedian) of 255 (dark): light ink on dark, as MNIST's; kept")

        // 2. Levels: background to 0, the strongest ink to 1.
        let background = Float(invert ? 255 - borderMedian : borderMedian)
        let peak = grey.max() ?? 0
        guard peak - background >= 16 else {
            throw ChapterError("\(source): no digit found: the image is nearly uniform (ink at most \(Int(peak - background)) grey levels from its background)")
        }
        let ink = grey.map { min(1, max(0, ($0 - background) / (peak - background))) }
        steps.append("levels: background \(Int(background)) -> 0, strongest ink \(Int(peak)) -> 1")

        // 3. The ink's bounding box.
        var (left, right, top, bottom) = (width, -1, height, -1)
        for y in 0..<height {
            for x in 0..<width where ink[y * width + x] > Self.inkThreshold {
                left = min(left, x); right = max(right, x); top = min(top, y); bottom = max(bottom, y)
            }
        }
        let box = (x: left, y: top, width: right - left + 1, height: bottom - top + 1)
        var cropped = [Float](repeating: 0, count: box.width * box.height)
        for y in 0..<box.height {
            for x in 0..<box.width {
                let value = ink[(top + y) * width + left + x]
                cropped[y * box.width + x] = value > Self.inkThreshold ? value : 0
            }
        }
        steps.append("ink: bounding box \(box.width)x\(box.height) at x \(left)...\(right), y \(top)...\(bottom) "
                     + "(pixels above \(Int(100 * Self.inkThreshold))% of the ink)")

        // 4. Scale to fit 20x20, keeping the aspect ratio.
        let factor = Double(Self.boxSide) / Double(max(box.width, box.height))
        let scaled = (width: max(1, Int((Double(box.width) * factor).rounded())), height: max(1, Int((Double(box.height) * factor).rounded())))
        let patch = Self.resampleByArea(cropped, width: box.width, height: box.height, to: scaled.width, scaled.height)
        steps.append(String(format: "scaled: %dx%d -> %dx%d (x%.2f, area-averaged), to fit a 20x20 box",
                            box.width, box.height, scaled.width, scaled.height, factor))

        // 5. Centre of mass to (14, 14), by whole pixels.
        let (row, column) = Self.centreOfMass(patch, width: scaled.width)
        let top28 = min(max(0, Int((Double(Self.side / 2) - row).rounded())), Self.side - scaled.height)
        let left28 = min(max(0, Int((Double(Self.side / 2) - column).rounded())), Self.side - scaled.width)
        var field = [Float](repeating: 0, count: Self.side * Self.side)
        for y in 0..<scaled.height {
            for x in 0..<scaled.width { field[(top28 + y) * Self.side + left28 + x] = patch[y * scaled.width + x] }
        }
        steps.append(String(format: "centred: placed at row %d, column %d of 28x28; centre of mass (row %.2f, column %.2f), MNIST's is (14, 14)",
                            top28, left28, Double(top28) + row, Double(left28) + column))

        // 6. Quantise to the 256 grey levels of a byte.
        let quantised = field.map { ($0 * 255).rounded() / 255 }
        steps.append(String(format: "quantised to 256 grey levels: a 28x28 digit, white on black, %.0f%% of its pixels inked",
                            100 * Double(quantised.filter { $0 > 0 }.count) / Double(quantised.count)))

        self.pixels = Tensor(shape: [1, 1, Self.side, Self.side], values: quantised)
        self.steps = steps
        self.box = box
        self.scaledSize = scaled
    }

    /// Resamples a [height, width] image to [newHeight, newWidth], each new pixel the mean of
    /// the source area it covers (exact box filtering: no ink is lost or made up, only spread).
    static func resampleByArea(_ values: [Float], width: Int, height: Int, to newWidth: Int, _ newHeight: Int) -> [Float] {
        /// weights[i][j]: how much of source cell j falls in new cell i, in new-cell units.
        func weights(from n: Int, to m: Int) -> [[(Int, Float)]] {
            let step = Double(n) / Double(m)
            return (0..<m).map { i in
                let (start, end) = (Double(i) * step, Double(i + 1) * step)
                return (Int(start.rounded(.down))..<min(n, Int(end.rounded(.up)))).compactMap { j in
                    let overlap = min(end, Double(j + 1)) - max(start, Double(j))
                    return overlap > 0 ? (j, Float(overlap / step)) : nil
                }
            }
        }
        let rowWeights = weights(from: height, to: newHeight), columnWeights = weights(from: width, to: newWidth)
        var rows = [Float](repeating: 0, count: newHeight * width)
        for (i, terms) in rowWeights.enumerated() {
            for (j, w) in terms { for x in 0..<width { rows[i * width + x] += w * values[j * width + x] } }
        }
        var out = [Float](repeating: 0, count: newHeight * newWidth)
        for y in 0..<newHeight {
            for (i, terms) in columnWeights.enumerated() {
                out[y * newWidth + i] = terms.reduce(0) { $0 + $1.1 * rows[y * width + $1.0] }
            }
        }
        return out
    }

    /// (Σ v·row / Σ v, Σ v·column / Σ v) of a [height, width] image with row-major `values`.
    static func centreOfMass(_ values: [Float], width: Int) -> (row: Double, column: Double) {
        var (mass, rows, columns) = (0.0, 0.0, 0.0)
        for (index, value) in values.enumerated() {
            mass += Double(value); rows += Double(value) * Double(index / width); columns += Double(value) * Double(index % width)
        }
        return mass > 0 ? (rows / mass, columns / mass) : (Double(values.count / width - 1) / 2, Double(width - 1) / 2)
    }
}
