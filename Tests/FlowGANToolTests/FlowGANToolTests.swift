import Foundation
import Testing
import TestSupport
import TensorCore
import Autodiff
import Datasets
import Flows
import Checkpoints
import Evaluation
import Figures
@testable import FlowGANTool

/// What `flowgan` computes, each against an oracle outside the code under test: the
/// library's `evaluateNLL` on the same pixels (through a model object the test built, not
/// the one the tool loaded), closed forms in Double, the geometry of a drawn rectangle.
@Suite("flowgan: scores, conversion, latent paths")
struct FlowGANToolTests {
    /// A small NICE (coupling networks 16 wide) whose weights are moved off their
    /// near-identity initialisation, so that every coupling and the scaling matter.
    static func tinyFlow(seed: UInt64 = 7) -> NormalizingFlow {
        var generator = RandomGenerator(seed: seed)
        let flow = FlowArchitecture.nice(hidden: 16, depth: 1).build(generator: &generator)
        var source = SplitMix64(state: seed)
        for parameter in flow.parameters {
            parameter.value = parameter.value.map { $0 + source.nextFloat(-0.2, 0.2) }
        }
        flow.isTraining = false
        return flow
    }

    /// `flow` saved as chapter 05 saves its models, in `folder`/ch05-mle.safetensors.
    static func save(_ flow: NormalizingFlow, in folder: ScratchFolder) throws {
        let metadata = ModelMetadata(architecture: .nice(hidden: 16, depth: 1), model: "nice-mnist-mle", chapter: "05",
                                     objective: "mle", dataset: "mnist", iterations: 0, seed: 7, quick: true)
        try saveModel(flow, metadata: metadata.entries, to: folder.file("ch05-mle.safetensors"))
    }

    /// A width x height grey image: `background` everywhere, `ink` on the rectangle.
    static func rectangle(width: Int, height: Int, background: UInt8, ink: UInt8,
                          x: Range<Int>, y: Range<Int>) -> PixelImage {
        var image = PixelImage(width: width, height: height, channels: 1, fill: background)
        for row in y { for column in x { image.pixels[row * width + column] = ink } }
        return image
    }

    /// Random images [n, 1, 28, 28] with values k/255.
    static func randomImages(_ n: Int, seed: UInt64) -> Tensor {
        var source = SplitMix64(state: seed)
        return Tensor(shape: [n, 1, 28, 28], values: (0..<(n * 784)).map { _ in Float(source.next(below: 256)) / 255 })
    }

    @Test("a scored PNG's NLL is evaluateNLL of the same pixels, for a model the test saved itself")
    func scoredNLLIsTheLibrarysEvaluation() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let flow = Self.tinyFlow()
        try Self.save(flow, in: scratch)
        let png = scratch.file("digit.png")
        try PNGFile.write(Self.rectangle(width: 50, height: 70, background: 240, ink: 10, x: 15..<30, y: 10..<60), to: png)

        let loaded = try ModelCatalog(folder: scratch.path).loadModel("mle")
        let (digit, _) = try readDigit(png)
        let reference = Self.randomImages(12, seed: 3)
        let referenceNLLs = (0..<12).map { evaluateNLL(flow, images: reference.slice($0..<($0 + 1), alongAxis: 0)).mean }
        let score = scoreDigit(digit.pixels, model: loaded, referenceNLLs: referenceNLLs)

