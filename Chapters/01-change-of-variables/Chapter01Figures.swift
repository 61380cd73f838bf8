import Foundation
import TensorCore
import Autodiff
import Flows
import Figures
import Course

/// A histogram of pushed samples with the formula's density over it (ch01-1d-NAME).
func drawHistogram(_ pushed: PushedHistogram, folder: String) throws {
    let map = pushed.map
    let (low, high) = (map.range.lowerBound, map.range.upperBound)
    let curveX = (0...600).map { low + (high - low) * Double($0) / 600 }
    var figure = GnuplotFigure(name: "ch01-1d-\(map.name)",
                               title: "z drawn from N(0,1), pushed through \(map.formula)", xLabel: "x", yLabel: "density")
    figure.size = (720, 480)
    figure.settings = ["set xrange [\(low):\(high)]", "set style fill solid 0.35 noborder", "set key outside below horizontal"]
    figure.series = [
        PlotSeries(title: "histogram of \(pushed.samples) pushed samples", x: pushed.centres, y: pushed.density,
                   style: "boxes lc rgb '#4a7ab5'"),
        PlotSeries(title: "p_Z(f^{-1}(x)) |df^{-1}/dx|", x: curveX, y: curveX.map(map.density), style: "lines lw 2 lc rgb '#c0392b'"),
    ]
    if let message = try figure.write(to: folder) { note(message) }
}

/// A grid in z-space and its image under `map` (ch01-grid-NAME): grid lines z1 = c and
/// z2 = c for c in -3...3, 200 points each. `reach` is the half-width of the drawing.
func drawGrid(_ name: String, title: String, reach: Int, map: (Variable) -> Variable, folder: String) throws {
    var lines: [Tensor] = []
    for k in 0...12 {
        let c = Float(k) * 0.5 - 3
        let t = (0..<200).map { Float($0) / 199 * 6 - 3 }
        lines.append(Tensor(shape: [200, 2], values: t.flatMap { [c, $0] }))
        lines.append(Tensor(shape: [200, 2], values: t.flatMap { [$0, c] }))
    }
    var figure = GnuplotFigure(name: "ch01-grid-\(name)", title: "A grid in z-space and its image under \(title)",
                               xLabel: "first coordinate", yLabel: "second coordinate")
    figure.size = (640, 600)
    figure.settings = ["set size ratio -1", "set xrange [-\(reach):\(reach)]", "set yrange [-\(reach):\(reach)]",
                       "set key outside below horizontal"]
    // Each grid line is its own block; gnuplot draws blocks separated by one blank line
    // as separate lines, so all lines of a kind form one series.
    var original: [[Double]] = [[], []], mapped: [[Double]] = [[], []]
    for line in lines {
        let image = map(Variable(line)).value.values
        let values = line.values
        for i in 0..<200 {
            original[0].append(Double(values[2 * i])); original[1].append(Double(values[2 * i + 1]))
            mapped[0].append(Double(image[2 * i])); mapped[1].append(Double(image[2 * i + 1]))
        }
        original[0].append(.nan); original[1].append(.nan)
        mapped[0].append(.nan); mapped[1].append(.nan)
    }
    figure.series = [
        PlotSeries(title: "grid in z", columns: original, style: "lines lw 1 lc rgb '#bbbbbb'"),
        PlotSeries(title: "its image f(z)", columns: mapped, style: "lines lw 1.5 lc rgb '#2c5d9e'"),
    ]
    if let message = try figure.write(to: folder) { note(message) }
}

/// The three densities side by side (ch01-densities), each with its own colour scale and bar.
func drawDensities(_ densities: PushedDensities, folder: String) throws {
    let (n, extent) = (densities.n, densities.extent)
    let figure = HeatmapPanels(name: "ch01-densities", title: "A density pushed through two maps",
                               xLabel: "first coordinate", yLabel: "second coordinate", colorLabel: "density",
                               panels: [HeatmapPanel(title: "standard normal p_Z", values: densities.before, n: n, extent: extent),
                                        HeatmapPanel(title: "after x = A z", values: densities.linear, n: n, extent: extent),
                                        HeatmapPanel(title: "after the planar flow", values: densities.planar, n: n, extent: extent)])
    if let message = try figure.write(to: folder) { note(message) }
}

/// The planar density again as a gnuplot heatmap with axes (ch01-planar-density).
func drawPlanarDensity(_ densities: PushedDensities, folder: String) throws {
    let (n, extent) = (densities.n, densities.extent)
    var heat = GnuplotFigure(name: "ch01-planar-density", title: "Density after the planar flow",
                             xLabel: "x_1", yLabel: "x_2")
    heat.size = (640, 560)
    heat.settings = ["set size ratio -1", "set xrange [-5:5]", "set yrange [-5:5]", "unset key"]
    // Every other cell, to keep the data file small.
    let half = Array(stride(from: 0, to: n, by: 2))
    let axis = half.map { -extent + (Double($0) + 0.5) * densities.cell }
    heat.heatmap = (x: axis, y: axis.map { -$0 }, z: half.map { i in half.map { j in densities.planar[i * n + j] } })
    if let message = try heat.write(to: folder) { note(message) }
}
