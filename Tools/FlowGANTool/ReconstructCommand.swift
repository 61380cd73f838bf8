import ArgumentParser
import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Figures

/// `flowgan reconstruct`: whether f⁻¹ undoes f on test images.
struct ReconstructCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruct",
        abstract: "Maps test images to z and back, and reports the largest errors.",
        discussion: """
        Takes the first N test images, dequantised as the exact NLL dequantises them (y on \
        [0, 1]), maps each to z = f(y) and back to y' = f⁻¹(z), and reports the largest \
        |y' - y| on the pixel scale and the largest |s' - s| on the logit scale s = logit(y), \
        where the couplings act. A correct inverse leaves float32 rounding: about 1e-6 on the \
        pixel scale, far below a grey level (1/256 = 3.9e-3). Shows the worst images, their \
        reconstructions and their errors as a grid (flowgan-reconstruct-<model>.png in --out).

        Example: flowgan reconstruct --model hybrid --count 500
        """)

    @OptionGroup var folders: ModelFolders
    @Option(help: "The model: a name from 'flowgan models' or a file.")
    var model: String?
    @Option(help: "How many test images (the first ones, 1...10000).")
    var count = 100
    @OptionGroup var figureFolder: FigureFolder

    func validate() throws {
        guard (1...10_000).contains(count) else { throw ValidationError("--count must be in 1...10000, got \(count)") }
    }

    func run() throws {
        let loaded = try folders.catalog().loadModel(model)
        print("model: \(loaded.label)")
        let test = try folders.testImages(for: loaded)
        let images = test.images.slice(0..<min(count, test.count), alongAxis: 0)
        let result = roundTrip(loaded.flow, images: images)
        let n = result.pixelErrors.count
        print(String(format: "%d test images: largest |y' - y| %.2e on the pixel scale (mean of each image's largest %.2e; a grey level is %.2e)",
                     n, result.pixelErrors.max() ?? .nan, result.pixelErrors.reduce(0, +) / Double(n), 1.0 / 256))
        print(String(format: "                largest |s' - s| %.2e on the logit scale s = logit(y)", result.logitErrors.max() ?? .nan))
        let worst = Array(result.pixelErrors.indices.sorted { result.pixelErrors[$0] > result.pixelErrors[$1] }.prefix(8))
        print("worst: " + worst.map { String(format: "test image %d (%.2e)", $0, result.pixelErrors[$0]) }.joined(separator: ", "))

        // Three rows: the images, their reconstructions, and the error magnified to fill the grey scale.
        let largest = Float(max(result.pixelErrors.max() ?? 0, 1e-12))
        let originals = result.dequantised.gather(worst), copies = result.reconstructed.gather(worst)
        let errors = Tensor.zip(copies, originals) { abs($0 - $1) / largest }
        var figure = ImageGridFigure(name: "flowgan-reconstruct-\(fileSafe(loaded.name))",
                                     title: "x -> z -> x on \(n) test images (\(loaded.name)): the \(worst.count) worst",
                                     images: Tensor.concatenate([originals, copies, errors], alongAxis: 0), columns: worst.count)
        figure.xLabel = "test images " + worst.map(String.init).joined(separator: ", ")
        figure.yLabel = "stage"
        figure.rowLabels = ["y", "f⁻¹(f(y))", String(format: "|error| / %.1e", Double(largest))]
        try figureFolder.write(figure)
    }
}

/// The round trip y -> z = f(y) -> y' = f⁻¹(z) of `images` [N, ...] (values k/255), each
/// dequantised with the noise of a one-image exact-NLL evaluation; per image, the largest
/// |y' - y| and the largest |s' - s| after the logit layer (s = logit(y), s' the inverse
/// pass's value there: the logit squashes s' back onto [0, 1], hiding errors in the tails).
func roundTrip(_ flow: NormalizingFlow, images: Tensor, batchSize: Int = 250)
    -> (dequantised: Tensor, reconstructed: Tensor, pixelErrors: [Double], logitErrors: [Double]) {
    flow.isTraining = false
    let logit = flow.flow.layers[0]
    let afterLogit = FlowSequence(Array(flow.flow.layers.dropFirst()))
    let n = images.shape[0], d = images.count / max(n, 1)
    var dequantised: [Tensor] = [], reconstructed: [Tensor] = []
    var pixelErrors: [Double] = [], logitErrors: [Double] = []
    GradientRecording.withoutRecording {
        for start in stride(from: 0, to: n, by: batchSize) {
            let y = Tensor.concatenate((start..<min(n, start + batchSize)).map { index -> Tensor in
                var noise = RandomGenerator.evaluationNoise
                return Dequantization.apply(images.slice(index..<(index + 1), alongAxis: 0), generator: &noise)
            }, alongAxis: 0)
            // f = (the layers after the logit) ∘ logit, in two parts to see s on the way.
            let s = logit.forward(Variable(y)).output
            let sBack = afterLogit.inverse(afterLogit.forward(s).output).output
            let yBack = logit.inverseOutput(sBack).value
            dequantised.append(y); reconstructed.append(yBack)
            let (yValues, yBackValues, sValues, sBackValues) = (y.values, yBack.values, s.value.values, sBack.value.values)
            for k in 0..<(yValues.count / d) {
                let range = (k * d)..<((k + 1) * d)
                pixelErrors.append(range.map { abs(Double(yBackValues[$0]) - Double(yValues[$0])) }.max() ?? 0)
                logitErrors.append(range.map { abs(Double(sBackValues[$0]) - Double(sValues[$0])) }.max() ?? 0)
            }
        }
    }
    return (Tensor.concatenate(dequantised, alongAxis: 0), Tensor.concatenate(reconstructed, alongAxis: 0), pixelErrors, logitErrors)
}

extension Tensor {
    /// The images [N, ...] at `indices`, in that order.
    func gather(_ indices: [Int]) -> Tensor {
        Tensor.concatenate(indices.map { slice($0..<($0 + 1), alongAxis: 0) }, alongAxis: 0)
    }
}
