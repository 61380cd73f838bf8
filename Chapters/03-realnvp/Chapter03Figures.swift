import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Training
import Figures
import Course

/// NICE beside Real NVP at equal training time (ch03-nice-vs-realnvp.json).
struct Comparison: Codable {
    var niceTrainingMinutes, realnvpTrainingMinutes: Double
    var niceFinalValidBitsPerDim, realnvpFinalValidBitsPerDim: Double
    var commonMinutes: Double
    var niceValidBitsPerDimAtCommon, realnvpValidBitsPerDimAtCommon: Double
}

/// Samples at temperature 1, rows of samples at four temperatures, and the learning curve.
func drawFigures(flow: NormalizingFlow, trainer: FlowTrainer, dataName: String, model: Settings.ModelChoice, seed: UInt64,
                 folder: String) throws {
    let prefix = model.filePrefix, modelName = model.displayName
    flow.isTraining = false
    var generator = RandomGenerator(seed: seed, stream: .sampleGrid)
    let samples = GradientRecording.withoutRecording { flow.sample(100, generator: &generator).value }
    let grid = ImageGridFigure(name: "\(prefix)samples", title: "100 samples of \(modelName) after \(trainer.iteration) iterations (best validation NLL)",
                               images: samples, columns: 10)
    if let message = try grid.write(to: folder) { note(message) }
    // The same latent draws at temperature 0.7 (z times 0.7), so each cell pairs with the grid above.
    var again = RandomGenerator(seed: seed, stream: .sampleGrid)
    let cooler = GradientRecording.withoutRecording { flow.sample(100, generator: &again, temperature: 0.7).value }
    let coolerGrid = ImageGridFigure(name: "\(prefix)samples-t07",
                                     title: "The same 100 draws of \(modelName) at temperature 0.7, after \(trainer.iteration) iterations",
                                     images: cooler, columns: 10)
    if let message = try coolerGrid.write(to: folder) { note(message) }

    // Rows of samples at temperatures 0.5, 0.7, 0.85, 1: the prior's spread scaled down.
    let temperatures: [Float] = [0.5, 0.7, 0.85, 1.0]
    let rows = GradientRecording.withoutRecording {
        temperatures.map { t -> Tensor in
            var g = RandomGenerator(seed: seed, stream: .temperatureRows)
            return flow.sample(10, generator: &g, temperature: t).value
        }
    }
    var byTemperature = ImageGridFigure(name: "\(prefix)temperatures",
                                        title: "\(modelName) samples at temperature T: the prior's spread times T, the same noise in each column",
                                        images: Tensor.concatenate(rows, alongAxis: 0), columns: 10)
    byTemperature.yLabel = "temperature"
    byTemperature.rowLabels = temperatures.map { "T = \($0)" }
    if let message = try byTemperature.write(to: folder) { note(message) }

    var curve = GnuplotFigure(name: "\(prefix)learning-curve", title: "\(modelName) trained by maximum likelihood on \(dataName)",
                              xLabel: "iteration", yLabel: "NLL (nats per image)")
    curve.series = [
        PlotSeries(title: "training (mean since last evaluation)", x: trainer.history.map { Double($0.iteration) },
                   y: trainer.history.map(\.trainLoss), style: "linespoints lw 2 pt 7 ps 0.6"),
        PlotSeries(title: "validation", x: trainer.history.map { Double($0.iteration) },
                   y: trainer.history.map(\.validationNLL), style: "linespoints lw 2 pt 5 ps 0.6"),
    ]
    if let message = try curve.write(to: folder) { note(message) }
}

/// What each stage of the multi-scale Real NVP does to one test image: the image, its
/// logit, the checkerboard couplings at 28x28, the squeeze into four 14x14 channels,
/// the channel couplings, and the two halves of the latent code (the half factored out
/// at 14x14 and the half that went on through four more couplings).
func drawStages(flow: NormalizingFlow, image: Tensor, folder: String) throws {
    flow.isTraining = false
    let layers = flow.flow.layers
    var panels: [HeatmapPanel] = []
    func add(_ title: String, _ x: Tensor, channel: Int = 0) {
        let (h, w) = (x.shape[2], x.shape[3])
        let values = x.values
        let z = (0..<h).map { i in (0..<w).map { j in Double(values[(channel * h + i) * w + j]) } }
        panels.append(HeatmapPanel(title: title, x: (0..<w).map(Double.init), y: (0..<h).reversed().map(Double.init), z: z))
    }
    GradientRecording.withoutRecording {
        var h = Variable(image)
        add("the dequantised image y", image)
        var checkerboardCouplings = 0
        for layer in layers {
            switch layer {
            case let factor as FactorOut:
                let half = factor.shape[0] / 2, (height, width) = (factor.shape[1], factor.shape[2])
                let factored = h.value.slice(0..<half, alongAxis: 1)
                let continued = factor.inner.forward(h.slice(half..<factor.shape[0], alongAxis: 1)).output.value
                    .reshaped([1, half, height, width])
                for c in 0..<half { add("z: channel \(c + 1), factored out at 14x14", factored, channel: c) }
                for c in 0..<half { add("z: channel \(c + 3), after 4 more couplings", continued, channel: c) }
            case is Squeeze:
                h = layer.forward(h).output
                for c in 0..<4 { add("squeezed: channel \(c + 1) of 4 (14x14)", h.value, channel: c) }
            case is LogitLayer:
                h = layer.forward(h).output
                add("logit of the dequantised image", h.value)
            default:
                h = layer.forward(h).output
                // The couplings before the squeeze act on the one-channel image.
                if h.shape[1] == 1 {
                    checkerboardCouplings += 1
                    if checkerboardCouplings == 1 || checkerboardCouplings == 3 {
                        add("after checkerboard coupling \(checkerboardCouplings) of 3", h.value)
                    }
                }
            }
        }
    }
    // Rows: the image at 28x28; the squeeze; after the channel couplings, the latent code.
    var figure = HeatmapPanels(name: "ch03-realnvp-stages",
                               title: "One test image through the trained Real NVP, stage by stage (each panel on its own colour scale)",
                               xLabel: "column", yLabel: "row", colorLabel: "value", panels: panels)
    figure.rows = 3
    figure.panelSize = (width: 360, height: 330)
    if let message = try figure.write(to: folder) { note(message) }
}

