import Foundation

/// Point clouds side by side in one PNG (gnuplot's multiplot), one panel per model with
/// the data drawn grey underneath, so that clouds never hide each other: `name.dat` holds
/// the data block then one block per panel, `name.gp` draws `name.png`.
public struct ScatterPanels: GnuplotDrawing {
    public var name: String
    public var title: String
    public var xLabel: String, yLabel: String
    /// The square [-extent, extent]² every panel shows.
    public var extent: Double
    /// Interleaved (x, y) values of the data, drawn grey in every panel.
    public var data: [Float]
    /// Each panel's title and interleaved (x, y) values, drawn in the panel's colour.
    public var panels: [(title: String, points: [Float])]
    public var colors = ["#c0392b", "#2471a3", "#1e8449", "#7d3c98"]

    public init(name: String, title: String, xLabel: String, yLabel: String, extent: Double,
                data: [Float], panels: [(title: String, points: [Float])]) {
        self.name = name; self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        self.extent = extent; self.data = data; self.panels = panels
    }

    static func block(_ comment: String, _ xy: [Float]) -> String {
        "# \(comment): x y\n" + stride(from: 0, to: xy.count - 1, by: 2).map {
            "\(GnuplotFigure.number(Double(xy[$0]))) \(GnuplotFigure.number(Double(xy[$0 + 1])))"
        }.joined(separator: "\n")
    }

    public var dataText: String {
        ([ScatterPanels.block("data", data)] + panels.map { ScatterPanels.block($0.title, $0.points) })
            .joined(separator: "\n\n\n") + "\n"
    }

    public var scriptText: String {
        var lines = [
            "# Draws \(name).png from \(name).dat. Run in this folder: gnuplot \(name).gp",
            "set terminal pngcairo size \(420 * panels.count),500 enhanced font 'Sans,10'",
            "set output '\(name).png'",
            "set size ratio -1",
            "set xrange [\(-extent):\(extent)]",
            "set yrange [\(-extent):\(extent)]",
            "set xlabel \(GnuplotFigure.quote(xLabel))",
            "set ylabel \(GnuplotFigure.quote(yLabel)) offset 1,0",
            "set key outside below horizontal",
            "set multiplot layout 1,\(panels.count) title \(GnuplotFigure.quote(title)) font 'Sans,12'",
        ]
        for (index, panel) in panels.enumerated() {
            let color = colors[index % colors.count]
            lines.append("set title \(GnuplotFigure.quote(panel.title))")
            lines.append("plot '\(name).dat' index 0 using 1:2 with points pt 7 ps 0.25 lc rgb '#b0b0b0' title 'data', "
                         + "'\(name).dat' index \(index + 1) using 1:2 with points pt 7 ps 0.3 lc rgb '\(color)' title 'samples'")
        }
        lines.append("unset multiplot")
        return lines.joined(separator: "\n") + "\n"
    }
}
