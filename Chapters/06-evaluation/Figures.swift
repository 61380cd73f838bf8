import Foundation
import TensorCore
import GAN
import Evaluation
import Figures
import Course

/// The paper's Figure 4: the CDF of the singular values of dG/dz, per objective, in pixel
/// space (the generator as sampled) or, with `logit`, in logit space (the flow before the
/// fixed pixel map), both computed in Double. A grey band covers what the SVD resolves at
/// no point (below σ_max · ε · D for every point's σ_max, so below the smallest of those
/// resolutions): a value plotted there is rounding, not a singular value. (Each point has
/// its own resolution; the results file counts the values below their point's.)
func drawJacobianSpectra(_ table: [(Objective, ModelEvaluation)], logit: Bool, folder: String) throws {
    let points = table.first?.1.singularValues.count ?? 0
    let space = logit ? "logit space, ds/dz" : "pixel space, dx/dz"
    var figure = GnuplotFigure(name: logit ? "ch06-jacobian-logit-singular-values" : "ch06-jacobian-singular-values",
                               title: "Singular values of the generator's Jacobian (\(space)) at \(points) random z per model",
                               xLabel: "singular value", yLabel: "fraction of singular values below")
    let all = table.flatMap { (logit ? $0.1.logitSingularValues : $0.1.singularValues).flatMap { $0 } }.filter { $0 > 0 }
    let resolution = table.flatMap { logit ? $0.1.logitResolutions : $0.1.resolutions }.filter { $0 > 0 }.min() ?? 1e-16
    let left = min(all.min() ?? 1, resolution) / 10, right = (all.max() ?? 1) * 10
    figure.settings = ["set logscale x", "set format x '10^{%L}'", "set key bottom right", "set yrange [0:1]", "set grid",
                       "set xrange [\(left):\(right)]",
                       "set object 1 rect from \(left),0 to \(resolution),1 fc rgb 'gray85' fs solid 0.6 noborder behind",
                       "set label 1 'below the SVD''s resolution' at \(resolution),graph 0.04 left rotate by 90 offset -1,0 tc rgb 'gray30'"]
    figure.series = table.map { objective, evaluation in
        let sorted = (logit ? evaluation.logitSingularValues : evaluation.singularValues).flatMap { $0 }.sorted().map { max($0, left) }
        let fractions = sorted.indices.map { Double($0 + 1) / Double(sorted.count) }
        return PlotSeries(title: objective.rawValue.uppercased(), x: sorted, y: fractions, style: "lines lw 2")
    }
    if let message = try figure.write(to: folder) { note(message) }
}

/// The KDE's bandwidth search: mean NLL of 1,000 validation images against the bandwidth h,
/// per model, beside the floor (D/2) log(2π h²) no KDE can go below. The whole searched
/// range is on the x axis (a curve leaves the plot through its top edge, and a label says
/// so), the bandwidth each model chose is marked with a star, and every searched h is a
/// labelled tick.
func drawBandwidthSearch(_ table: [(Objective, ModelEvaluation)], dimension: Int, folder: String) throws {
    guard let grid = table.first?.1.kdeGrid, !grid.isEmpty else { return }
    var figure = GnuplotFigure(name: "ch06-kde-bandwidth",
                               title: "KDE on generated samples: choosing the bandwidth on validation images",
                               xLabel: "bandwidth h (the \(grid.count) values searched)", yLabel: "validation NLL (nats per image)")
    // Small bandwidths give NLLs of hundreds of thousands of nats, which would flatten the
    // interesting part: the y range runs from below the floor to 1,500 nats above the best
    // model's minimum, and a curve leaves the plot through its top edge.
    let best = table.compactMap { $0.1.kdeValidationNLL.min() }.min() ?? 0
    let top = best + 1500
    let floors = grid.map { KernelDensityEstimate.floorNLL(dimension: dimension, bandwidth: $0) }
    let bottom = min(floors.filter { $0 >= best - 2000 }.min() ?? best, best) - 200
    let ticks = grid.map { String(format: "'%.2g' %.6g", $0, $0) }.joined(separator: ", ")
    figure.settings = ["set logscale x", "set key below horizontal maxrows 2", "set grid",
                       "set xrange [\(grid.first! / 1.2):\(grid.last! * 1.2)]", "set yrange [\(bottom):\(top)]",
                       "set label 1 'smaller h: NLL above the top edge (values in the results file)' at graph 0.02, graph 0.95 left tc rgb 'gray30'",
                       "set xtics (\(ticks)) rotate by 45 right font ',9'"]
    for (index, (objective, evaluation)) in table.enumerated() {
        // One key entry per model, naming the h it chose; the star itself has no entry of
        // its own (an empty gnuplot title), which keeps the key to one row.
        let name = "\(objective.rawValue.uppercased()) (star: chosen h = \(String(format: "%.3g", evaluation.kdeBandwidth)))"
        figure.series.append(PlotSeries(title: name, x: evaluation.kdeGrid, y: evaluation.kdeValidationNLL,
                                        style: "linespoints lw 2 pt 7 ps 0.7 lc \(index + 1)"))
        let chosen = evaluation.kdeValidationNLL.min() ?? .nan
        figure.series.append(PlotSeries(title: "", x: [evaluation.kdeBandwidth], y: [chosen],
                                        style: "points pt 3 ps 2.5 lw 2 lc \(index + 1)"))
    }
    let shownFloors = zip(grid, floors).filter { $0.1 >= bottom }
    figure.series.append(PlotSeries(title: "floor (D/2) log(2 pi h^2)", x: shownFloors.map(\.0), y: shownFloors.map(\.1),
                                    style: "lines lw 2 dt 2 lc rgb 'gray40'"))
    if let message = try figure.write(to: folder) { note(message) }
}

