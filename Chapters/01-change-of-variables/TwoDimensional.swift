import Foundation
import TensorCore
import Autodiff
import Flows
import Figures
import Course

/// The 2-D maps of the chapter: a linear map x = A z and a planar flow.
enum TwoDimensionalMaps {
    /// A shear and stretch, det A = 0.75.
    static let linear = Tensor(shape: [2, 2], values: [1.5, 0.9,
                                                       0.0, 0.5])
    /// The planar flow's w and b; u is the chapter's --planar-u (default (1.2, -0.6), so
    /// uᵀw = 2.4: an invertible stretch across the line wᵀz + b = 0).
    static let planarW: [Float] = [2.5, 1.0]
    static let planarB: Float = 0.3
    static let defaultPlanarU: [Float] = [1.2, -0.6]

    /// x = A z for rows z (x = z Aᵀ).
    static func applyLinear(_ z: Variable) -> Variable {
        Variable.matmul(z, Variable(linear), transposeB: true)
    }
}

/// The standard normal density in two dimensions at each row of `points`.
func standardNormalDensity(_ points: Tensor) -> [Double] {
    let p = points.values
    return (0..<points.shape[0]).map { i in
        let (a, b) = (Double(p[2 * i]), Double(p[2 * i + 1]))
        return Foundation.exp(-(a * a + b * b) / 2) / (2 * Double.pi)
    }
}

/// Grid lines in z-space and their images, the three density heatmaps, and the pushed
/// densities' integrals over the drawing square (each should be close to 1).
func drawTwoDimensional(out: String, gridSize: Int, planarFlow: PlanarFlow) throws -> (integral: Double, linearIntegral: Double) {
    // Grid lines z1 = c and z2 = c for c in -3...3, 200 points each.
    var lines: [Tensor] = []
    for k in 0...12 {
        let c = Float(k) * 0.5 - 3
        let t = (0..<200).map { Float($0) / 199 * 6 - 3 }
        lines.append(Tensor(shape: [200, 2], values: t.flatMap { [c, $0] }))
        lines.append(Tensor(shape: [200, 2], values: t.flatMap { [$0, c] }))
    }
    for (name, map, title) in [("linear", TwoDimensionalMaps.applyLinear, "x = A z, det A = 0.75"),
                               ("planar", { planarFlow($0) }, "planar flow x = z + u tanh(w^T z + b)")] {
        var figure = GnuplotFigure(name: "ch01-grid-\(name)", title: "A grid in z-space and its image under \(title)",
                                   xLabel: "first coordinate", yLabel: "second coordinate")
        figure.size = (640, 600)
        // The linear map stretches the grid's corners out to about ±7.2; the planar flow
        // moves points by at most |u| ≈ 1.34.
        let reach = name == "linear" ? 8 : 5
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
        if let message = try figure.write(to: out) { note(message) }
    }

    // Densities on a square grid of cell centres over [-5, 5]².
    let n = gridSize, extent = 5.0
    let cell = 2 * extent / Double(n)
    var points: [Float] = []
    for i in 0..<n {
        for j in 0..<n {
            // Row 0 is the top of the picture: largest second coordinate.
            points.append(Float(-extent + (Double(j) + 0.5) * cell))
            points.append(Float(extent - (Double(i) + 0.5) * cell))
        }
    }
    let grid = Tensor(shape: [n * n, 2], values: points)
    let before = standardNormalDensity(grid)

    // [book:density-2d]
    // Linear: p_X(x) = p_Z(A⁻¹x) / |det A|.
    let a = TwoDimensionalMaps.linear.values.map(Double.init)
    let det = a[0] * a[3] - a[1] * a[2]
    let inverseA = Tensor(shape: [2, 2], values: [a[3] / det, -a[1] / det, -a[2] / det, a[0] / det].map(Float.init))
    let linear = standardNormalDensity(Tensor.matmul(grid, inverseA, transposeB: true)).map { $0 / abs(det) }

    // Planar: p_X(x) = p_Z(z) / |det ∂f/∂z| at z = f⁻¹(x).
    let z = planarFlow.inverse(grid)
    let logDet = planarFlow.logAbsDeterminant(z).values
    let planar = zip(standardNormalDensity(z), logDet).map { $0 * Foundation.exp(-Double($1)) }
    // [/book:density-2d]

    // Three panels side by side, each with its own colour scale and colour bar.
    let figure = HeatmapPanels(name: "ch01-densities", title: "A density pushed through two maps",
                               xLabel: "first coordinate", yLabel: "second coordinate", colourLabel: "density",
                               panels: [HeatmapPanel(title: "standard normal p_Z", values: before, n: n, extent: extent),
                                        HeatmapPanel(title: "after x = A z", values: linear, n: n, extent: extent),
                                        HeatmapPanel(title: "after the planar flow", values: planar, n: n, extent: extent)])
    if let message = try figure.write(to: out) { note(message) }

    // The planar density again as a gnuplot heatmap with axes.
    var heat = GnuplotFigure(name: "ch01-planar-density", title: "Density after the planar flow",
                             xLabel: "x_1", yLabel: "x_2")
    heat.size = (640, 560)
    heat.settings = ["set size ratio -1", "set xrange [-5:5]", "set yrange [-5:5]", "unset key"]
    // Every other cell, to keep the data file small.
    let half = Array(stride(from: 0, to: n, by: 2))
    let axis = half.map { -extent + (Double($0) + 0.5) * cell }
    heat.heatmap = (x: axis, y: axis.map { -$0 }, z: half.map { i in half.map { j in planar[i * n + j] } })
    if let message = try heat.write(to: out) { note(message) }

    let area = cell * cell
    return (planar.reduce(0, +) * area, linear.reduce(0, +) * area)
}

