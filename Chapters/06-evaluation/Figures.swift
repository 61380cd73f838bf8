import Foundation
import TensorCore
import GAN
import Evaluation
import Figures
import Course

/// The paper's Figure 4: the CDF of the singular values of dG/dz, per objective, in pixel
/// space (the generator as sampled) or, with `logit`, in logit space (the flow before the
/// fixed pixel map), both computed in Double.
func drawJacobianSpectra(_ table: [(Objective, ModelEvaluation)], logit: Bool, folder: String) throws {
    let points = table.first?.1.singularValues.count ?? 0
    let space = logit ? "logit space, ds/dz" : "pixel space, dx/dz"
    var figure = GnuplotFigure(name: logit ? "ch06-jacobian-logit-singular-values" : "ch06-jacobian-singular-values",
                               title: "Singular values of the generator's Jacobian (\(space)) at \(points) random z per model",
                               xLabel: "singular value", yLabel: "fraction of singular values below")
    figure.settings = ["set logscale x", "set format x '10^{%L}'", "set key top left", "set yrange [0:1]", "set grid"]
    figure.series = table.map { objective, evaluation in
        let sorted = (logit ? evaluation.logitSingularValues : evaluation.singularValues).flatMap { $0 }.sorted()
        let fractions = sorted.indices.map { Double($0 + 1) / Double(sorted.count) }
        return PlotSeries(title: objective.rawValue.uppercased(), x: sorted, y: fractions, style: "lines lw 2")
    }
    if let message = try figure.write(to: folder) { note(message) }
}

/// The KDE's bandwidth search: mean NLL of 1,000 validation images against the bandwidth h,
/// per model, beside the floor (D/2) log(2π h²) no KDE can go below.
func drawBandwidthSearch(_ table: [(Objective, ModelEvaluation)], dimension: Int, folder: String) throws {
    guard let grid = table.first?.1.kdeGrid, !grid.isEmpty else { return }
    var figure = GnuplotFigure(name: "ch06-kde-bandwidth", title: "KDE on generated samples: choosing the bandwidth on validation images",
                               xLabel: "bandwidth h", yLabel: "validation NLL (nats per image)")
    // Small bandwidths give NLLs of hundreds of thousands of nats, which would flatten the
    // interesting part: the y range runs from below the floor to 1,500 nats above the best
    // model's minimum, and the x range starts where every curve is inside it.
    let best = table.compactMap { $0.1.kdeValidationNLL.min() }.min() ?? 0
    let top = best + 1500
    let firstShown = grid.indices.first { i in table.allSatisfy { $0.1.kdeValidationNLL[i] <= top } } ?? 0
    let shown = Array(grid[firstShown...])
    let floors = shown.map { KernelDensityEstimate.floorNLL(dimension: dimension, bandwidth: $0) }
    let bottom = min(floors.min() ?? best, best) - 200
    figure.settings = ["set logscale x", "set key below horizontal", "set grid",
                       "set xrange [\(shown.first!):\(shown.last!)]", "set yrange [\(bottom):\(top)]"]
    figure.series = table.map { objective, evaluation in
        PlotSeries(title: objective.rawValue.uppercased(), x: Array(evaluation.kdeGrid[firstShown...]),
                   y: Array(evaluation.kdeValidationNLL[firstShown...]), style: "linespoints lw 2 pt 7 ps 0.7")
    } + [PlotSeries(title: "floor (D/2) log(2 pi h^2)", x: shown, y: floors, style: "lines lw 2 dt 2 lc rgb 'gray40'")]
    if let message = try figure.write(to: folder) { note(message) }
}

/// The AIS study: each model's estimate against the schedule's length, beside its exact
/// NLL. Estimates span from millions of nats (short schedules) to the exact value, so the
/// figure plots the height above the floor on a log axis: every AIS estimate of the NLL is
/// at least the floor (log p(x|z) never exceeds its normaliser).
func drawAISConvergence(_ study: AISStudy, folder: String) throws {
    var figure = GnuplotFigure(name: "ch06-ais-convergence", title: "AIS against the length of its schedule (2 test images, sigma \(study.sigma))",
                               xLabel: "annealing steps", yLabel: String(format: "NLL minus the floor %.0f (nats per image)", study.floorNats))
    figure.settings = ["set logscale xy", "set format y '10^{%L}'", "set key below horizontal", "set grid"]
    let styles = ["lines lw 2 dt 2 lc 1", "lines lw 2 dt 2 lc 2", "lines lw 2 dt 2 lc 3"]
    let steps = study.steps.map(Double.init)
    for (index, (name, entry)) in [("MLE", study.mle), ("ADV", study.adv), ("HYBRID", study.hybrid)].enumerated() {
        guard let entry else { continue }
        figure.series.append(PlotSeries(title: "\(name) AIS", x: steps, y: entry.aisNllNats.map { $0 - study.floorNats },
                                        style: "linespoints lw 2 pt 7 lc \(index + 1)"))
        figure.series.append(PlotSeries(title: "\(name) exact", x: [steps.first!, steps.last!],
                                        y: [entry.exactNllNats - study.floorNats, entry.exactNllNats - study.floorNats],
                                        style: styles[index % styles.count]))
    }
    if let message = try figure.write(to: folder) { note(message) }
}

private let modelStyles = ["lines lw 2 dt 2", "lines lw 2 dt 4", "lines lw 2 dt 3"]

/// One Gaussian per training image: held-out NLL against σ, beside each model's exact NLL.
func drawMixtureNLL(_ baseline: MixtureBaseline, models: [(Objective, ModelEvaluation)], folder: String) throws {
    let count = baseline.heldOutImages
    try drawAgainstSigma(name: "ch06-mixture-nll", title: "One Gaussian per training image: held-out NLL against sigma",
                         yLabel: "test NLL (nats per image, \(count == 1000 ? "1,000" : String(count)) images)",
                         sigmas: baseline.sigmas, mixture: baseline.testNllNats, models: models,
                         modelTitle: " flow (exact)", modelValue: \.exactNLL.mean, folder: folder)
}

/// One Gaussian per training image: MODE score against σ, beside each model's.
func drawMixtureMODE(_ baseline: MixtureBaseline, models: [(Objective, ModelEvaluation)], folder: String) throws {
    try drawAgainstSigma(name: "ch06-mixture-mode", title: "One Gaussian per training image: MODE score against sigma",
                         yLabel: "MODE score", sigmas: baseline.sigmas, mixture: baseline.modeScores, models: models,
                         modelTitle: " flow", modelValue: \.mode.mean, folder: folder)
}

/// The mixture's curve against σ (log scale), each model's value a flat line across it.
private func drawAgainstSigma(name: String, title: String, yLabel: String, sigmas: [Double], mixture: [Double],
                              models: [(Objective, ModelEvaluation)], modelTitle: String,
                              modelValue: KeyPath<ModelEvaluation, Double>, folder: String) throws {
    var figure = GnuplotFigure(name: name, title: title, xLabel: "sigma", yLabel: yLabel)
    figure.settings = ["set logscale x", "set key outside right"]
    figure.series = [PlotSeries(title: "Gaussian mixture", x: sigmas, y: mixture, style: "linespoints lw 2 pt 7")]
        + models.enumerated().map { i, entry in
            let value = entry.1[keyPath: modelValue]
            return PlotSeries(title: "\(entry.0.rawValue.uppercased())\(modelTitle)", x: [sigmas.first!, sigmas.last!],
                              y: [value, value], style: modelStyles[i % modelStyles.count])
        }
    if let message = try figure.write(to: folder) { note(message) }
}