        let expected = evaluateNLL(flow, images: digit.pixels).mean
        #expect(abs(score.nll - expected) <= 1e-9 * max(1, abs(expected)), "tool \(score.nll), library \(expected)")
        // Its parts add up to it, and bits/dim is (NLL + D ln 256) / (D ln 2).
        #expect(abs(score.terms.priorTerm + score.terms.volumeTerm - expected) <= 1e-3 * max(1, abs(expected)))
        #expect(abs(score.bitsPerDim - (expected + 784 * log(256.0)) / (784 * log(2.0))) < 1e-9)
        let below = referenceNLLs.filter { $0 < expected }.count
        #expect(abs(score.percentile - 100 * Double(below) / 12) < 1e-9)
    }

    @Test("each image's NLL terms are its one-image evaluateNLL, across batches; the logit's share is its closed form")
    func termsMatchOneImageEvaluations() {
        let flow = Self.tinyFlow(seed: 11)
        let images = Self.randomImages(9, seed: 5)
        let terms = exactNLLTerms(flow, images: images, batchSize: 4)
        #expect(terms.count == 9)
        for (k, term) in terms.enumerated() {
            let image = images.slice(k..<(k + 1), alongAxis: 0)
            let expected = evaluateNLL(flow, images: image).mean
            #expect(abs(term.nll - expected) <= 1e-4 * max(1, abs(expected)), "image \(k): \(term.nll) vs \(expected)")
            // -Σ [-log t - log(1 - t) + log(1 - 2α)], t = α + (1 - 2α) y, in Double.
            var noise = RandomGenerator.evaluationNoise
            let y = Dequantization.apply(image, generator: &noise).values.map(Double.init)
            let alpha = 1e-7
            var logDeterminant = 0.0
            for value in y {
                let t: Double = alpha + (1 - 2 * alpha) * value
                logDeterminant += -log(t) - log(1 - t) + log(1 - 2 * alpha)
            }
            let logit = -logDeterminant
            #expect(abs(term.logitVolumeTerm - logit) <= 1e-4 * abs(logit), "image \(k): logit term \(term.logitVolumeTerm) vs \(logit)")
        }
    }

    @Test("a dark L on light paper, 100x60, becomes white on black inside 20x20, centre of mass within half a pixel of (14, 14)")
    func mnistStyleConversion() throws {
        // An L in a 24-wide, 40-high box (scaled by 1/2 to 12x20): a bar 8 wide and a foot
        // 8 high, so that its centre of mass is at no half pixel and only one whole-pixel
        // placement puts it within half a pixel of (14, 14).
        var image = Self.rectangle(width: 100, height: 60, background: 230, ink: 30, x: 20..<28, y: 10..<50)
        for row in 42..<50 { for column in 20..<44 { image.pixels[row * 100 + column] = 30 } }
        let digit = try MNISTStyleDigit(grey: image, source: "L")
        let values = digit.pixels.values
        #expect(digit.pixels.shape == [1, 1, 28, 28])
        #expect(digit.box.x == 20 && digit.box.y == 10 && digit.box.width == 24 && digit.box.height == 40)
        // Light on dark: the border is black, the ink white.
        let border: [Float] = (0..<28).flatMap { (k: Int) -> [Float] in [values[k], values[27 * 28 + k], values[k * 28], values[k * 28 + 27]] }
        #expect(border.allSatisfy { $0 == 0 })
        #expect(values.max() == 1)
        // The inked pixels fit in 20x20, and the aspect ratio 24:40 is kept.
        let inked = values.indices.filter { values[$0] > 0 }
        let rows = inked.map { $0 / 28 }, columns = inked.map { $0 % 28 }
        #expect(rows.max()! - rows.min()! + 1 == 20)
        #expect(columns.max()! - columns.min()! + 1 == 12)
        // Whole 2x2 blocks of ink average to whole pixels of 1: bar 4x20 + foot 12x4 - their overlap 4x4.
        #expect(inked.count == 80 + 48 - 16 && inked.allSatisfy { values[$0] == 1 })
        var (mass, rowMoment, columnMoment) = (0.0, 0.0, 0.0)
        for (index, value) in values.enumerated() {
            mass += Double(value)
            rowMoment += Double(index / 28) * Double(value)
            columnMoment += Double(index % 28) * Double(value)
        }
        let (rowCentre, columnCentre) = (rowMoment / mass, columnMoment / mass)
        #expect(abs(rowCentre - 14) <= 0.5 && abs(columnCentre - 14) <= 0.5, "centre of mass (\(rowCentre), \(columnCentre))")
    }

    @Test("light ink on dark is kept, not inverted; a uniform image is an error")
    func polarityAndBlank() throws {
        let light = Self.rectangle(width: 30, height: 30, background: 5, ink: 250, x: 12..<18, y: 5..<25)
        let digit = try MNISTStyleDigit(grey: light, source: "light")
        #expect(digit.steps[0].contains("kept"))
        #expect(digit.pixels.values[0] == 0 && digit.pixels.values[14 * 28 + 14] == 1)
        #expect(throws: (any Error).self) { try MNISTStyleDigit(grey: PixelImage(width: 30, height: 30, channels: 1, fill: 90), source: "blank") }
    }

    @Test("the interpolation's end points decode to the encoded images, and its middle encodes to the middle of the line")
    func interpolationEndPoints() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        try Self.save(Self.tinyFlow(), in: scratch)
        let loaded = try ModelCatalog(folder: scratch.path).loadModel("ch05-mle")
        let images = Self.randomImages(2, seed: 9)
        let (a, b) = (images.slice(0..<1, alongAxis: 0), images.slice(1..<2, alongAxis: 0))
        let path = interpolate(loaded, from: a, to: b, steps: 5)
        let (ends, decoded) = (path.endpoints.values, path.images.values)
        // The encoded images are the inputs dequantised: y - x = (u - x) / 256, within a grey level.
        #expect(zip(ends, images.values).allSatisfy { abs($0 - $1) <= 1.0 / 256 + 1e-6 })
        #expect(zip(decoded.prefix(784), ends.prefix(784)).map { abs($0 - $1) }.max()! < 1e-5)
        #expect(zip(decoded.suffix(784), ends.suffix(784)).map { abs($0 - $1) }.max()! < 1e-5)
        // The middle image maps forward onto (z_A + z_B) / 2.
        let flow = loaded.flow
        let (codes, middle) = GradientRecording.withoutRecording {
            (flow.flow.forward(Variable(path.endpoints)).output.value.values,
             flow.flow.forward(Variable(path.images.slice(2..<3, alongAxis: 0))).output.value.values)
        }
        let halfway = (0..<784).map { (codes[$0] + codes[784 + $0]) / 2 }
        #expect(zip(middle, halfway).map { abs($0 - $1) }.max()! < 1e-3)
        // The first point's NLL, from the inverse pass, is A's exact NLL.
        let nllA = evaluateNLL(Self.tinyFlow(), images: a).mean
        #expect(abs(path.nlls[0] - nllA) <= 1e-3 * max(1, abs(nllA)), "\(path.nlls[0]) vs \(nllA)")
    }

    @Test("x -> z -> x leaves float32 rounding, and the errors reported are the largest per image")
    func reconstructionError() {
        let flow = Self.tinyFlow(seed: 13)
        let images = Self.randomImages(20, seed: 17)
        let result = roundTrip(flow, images: images, batchSize: 6)
        #expect(result.pixelErrors.count == 20 && result.logitErrors.count == 20)
        #expect(result.pixelErrors.max()! < 1e-5, "pixel error \(result.pixelErrors.max()!)")
        #expect(result.logitErrors.max()! < 1e-3, "logit error \(result.logitErrors.max()!)")
        // Recomputed from the returned tensors.
        let (y, back) = (result.dequantised.values, result.reconstructed.values)
        for k in 0..<20 {
            let largest = (k * 784..<(k + 1) * 784).map { abs(Double(back[$0]) - Double(y[$0])) }.max()!
            #expect(largest == result.pixelErrors[k])
        }
    }
}
