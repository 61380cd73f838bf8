import Foundation

/// One panel of a `HeatmapPanels` figure: values z[i][j] at (x[j], y[i]), on a regular
/// grid, with its own title.
public struct HeatmapPanel {
    public var title: String
    public var x: [Double]
    public var y: [Double]
    public var z: [[Double]]

    public init(title: String, x: [Double], y: [Double], z: [[Double]]) {
        precondition(z.count == y.count && z.allSatisfy { $0.count == x.count },
                     "heatmap panel '\(title)': \(z.count) rows for \(y.count) y values, rows must hold \(x.count) values")
        self.title = title; self.x = x; self.y = y; self.z = z
    }

    /// A panel from row-major values on an n x n grid over [-extent, extent]², row 0 at the
    /// top (largest y), as the chapters compute their density grids. Grids finer than
    /// `maximumCells` per side keep every k-th cell, so that the committed .dat files stay
    /// small; the picture is drawn from those cells.
    public init(title: String, values: [Double], n: Int, extent: Double, maximumCells: Int = 120) {
        precondition(values.count == n * n, "heatmap panel '\(title)': \(values.count) values for a \(n) x \(n) grid")
        let cell = 2 * extent / Double(n)
        let kept = Array(stride(from: 0, to: n, by: (n + maximumCells - 1) / maximumCells))
        let x = kept.map { -extent + (Double($0) + 0.5) * cell }
        self.init(title: title, x: x, y: kept.map { extent - (Double($0) + 0.5) * cell },
                  z: kept.map { i in kept.map { j in values[i * n + j] } })
    }
}

/// Heat maps side by side in one PNG, each with its own title, labelled axes and colour
/// bar (gnuplot's multiplot): `name.dat` holds one block per panel, `name.gp` draws
/// `name.png`. Each panel keeps its own colour scale, so a peaked density and a flat one
/// can both be read.
public struct HeatmapPanels: GnuplotDrawing {
    public var name: String
    public var title: String
    public var xLabel: String, yLabel: String
    /// What the colours measure (the colour bars' label).
    public var colorLabel: String
    public var panels: [HeatmapPanel]
    public var panelSize = (width: 440, height: 400)
    /// Rows of panels (filled left to right, top to bottom); 1 puts them side by side.
    public var rows = 1

    public init(name: String, title: String, xLabel: String, yLabel: String, colorLabel: String, panels: [HeatmapPanel]) {
        self.name = name; self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        self.colorLabel = colorLabel; self.panels = panels
    }

    var columns: Int { (panels.count + rows - 1) / max(rows, 1) }

    public var dataText: String {
        panels.map { panel in
            "# \(panel.title): x y value\n" + panel.y.enumerated().map { i, y in
                panel.x.enumerated().map { j, x in
                    "\(GnuplotFigure.number(x)) \(GnuplotFigure.number(y)) \(GnuplotFigure.number(panel.z[i][j]))"
                }.joined(separator: "\n")
            }.joined(separator: "\n\n")
        }.joined(separator: "\n\n\n") + "\n"
    }

    public var scriptText: String {
        var lines = [
            "# Draws \(name).png from \(name).dat. Run in this folder: gnuplot \(name).gp",
            "set terminal pngcairo size \(panelSize.width * columns),\(panelSize.height * rows + 40) enhanced font 'Sans,10'",
            "set output '\(name).png'",
            Colormap.gnuplotPalette,
            "set size ratio -1",
            "set xlabel \(GnuplotFigure.quote(xLabel))",
            "set ylabel \(GnuplotFigure.quote(yLabel)) offset 1,0",
            "set cblabel \(GnuplotFigure.quote(colorLabel)) offset 0.6,0",
            "set format cb '%.2g'",
            "unset key",
            "set multiplot layout \(rows),\(columns) title \(GnuplotFigure.quote(title)) font 'Sans,12'",
        ]
        for (index, panel) in panels.enumerated() {
            let (x0, x1) = (panel.x.min() ?? 0, panel.x.max() ?? 1), (y0, y1) = (panel.y.min() ?? 0, panel.y.max() ?? 1)
            let (dx, dy) = (panel.x.count > 1 ? (x1 - x0) / Double(panel.x.count - 1) / 2 : 0.5,
                            panel.y.count > 1 ? (y1 - y0) / Double(panel.y.count - 1) / 2 : 0.5)
            lines.append("set title \(GnuplotFigure.quote(panel.title))")
            lines.append("set xrange [\(GnuplotFigure.number(x0 - dx)):\(GnuplotFigure.number(x1 + dx))]")
            lines.append("set yrange [\(GnuplotFigure.number(y0 - dy)):\(GnuplotFigure.number(y1 + dy))]")
            lines.append("plot '\(name).dat' index \(index) using 1:2:3 with image")
        }
        lines.append("unset multiplot")
        return lines.joined(separator: "\n") + "\n"
    }
}
