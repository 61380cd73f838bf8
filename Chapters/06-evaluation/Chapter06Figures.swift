import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import GAN
import Training
import Evaluation
import Figures
import Course

extension Chapter06 {
    /// The paper's Figure 4: the CDF of the singular values of dG/dz, per objective, in
    /// pixel space (the generator as sampled) and in logit space (the flow before the
    /// fixed pixel map), both computed in Double.
    func drawJacobianSpectra(_ table: [(Objective, ModelEvaluation)]) throws {
        let points = table.first?.1.singularValues.count ?? 0
        for (name, space, values) in [("ch06-jacobian-singular-values", "pixel space, dx/dz", { (e: ModelEvaluation) in e.singularValues }),
                                      ("ch06-jacobian-logit-singular-values", "logit space, ds/dz", { (e: ModelEvaluation) in e.logitSingularValues })] {
            var figure = GnuplotFigure(name: name,
                                       title: "Singular values of the generator's Jacobian (\(space)) at \(points) random z per model",
                                       xLabel: "singular value", yLabel: "fraction of singular values below")
            figure.settings = ["set logscale x", "set format x '10^{%L}'", "set key top left", "set yrange [0:1]", "set grid"]
            figure.series = table.map { objective, evaluation in
                let sorted = values(evaluation).flatMap { $0 }.sorted()
                let fractions = sorted.indices.map { Double($0 + 1) / Double(sorted.count) }
                return PlotSeries(title: objective.rawValue.uppercased(), x: sorted, y: fractions, style: "lines lw 2")
            }
            if let message = try figure.write(to: options.folder) { note(message) }
        }
    }

    /// The KDE's bandwidth search: mean NLL of 1,000 validation images against the
    /// bandwidth h, per model, beside the floor (D/2) log(2π h²) no KDE can go below.
    func drawBandwidthSearch(_ table: [(Objective, ModelEvaluation)], dimension: Int) throws {
        guard let grid = table.first?.1.kdeGrid, !grid.isEmpty else { return }
        var figure = GnuplotFigure(name: "ch06-kde-bandwidth", title: "KDE on generated samples: choosing the bandwidth on validation images",
                                   xLabel: "bandwidth h", yLabel: "validation NLL (nats per image)")
        // Small bandwidths give NLLs of hundreds of thousands of nats, which would flatten
        // the interesting part: the y range runs from below the floor to 1,500 nats above
        // the best model's minimum, and the x range starts where every curve is inside it.
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
        if let message = try figure.write(to: options.folder) { note(message) }
    }

    /// How the AIS estimate approaches the truth as the schedule lengthens: the mean
    /// estimate on the first 2 test images (4 chains each) at 10 to 3000 annealing steps,
    /// per model, beside the exact NLL of the same (dequantised) images and the floor set
    /// by σ. Each length is an independent run from the same seed.
    func aisConvergenceStudy(models: [(Objective, NormalizingFlow)], data: DatasetSplits) throws -> [String: Any] {
        let stepCounts = settings.aisStudySteps
        var noise = RandomGenerator(seed: 12345, stream: 3006)
        let images = Dequantization.apply(data.test.slice(0..<2).images, generator: &noise)
        let dimension = data.test.dimension
        // Estimates span from millions of nats (short schedules) to the exact value, so the
        // figure plots the height above the floor on a log axis: every AIS estimate of the
        // NLL is at least the floor (log p(x|z) never exceeds its normaliser).
        let floor = AISConfiguration.floorNLL(dimension: dimension, sigma: aisSigma)
        var figure = GnuplotFigure(name: "ch06-ais-convergence",
                                   title: "AIS against the length of its schedule (2 test images, sigma \(aisSigma))",
                                   xLabel: "annealing steps",
                                   yLabel: String(format: "NLL minus the floor %.0f (nats per image)", floor))
        figure.settings = ["set logscale xy", "set format y '10^{%L}'", "set key below horizontal", "set grid"]
        var study: [String: Any] = ["steps": stepCounts, "sigma": aisSigma,
                                    "floor_nats": AISConfiguration.floorNLL(dimension: dimension, sigma: aisSigma)]
        let styles = ["lines lw 2 dt 2 lc 1", "lines lw 2 dt 2 lc 2", "lines lw 2 dt 2 lc 3"]
        for (index, (objective, flow)) in models.enumerated() {
            let exact = GradientRecording.withoutRecording { flow.logLikelihood(Variable(images)).value.values.map { -Double($0) } }
            let exactMean = exact.reduce(0, +) / Double(exact.count)
            var estimates: [Double] = [], errors: [Double] = []
            let progress = ProgressLine("\(objective.rawValue.uppercased()) AIS study", total: stepCounts.reduce(0, +))
            var done = 0
            for steps in stepCounts {
                let configuration = AISConfiguration(steps: steps, leapfrogSteps: 5, chains: 4,
                                                     noiseStandardDeviation: aisSigma, initialStepSize: min(0.05, aisSigma),
                                                     schedule: AISConfiguration.schedule(sigma: aisSigma))
                var chains = RandomGenerator(seed: options.seed, stream: 610)
                let result = annealedImportanceSampling(flow: flow, images: images, configuration: configuration,
                                                        generator: &chains, progress: { step, _ in progress.update(done + step) })
                done += steps
                estimates.append(result.meanNLL)
                errors.append(result.standardError)
            }
            print(String(format: "%@ AIS study: exact NLL %.1f; AIS %@ at %@ steps", objective.rawValue.uppercased(), exactMean,
                         estimates.map { String(format: "%.0f", $0) }.joined(separator: ", "),
                         stepCounts.map(String.init).joined(separator: ", ")))
            figure.series.append(PlotSeries(title: "\(objective.rawValue.uppercased()) AIS", x: stepCounts.map(Double.init),
                                            y: estimates.map { $0 - floor }, style: "linespoints lw 2 pt 7 lc \(index + 1)"))
            figure.series.append(PlotSeries(title: "\(objective.rawValue.uppercased()) exact", x: [Double(stepCounts.first!), Double(stepCounts.last!)],
                                            y: [exactMean - floor, exactMean - floor], style: styles[index % styles.count]))
            study[objective.rawValue] = ["ais_nll_nats": estimates, "ais_standard_error": errors, "exact_nll_nats": exactMean]
        }
        if let message = try figure.write(to: options.folder) { note(message) }
        return study
    }

