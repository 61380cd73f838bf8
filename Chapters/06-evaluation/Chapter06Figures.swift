import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Training
import Evaluation
import Figures
import Course

extension Chapter06 {
    /// The paper's Figure 4: the CDF of the singular values of dG/dz, per objective.
    func drawJacobianSpectra(_ table: [(Objective, ModelEvaluation)]) throws {
        var figure = GnuplotFigure(name: "ch06-jacobian-singular-values",
                                   title: "Singular values of the generator's Jacobian dG/dz at random z",
                                   xLabel: "singular value", yLabel: "fraction of singular values below")
        figure.settings = ["set logscale x", "set format x '10^{%L}'", "set key top left", "set yrange [0:1]"]
        figure.series = table.map { objective, evaluation in
            let values = evaluation.singularValues.flatMap { $0 }.filter { $0 > 0 }.sorted()
            let fractions = values.indices.map { Double($0 + 1) / Double(values.count) }
            return PlotSeries(title: objective.rawValue.uppercased(), x: values, y: fractions, style: "lines lw 2")
        }
        if let message = try figure.write(to: options.folder) { note(message) }
    }

    /// The paper's baseline: a mixture with one isotropic Gaussian per training image,
    /// p(x) = (1/N) Σ_i N(x; x_i, σ² I). Its held-out NLL is a KDE whose centres are the
    /// training images; its samples are training images plus noise. Both against σ, beside
    /// the ADV model's values.
    func gaussianMixtureBaseline(data: DatasetSplits, classifier: any ImageClassifier, marginal: [Double],
                                 adv: ModelEvaluation) throws -> [String: Any] {
        let centres = (options.quick ? data.train.slice(0..<min(5000, data.train.count)) : data.train).images
        let mixture = KernelDensityEstimate(centres: centres.reshaped([centres.shape[0], -1]))
        var noise = RandomGenerator(seed: 12345, stream: 3004)
        let heldOutCount = min(1000, data.test.count)
        let heldOut = Dequantization.apply(data.test.slice(0..<heldOutCount).images, generator: &noise).reshaped([heldOutCount, -1])
        let sigmas = KernelDensityEstimate.logSpacedGrid(from: 0.02, to: 0.5, count: options.quick ? 4 : 10)
        var nll: [Double] = [], modes: [Double] = []
        var sampler = RandomGenerator(seed: options.seed, stream: 609)
        for sigma in sigmas {
            nll.append(mixture.negativeLogLikelihood(heldOut, bandwidth: sigma).mean)
            // Samples: a random training image plus N(0, σ²) noise, clipped to [0, 1] for the classifier.
            // (500 in a CIFAR-10 smoke run, where the classifier costs more per image.)
            let picks = (0..<(options.quick && data.name == .cifar10 ? 500 : 2000)).map { _ in sampler.nextInt(below: centres.shape[0]) }
            let base = data.train.gather(picks).images
            let noisy = Tensor.zip(base, Tensor.normal(base.shape, std: Float(sigma), generator: &sampler)) { min(max($0 + $1, 0), 1) }
            modes.append(SampleQuality.modeScore(probabilities: classifier.probabilities(noisy), trainingLabelMarginal: marginal).mean)
        }
        var nllFigure = GnuplotFigure(name: "ch06-mixture-nll", title: "One Gaussian per training image: held-out NLL against sigma",
                                      xLabel: "sigma", yLabel: "test NLL (nats per image, \(heldOutCount == 1000 ? "1,000" : String(heldOutCount)) images)")
        nllFigure.settings = ["set logscale x", "set key below horizontal"]   // the mixture's curve starts top left
        nllFigure.series = [PlotSeries(title: "Gaussian mixture", x: sigmas, y: nll, style: "linespoints lw 2 pt 7"),
                            PlotSeries(title: "ADV flow (exact)", x: [sigmas.first!, sigmas.last!],
                                       y: [adv.exactNLL.mean, adv.exactNLL.mean], style: "lines lw 2 dt 2")]
        if let message = try nllFigure.write(to: options.folder) { note(message) }
        var modeFigure = GnuplotFigure(name: "ch06-mixture-mode", title: "One Gaussian per training image: MODE score against sigma",
                                       xLabel: "sigma", yLabel: "MODE score")
        modeFigure.settings = ["set logscale x", "set key bottom left"]
        modeFigure.series = [PlotSeries(title: "Gaussian mixture", x: sigmas, y: modes, style: "linespoints lw 2 pt 7"),
                             PlotSeries(title: "ADV flow", x: [sigmas.first!, sigmas.last!], y: [adv.mode.mean, adv.mode.mean],
                                        style: "lines lw 2 dt 2")]
        if let message = try modeFigure.write(to: options.folder) { note(message) }
        let better = zip(nll, modes).filter { $0.0 < adv.exactNLL.mean && $0.1 > adv.mode.mean }.count
        print("Gaussian mixture: beats ADV on both held-out NLL and MODE score for \(better) of \(sigmas.count) values of sigma")
        return ["sigmas": sigmas, "test_nll_nats": nll, "mode_scores": modes, "sigmas_beating_adv_on_both": better]
    }
}