/// Validation NLL in bits per dimension against training time, NICE beside Real NVP,
/// from the two results files in the output folder (drawn once both exist).
func drawComparison(run: ChapterRun<Settings>) throws {
    let folder = run.folder
    func history(_ file: String) -> (x: [Double], y: [Double], parameters: Int)? {
        guard let results = try? readResults(Results.self, from: (folder as NSString).appendingPathComponent(file)) else { return nil }
        return (results.history.map { $0.trainingSeconds / 60 }, results.history.map { bitsPerDimension(nllNats: $0.validNll, dimension: 784) },
                results.parameters)
    }
    func millions(_ n: Int) -> String { String(format: "%.2fM parameters", Double(n) / 1e6) }
    guard let nice = history("ch03-results.json"), let realNVP = history("ch03-realnvp-results.json") else {
        print("ch03-nice-vs-realnvp: drawn once both models' results (ch03-results.json, ch03-realnvp-results.json) are in \(folder)/")
        return
    }
    var figure = GnuplotFigure(name: "ch03-nice-vs-realnvp", title: "NICE and Real NVP on MNIST: validation NLL against training time",
                               xLabel: "training time (minutes, evaluation excluded)", yLabel: "validation NLL (bits per dimension)")
    figure.settings = ["set key top right", "set yrange [0:8]"]
    figure.series = [
        PlotSeries(title: "NICE (\(millions(nice.parameters)))", x: nice.x, y: nice.y, style: "linespoints lw 2 pt 7 ps 0.7"),
        PlotSeries(title: "Real NVP (\(millions(realNVP.parameters)), multi-scale, convolutional)", x: realNVP.x, y: realNVP.y, style: "linespoints lw 2 pt 5 ps 0.7"),
    ]
    if let message = try figure.write(to: folder) { note(message) }

    // Each model's validation NLL when the other stopped, read off its curve (linear
    // between evaluations; the last value past the end of a curve).
    func value(_ curve: (x: [Double], y: [Double], parameters: Int), atMinutes t: Double) -> Double {
        guard let last = curve.x.last, t < last else { return curve.y.last ?? .nan }
        let k = curve.x.firstIndex { $0 >= t }!
        if k == 0 { return curve.y[0] }
        let w = (t - curve.x[k - 1]) / (curve.x[k] - curve.x[k - 1])
        return curve.y[k - 1] + w * (curve.y[k] - curve.y[k - 1])
    }
    let common = min(nice.x.last ?? 0, realNVP.x.last ?? 0)
    let comparison = Comparison(niceTrainingMinutes: nice.x.last ?? .nan, realnvpTrainingMinutes: realNVP.x.last ?? .nan,
                                niceFinalValidBitsPerDim: nice.y.last ?? .nan, realnvpFinalValidBitsPerDim: realNVP.y.last ?? .nan,
                                commonMinutes: common, niceValidBitsPerDimAtCommon: value(nice, atMinutes: common),
                                realnvpValidBitsPerDimAtCommon: value(realNVP, atMinutes: common))
    try writeResults(comparison, settings: run.settings, preset: run.preset, seed: run.seed,
                     to: (folder as NSString).appendingPathComponent("ch03-nice-vs-realnvp.json"))
}

/// The figures' random streams.
extension RandomStream {
    /// The 100 samples of the sample grid.
    static let sampleGrid = RandomStream(77)
    /// The latent noise of the temperature rows, the same in every row.
    static let temperatureRows = RandomStream(78)
    /// The dequantisation of the image followed through Real NVP's stages.
    static let stageImageNoise = RandomStream(79)
}