    /// The paper's baseline: a mixture with one isotropic Gaussian per training image,
    /// p(x) = (1/N) Σ_i N(x; x_i, σ² I). Its held-out NLL is a KDE whose centres are the
    /// training images; its samples are training images plus noise. Both against σ, beside
    /// the three models' values.
    func gaussianMixtureBaseline(data: DatasetSplits, classifier: any ImageClassifier, marginal: [Double],
                                 models: [(Objective, ModelEvaluation)]) throws -> [String: Any] {
        let centres = (settings.mixtureCentres.map { data.train.slice(0..<min($0, data.train.count)) } ?? data.train).images
        let mixture = KernelDensityEstimate(centres: centres.reshaped([centres.shape[0], -1]))
        var noise = RandomGenerator(seed: 12345, stream: 3004)
        let heldOutCount = min(1000, data.test.count)
        let heldOut = Dequantization.apply(data.test.slice(0..<heldOutCount).images, generator: &noise).reshaped([heldOutCount, -1])
        let sigmas = KernelDensityEstimate.logSpacedGrid(from: 0.02, to: 0.5, count: settings.mixtureBandwidths)
        var nll: [Double] = [], modes: [Double] = []
        var sampler = RandomGenerator(seed: options.seed, stream: 609)
        for sigma in sigmas {
            nll.append(mixture.negativeLogLikelihood(heldOut, bandwidth: sigma).mean)
            // Samples: a random training image plus N(0, σ²) noise, clipped to [0, 1] for the classifier.
            // (500 in a CIFAR-10 smoke run, where the classifier costs more per image.)
            let picks = (0..<settings.mixtureSamples).map { _ in sampler.nextInt(below: centres.shape[0]) }
            let base = data.train.gather(picks).images
            let noisy = Tensor.zip(base, Tensor.normal(base.shape, std: Float(sigma), generator: &sampler)) { min(max($0 + $1, 0), 1) }
            modes.append(SampleQuality.modeScore(probabilities: classifier.probabilities(noisy), trainingLabelMarginal: marginal).mean)
        }
        var nllFigure = GnuplotFigure(name: "ch06-mixture-nll", title: "One Gaussian per training image: held-out NLL against sigma",
                                      xLabel: "sigma", yLabel: "test NLL (nats per image, \(heldOutCount == 1000 ? "1,000" : String(heldOutCount)) images)")
        nllFigure.settings = ["set logscale x", "set key outside right"]
        let styles = ["lines lw 2 dt 2", "lines lw 2 dt 4", "lines lw 2 dt 3"]
        nllFigure.series = [PlotSeries(title: "Gaussian mixture", x: sigmas, y: nll, style: "linespoints lw 2 pt 7")]
            + models.enumerated().map { i, entry in
                PlotSeries(title: "\(entry.0.rawValue.uppercased()) flow (exact)", x: [sigmas.first!, sigmas.last!],
                           y: [entry.1.exactNLL.mean, entry.1.exactNLL.mean], style: styles[i % styles.count])
            }
        if let message = try nllFigure.write(to: options.folder) { note(message) }
        var modeFigure = GnuplotFigure(name: "ch06-mixture-mode", title: "One Gaussian per training image: MODE score against sigma",
                                       xLabel: "sigma", yLabel: "MODE score")
        modeFigure.settings = ["set logscale x", "set key outside right"]
        modeFigure.series = [PlotSeries(title: "Gaussian mixture", x: sigmas, y: modes, style: "linespoints lw 2 pt 7")]
            + models.enumerated().map { i, entry in
                PlotSeries(title: "\(entry.0.rawValue.uppercased()) flow", x: [sigmas.first!, sigmas.last!],
                           y: [entry.1.mode.mean, entry.1.mode.mean], style: styles[i % styles.count])
            }
        if let message = try modeFigure.write(to: options.folder) { note(message) }
        // For each model: at how many values of sigma the mixture beats it on both counts.
        var beating: [String: Int] = [:]
        for (objective, evaluation) in models {
            beating[objective.rawValue] = zip(nll, modes).filter { $0.0 < evaluation.exactNLL.mean && $0.1 > evaluation.mode.mean }.count
        }
        print("Gaussian mixture: beats each model on both held-out NLL and MODE score for this many of \(sigmas.count) values of sigma: "
              + models.map { "\($0.0.rawValue.uppercased()) \(beating[$0.0.rawValue]!)" }.joined(separator: ", "))
        let better = beating["adv"] ?? 0
        return ["sigmas": sigmas, "test_nll_nats": nll, "mode_scores": modes, "sigmas_beating_adv_on_both": better,
                "sigmas_beating_on_both": beating, "best_test_nll_nats": nll.min() ?? Double.nan]
    }
}
