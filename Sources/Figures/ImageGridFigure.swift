import Foundation
import TensorCore

/// A grid of images (samples of a generator) as a figure a reader can read: the bare
/// grid goes to `name-grid.png` (libpng, every pixel as sampled), and `name.gp` draws
/// `name.png` from it with a title, axis labels and, when given, a label per row.
public struct ImageGridFigure {
    public var name: String
    public var title: String
    public var images: Tensor
    public var columns: Int
    public var scale = 2
    public var xLabel = "sample"
    public var yLabel = "row"
    /// One label per row of the grid (top row first); empty: rows are numbered.
    public var rowLabels: [String] = []

    public init(name: String, title: String, images: Tensor, columns: Int) {
        self.name = name; self.title = title; self.images = images; self.columns = columns
    }

    /// Writes `name-grid.png` and `name.gp`, and renders `name.png` when gnuplot is
    /// installed; returns a note when it could not render.
    @discardableResult
    public func write(to directory: String) throws -> String? {
        let border = 1
        let grid = ImageFigures.grid(images, columns: columns, border: border, scale: scale)
        try PNGFile.write(grid, to: (directory as NSString).appendingPathComponent("\(name)-grid.png"))
        let cellHeight = images.shape[2] * scale + border
        let rows = (images.shape[0] + columns - 1) / columns
        // gnuplot's y axis runs upwards from the bottom row of pixels.
        let tics = (0..<rows).map { r -> String in
            let label = r < rowLabels.count ? rowLabels[r] : "\(r + 1)"
            return "\(GnuplotFigure.quote(label)) \(grid.height - (border + r * cellHeight + cellHeight / 2))"
        }
        // Wide enough for the title too: Sans 11 in pngcairo averages under 8 pixels a
        // character; 8 plus a margin keeps the longest titles (chapter 03's) unclipped.
        let width = max(grid.width + 170, 8 * title.count + 80)
        let script = """
            # Draws \(name).png from \(name)-grid.png. Run in this folder: gnuplot \(name).gp
            set terminal pngcairo size \(width),\(grid.height + 110) enhanced font 'Sans,11'
            set output '\(name).png'
            set title \(GnuplotFigure.quote(title))
            set xlabel \(GnuplotFigure.quote(xLabel))
            set ylabel \(GnuplotFigure.quote(yLabel))
            set ytics (\(tics.joined(separator: ", "))) nomirror scale 0
            unset xtics
            set size ratio -1
            set xrange [0:\(grid.width)]
            set yrange [0:\(grid.height)]
            plot '\(name)-grid.png' binary filetype=png with rgbimage notitle

            """
        try writeTextFile(script, to: (directory as NSString).appendingPathComponent("\(name).gp"))
        return try Gnuplot.render(script: "\(name).gp", in: directory)
    }
}
