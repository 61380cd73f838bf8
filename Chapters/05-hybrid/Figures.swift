import Foundation
import TensorCore
import GAN
import Datasets
import Training
import Figures
import Course

/// The paper's Figure 1: 64 samples of one objective's generator.
func drawSamples(_ images: Tensor, objective: Objective, dataName: String, folder: String) throws {
    let figure = ImageGridFigure(name: "ch05-samples-\(objective.rawValue)",
                                 title: "\(images.shape[0]) samples of the \(objective.rawValue.uppercased())-trained generator (\(dataName))",
                                 images: images, columns: 8)
    if let message = try figure.write(to: folder) { note(message) }
}

/// One objective's curve of the exact test NLL; CIFAR-10's in bits/dim, the unit its
/// literature reports.
private func testNLLSeries(_ objective: Objective, _ history: [TrainingRecord], cifar: Bool) -> PlotSeries {
    PlotSeries(title: objective.rawValue.uppercased(), x: history.map { Double($0.iteration) },
               y: history.map { cifar ? bitsPerDimension(nllNats: $0.validationNLL, dimension: 3072) : $0.validationNLL },
               style: "linespoints lw 2 pt \(objective == .mle ? 7 : objective == .adv ? 5 : 9) ps 0.8 lc \(objective == .mle ? 1 : objective == .adv ? 7 : 2)")
}

/// The paper's Figure 2: the exact test NLL over training for every objective.
func drawTestNLL(_ curves: [(Objective, [TrainingRecord])], dataName: String, tracked: Int, cifar: Bool, folder: String) throws {
    var figure = GnuplotFigure(name: "ch05-test-nll", title: "Exact test NLL during training (\(dataName), \(cifar ? "Real NVP" : "NICE") generator)",
                               xLabel: "generator iteration", yLabel: "NLL, \(cifar ? "bits/dim" : "nats per image") (\(tracked) test images)")
    // ADV's spikes can reach any corner of the plot: the key goes below it.
    figure.settings = ["set key below horizontal"]
    figure.series = curves.map { testNLLSeries($0.0, $0.1, cifar: cifar) }
    if let message = try figure.write(to: folder) { note(message) }
}

/// ADV's NLL climbs to tens of thousands of nats and flattens MLE and the hybrid into one
/// line in Figure 2; this figure shows those two on their own scale.
func drawTestNLLWithoutADV(_ curves: [(Objective, [TrainingRecord])], dataName: String, tracked: Int, cifar: Bool, folder: String) throws {
    let likelihoodCurves = curves.filter { $0.0 != .adv }
    guard likelihoodCurves.count == 2 else { return }
    var zoom = GnuplotFigure(name: "ch05-test-nll-mle-hybrid", title: "Exact test NLL during training: MLE and hybrid (\(dataName))",
                             xLabel: "generator iteration", yLabel: "NLL, \(cifar ? "bits/dim" : "nats per image") (\(tracked) test images)")
    zoom.settings = ["set key top right"]
    zoom.series = likelihoodCurves.map { testNLLSeries($0.0, $0.1, cifar: cifar) }
    if let message = try zoom.write(to: folder) { note(message) }
}

/// 8 Gaussians: each 2-D flow's density on the grid.
func drawToyDensities(_ panels: [HeatmapPanel], folder: String) throws {
    let densities = HeatmapPanels(name: "ch05-toy-densities", title: "8 Gaussians: the densities of the flows trained by MLE, ADV and the hybrid",
                                  xLabel: "x_1", yLabel: "x_2", colorLabel: "density", panels: panels)
    if let message = try densities.write(to: folder) { note(message) }
}

/// 8 Gaussians: 1,500 samples of each 2-D flow over the data.
func drawToySamples(_ panels: [(title: String, points: [Float])], data: Tensor, extent: Double, folder: String) throws {
    let figure = ScatterPanels(name: "ch05-toy-samples", title: "8 Gaussians: 1,500 samples of each flow, the data grey beneath",
                               xLabel: "x_1", yLabel: "x_2", extent: extent, data: Array(data.values.prefix(3000)),
                               panels: panels)
    if let message = try figure.write(to: folder) { note(message) }
}
