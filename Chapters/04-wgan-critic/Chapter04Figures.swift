import Foundation
import TensorCore
import Autodiff
import Datasets
import NeuralLayers
import Figures
import Course

/// ch04-<density>-coverage: modes covered against generator iterations, one line per
/// Lipschitz constraint.
func drawCoverage(_ density: ToyDensity, _ runs: [(variant: CriticVariant, results: ToyRunResults)], folder: String) throws {
    var figure = GnuplotFigure(name: "ch04-\(density.rawValue)-coverage",
                               title: "\(density.rawValue): modes covered during adversarial training",
                               xLabel: "generator iteration", yLabel: "modes covered (of \(density.modes.count))")
    figure.size = (820, 460)
    // The range starts below 0 so that a run stuck at 0 modes is drawn above the frame, not on it.
    figure.settings = ["set key outside right top vertical", "set yrange [-0.5:\(density.modes.count + 1)]", "set grid"]
    figure.series = runs.map { run in
        PlotSeries(title: run.variant.title,
                   x: run.results.coverageHistory.iteration.map(Double.init),
                   y: run.results.coverageHistory.modesCovered.map(Double.init),
                   style: run.variant == .gradientPenalty ? "linespoints lw 2 pt 7 lc rgb '#2c7fb8'"
                                                          : "linespoints lw 2 pt 5 dt 2 lc rgb '#d95f0e'")
    }
    if let message = try figure.write(to: folder) { note(message) }
}

/// ch04-critic-<density>-<iteration>: the critic's value over the plane as a heatmap, with
/// real and generated points (interleaved (x, y) values); `gap` is the critic's mean score
/// on the data minus on the samples.
func drawCritic(_ critic: any Layer, real: [Float], fake: [Float], gap: Double, density: ToyDensity, iteration: Int,
                folder: String) throws {
    let n = 80, extent = 3.0
    let axis = (0..<n).map { -extent + (Double($0) + 0.5) * 2 * extent / Double(n) }
    var grid: [Float] = []
    for y in axis.reversed() { for x in axis { grid.append(Float(x)); grid.append(Float(y)) } }
    let values = GradientRecording.withoutRecording { critic(Variable(Tensor(shape: [n * n, 2], values: grid))).value.values }
    var figure = GnuplotFigure(name: "ch04-critic-\(density.rawValue)-\(iteration)",
                               title: "\(density.rawValue) critic after \(iteration) iteration\(iteration == 1 ? "" : "s"): "
                                   + String(format: "mean D(data) - mean D(samples) = %.3f", gap),
                               xLabel: "x_1", yLabel: "x_2")
    figure.size = (680, 640)
    figure.settings = ["set size ratio -1", "set xrange [-3:3]", "set yrange [-3:3]", "set key outside below horizontal",
                       "set cblabel 'D(x)'"]
    let rows: [[Double]] = (0..<n).map { i in (0..<n).map { j in Double(values[i * n + j]) } }
    figure.heatmap = (x: axis, y: Array(axis.reversed()), z: rows)
    // White data points show on every colour of the map; a black rim under each makes
    // them (and their entry in the key, on white paper) visible.
    var rim = pointSeries("data", real, color: "black")
    rim.style = "points pt 7 ps 0.5 lc rgb 'black'"
    figure.series = [rim, pointSeries("", real, color: "white"), pointSeries("generated", fake, color: "#e74c3c")]
    if let message = try figure.write(to: folder) { note(message) }
}

/// ch04-<density>-<variant>-samples: a 2-D run's samples over the data.
func drawToySamples(_ samples: Tensor, data: Tensor, name: String, title: String, folder: String) throws {
    let fake = Array(samples.values.prefix(4000)), real = Array(data.values.prefix(4000))
    var figure = GnuplotFigure(name: name, title: title, xLabel: "x_1", yLabel: "x_2")
    figure.size = (560, 580)
    figure.settings = ["set size ratio -1", "set xrange [-3:3]", "set yrange [-3:3]", "set key outside below horizontal"]
    figure.series = [pointSeries("data", real, color: "#999999"), pointSeries("generated", fake, color: "#c0392b")]
    if let message = try figure.write(to: folder) { note(message) }
}

/// Interleaved (x, y) values as a gnuplot point series.
func pointSeries(_ title: String, _ xy: [Float], color: String) -> PlotSeries {
    let x: [Double] = stride(from: 0, to: xy.count, by: 2).map { Double(xy[$0]) }
    let y: [Double] = stride(from: 1, to: xy.count, by: 2).map { Double(xy[$0]) }
    return PlotSeries(title: title, x: x, y: y, style: "points pt 7 ps 0.3 lc rgb '\(color)'")
}

/// ch04-adv-samples: 100 samples of the adversarially trained NICE.
func drawAdversarialSamples(_ samples: Tensor, iterations: Int, dataset: DatasetName, folder: String) throws {
    let grid = ImageGridFigure(name: "ch04-adv-samples",
                               title: "100 samples of NICE trained adversarially, \(iterations) iterations (\(dataset.displayName))",
                               images: samples, columns: 10)
    if let message = try grid.write(to: folder) { note(message) }
}

/// ch04-nll-and-wasserstein: the exact NLL of 2,000 test images (left axis) and the
/// critic's Wasserstein estimate (right axis) during training.
func drawNLLAndWasserstein(_ history: [HistoryPoint], dataset: DatasetName, folder: String) throws {
    var figure = GnuplotFigure(name: "ch04-nll-and-wasserstein",
                               title: "NICE trained adversarially on \(dataset.displayName)",
                               xLabel: "generator iteration", yLabel: "test NLL (nats per image, 2,000 images)")
    figure.settings = ["set y2label 'critic Wasserstein estimate'", "set y2tics", "set ytics nomirror", "set key top left"]
    figure.series = [
        PlotSeries(title: "exact test NLL", x: history.map { Double($0.iteration) }, y: history.map(\.testNll2000),
                   style: "linespoints lw 2 pt 7 ps 0.6"),
        PlotSeries(title: "Wasserstein estimate E[D(x)] - E[D(G(z))]",
                   columns: [history.dropFirst().map { Double($0.iteration) }, history.dropFirst().map(\.wasserstein)],
                   style: "linespoints lw 2 pt 5 ps 0.6", using: "1:2 axes x1y2"),
    ]
    if let message = try figure.write(to: folder) { note(message) }
}