/// The AIS study against σ: each model's AIS estimate of the test images' NLL (points),
/// with a bar down to the estimate minus the BDMC gap of that σ and schedule (where log p_σ
/// lies, if the gap measured on simulated images holds for real ones), beside the floor
/// (D/2) log(2πσ²). The exact NLLs of the same images, thousands of nats away, are named in
/// the key rather than drawn, so that the bars stay visible.
func drawAISAgainstSigma(_ study: AISStudy, folder: String) throws {
    var figure = GnuplotFigure(name: "ch06-ais-sigma",
                               title: "AIS against sigma, \(study.testImages) test images (bars: down by the BDMC gap)",
                               xLabel: "sigma of p(x|z) = N(x; G(z), sigma^2 I)", yLabel: "AIS estimate of the NLL (nats per image)")
    let ticks = study.sigmas.map { String(format: "'%g' %g", $0, $0) }.joined(separator: ", ")
    figure.settings = ["set logscale x", "set key below horizontal maxrows 2", "set grid", "set xtics (\(ticks))",
                       "set xrange [\(study.sigmas.min()! / 1.3):\(study.sigmas.max()! * 1.3)]"]
    for (index, objective) in Objective.allCases.enumerated() {
        guard let entry = study[objective] else { continue }
        let title = String(format: "%@ (exact NLL %.0f)", objective.rawValue.uppercased(), entry.testExactNllNats)
        figure.series.append(PlotSeries(title: title, columns: [study.sigmas, entry.testAisNllNats,
                                                               zip(entry.testAisNllNats, entry.bdmcGapNats).map { $0 - $1 },
                                                               entry.testAisNllNats],
                                        style: "yerrorlines lw 2 pt 7 ps 1.2 lc \(index + 1)", using: "1:2:3:4"))
    }
    figure.series.append(PlotSeries(title: "floor (D/2) log(2 pi sigma^2)", x: study.sigmas, y: study.floorNats,
                                    style: "lines lw 2 dt 3 lc rgb 'gray40'"))
    if let message = try figure.write(to: folder) { note(message) }
}

/// Importance sampling from the prior: the estimate of the test images' NLL against the
/// number of draws, per model, beside AIS at the same σ (dashed).
func drawPriorSampling(_ study: AISStudy, folder: String) throws {
    guard let sampling = study.priorSampling else { return }
    let counts = sampling.sampleCounts.map(Double.init)
    var figure = GnuplotFigure(name: "ch06-prior-sampling",
                               title: "Importance sampling from the prior: p(x) = mean of p(x|z_i), sigma \(sampling.sigma)",
                               xLabel: "draws N from the prior", yLabel: "NLL estimate (nats per image)")
    figure.settings = ["set logscale x", "set format x '10^{%L}'", "set key below horizontal maxrows 2", "set grid"]
    for (index, objective) in Objective.allCases.enumerated() {
        guard let estimates = sampling[objective] else { continue }
        let name = objective.rawValue.uppercased()
        figure.series.append(PlotSeries(title: "\(name) prior sampling", x: counts, y: estimates, style: "linespoints lw 2 pt 7 lc \(index + 1)"))
        if let ais = sampling.aisNllNats[objective.rawValue] {
            figure.series.append(PlotSeries(title: "\(name) AIS", x: [counts.first!, counts.last!], y: [ais, ais],
                                            style: "lines lw 2 dt 2 lc \(index + 1)"))
        }
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
