import ArgumentParser
import Foundation
import TensorCore
import Autodiff
import Datasets
import Figures
import Course

/// `flowgan interpolate`: the straight line between two images' latent codes.
struct InterpolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Walks the straight line in z between two images and decodes it.",
        discussion: """
        Encodes A and B (PNG digits, converted as 'flowgan score' converts them, or test images \
        test:N), each dequantised as the exact NLL dequantises it, to z_A = f(y_A) and z_B = f(y_B); \
        decodes K points z_t = (1 - t) z_A + t z_B, t = 0, 1/(K-1), ..., 1, back to images \
        y_t = f⁻¹(z_t); and prints each one's NLL, -log p_Z(z_t) + log|det ∂f⁻¹/∂z|. The end \
        points are A and B again (the flow is invertible); the points between show what the \
        model puts between two digits. Writes flowgan-interpolate-<model>.png into --out.

        Example: flowgan interpolate test:0 test:1 --model hybrid --steps 10
        """)

    @OptionGroup var folders: ModelFolders
    @Argument(help: "The first image: a PNG file or test:N.")
    var first: String
    @Argument(help: "The second image: a PNG file or test:N.")
    var second: String
    @Option(help: "The model: a name from 'flowgan models' or a file.")
    var model: String?
    @Option(help: "Images on the line, the end points included (2...20).")
    var steps = 8
    @OptionGroup var figureFolder: FigureFolder

    func validate() throws {
        guard (2...20).contains(steps) else { throw ValidationError("--steps must be in 2...20, got \(steps)") }
        for argument in [first, second] where argument.hasPrefix("test:") {
            guard let index = Int(argument.dropFirst(5)), (0..<10_000).contains(index) else {
                throw ValidationError("\(argument): test:N needs an index N in 0...9999")
            }
        }
    }

    func run() throws {
        let loaded = try folders.catalog().loadModel(model)
        guard loaded.flow.sampleShape == [1, 28, 28] || (first.hasPrefix("test:") && second.hasPrefix("test:")) else {
            throw ChapterError("\(loaded.name) models \(loaded.flow.sampleShape) images: interpolate between test:N images, not PNG digits")
        }
        print("model: \(loaded.label)")
        var testSet: LabelledImages?
        func image(_ argument: String) throws -> Tensor {
            if argument.hasPrefix("test:") {
                let index = Int(argument.dropFirst(5))!
                let test = try testSet ?? folders.testImages(for: loaded)
                testSet = test
                guard index < test.count else { throw ChapterError("\(argument): the test set has \(test.count) images") }
                print("\(argument): test image \(index) (label \(test.labels[index]))")
                return test.images.slice(index..<(index + 1), alongAxis: 0)
            }
            let (digit, format) = try readDigit(argument)
            print("\(argument): \(format)")
            for step in digit.steps { print("  \(step)") }
            return digit.pixels
        }
        let (a, b) = (try image(first), try image(second))
        let path = interpolate(loaded, from: a, to: b, steps: steps)
        for (k, nll) in path.nlls.enumerated() {
            print(String(format: "t = %.3f: NLL %.1f nats (%.3f bits/dim)", Double(k) / Double(steps - 1), nll,
                         bitsPerDimension(nllNats: nll, dimension: loaded.flow.dimension)))
        }
        let report = InterpolationReport(model: loaded.name, from: first, to: second,
                                         t: (0..<steps).map { Double($0) / Double(steps - 1) }, nllNats: path.nlls,
                                         bitsPerDim: path.nlls.map { bitsPerDimension(nllNats: $0, dimension: loaded.flow.dimension) })
        print("results: \(try figureFolder.writeNumbers(report, name: "flowgan-interpolate-\(fileSafe(loaded.name))"))")
        var figure = ImageGridFigure(name: "flowgan-interpolate-\(fileSafe(loaded.name))",
                                     title: "From \(shortName(first)) to \(shortName(second)) along a straight line in z (\(loaded.name))",
                                     images: path.images, columns: steps)
        figure.xLabel = nllLabel(path.nlls)
        figure.yLabel = "path in z"
        figure.rowLabels = ["t = 0 to 1"]
        try figureFolder.write(figure)
    }
}

/// "test:3" as it is, a PNG by its file name alone.
private func shortName(_ argument: String) -> String {
    argument.hasPrefix("test:") ? argument : (argument as NSString).lastPathComponent
}

/// A straight line in z between two images and what it decodes to.
struct Interpolation {
    /// y_A and y_B, the dequantised end images that were encoded, [2, ...].
    let endpoints: Tensor
    /// f⁻¹(z_t) for the K values of t, [K, ...].
    let images: Tensor
    /// -log p(y_t) = -log p_Z(z_t) + log|det ∂f⁻¹/∂z| at z_t, nats per image.
    let nlls: [Double]
}

/// Encodes `a` and `b` ([1, ...], values k/255), each dequantised with the noise of a
/// one-image exact-NLL evaluation, and decodes `steps` evenly spaced points of the line
/// between their codes. The NLL of a decoded point is taken from z_t by the inverse pass,
/// whose log-determinant comes from the logit's input s (finite even where a float32
/// sigmoid rounds a pixel to exactly 0 or 1, where the forward logit would be infinite).
func interpolate(_ model: LoadedModel, from a: Tensor, to b: Tensor, steps: Int) -> Interpolation {
    let flow = model.flow
    flow.isTraining = false
    let endpoints = Tensor.concatenate([a, b].map { image -> Tensor in
        var noise = RandomGenerator.evaluationNoise
        return Dequantization.apply(image, generator: &noise)
    }, alongAxis: 0)
    return GradientRecording.withoutRecording {
        let codes = flow.flow.forward(Variable(endpoints)).output.value
        let d = codes.count / 2
        let (za, zb) = (Array(codes.values[0..<d]), Array(codes.values[d...]))
        let line = (0..<steps).flatMap { k -> [Float] in
            let t = Float(k) / Float(steps - 1)
            return zip(za, zb).map { (1 - t) * $0 + t * $1 }
        }
        let z = Variable(Tensor(shape: [steps] + Array(codes.shape.dropFirst()), values: line))
        let (decoded, inverseLogDeterminant) = flow.flow.inverse(z)
        let nlls = zip((-flow.prior.logProbability(z)).value.values, inverseLogDeterminant.value.values).map { Double($0) + Double($1) }
        return Interpolation(endpoints: endpoints, images: decoded.value, nlls: nlls)
    }
}

/// The numbers `flowgan interpolate` prints, as it writes them beside its figure.
struct InterpolationReport: Codable {
    var model: String
    var from: String
    var to: String
    var t: [Double]
    var nllNats: [Double]
    var bitsPerDim: [Double]
}
