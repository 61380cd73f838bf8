import ArgumentParser
import Foundation
import TensorCore
import Autodiff
import Datasets
import Checkpoints
import Evaluation
import Figures
import Course

/// `flowgan score`: the exact likelihood of your own digits (or of test images).
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Scores PNG images (or test images) by their exact NLL under each model.",
        discussion: """
        Makes each PNG into an MNIST-style digit (grey, white on black, the ink's bounding box \
        scaled into 20x20 and centred by its centre of mass in 28x28; each step printed), then \
        prints its exact NLL in nats and bits/dim under each model, computed as the chapters \
        compute it (evaluateNLL: dequantised, then -log p_Z(f(y)) - log|det ∂f/∂y|), split into \
        the prior term and the volume term; its percentile among the NLLs of the first \
        --test-images test images; and the guess of chapter 06's classifier when its cache \
        file is in the checkpoint folder. --from-test N scores test image N as it is.

        Example: flowgan score my-seven.png --model hybrid
        Example: flowgan score --from-test 0
        """)

    @OptionGroup var folders: ModelFolders
    @Argument(help: "PNG images of digits, any size, grey or colour.")
    var images: [String] = []
    @Option(name: .customLong("from-test"), help: "Score test image N (0...9999) instead of PNG files.")
    var fromTest: Int?
    @Option(help: "The model (default: every model in the checkpoint folder).")
    var model: String?
    @OptionGroup var reference: ReferenceImages

    func validate() throws {
        guard images.isEmpty != (fromTest == nil) else {
            throw ValidationError(images.isEmpty ? "name PNG images to score, or --from-test N" : "give PNG images or --from-test, not both")
        }
        if let fromTest, !(0..<10_000).contains(fromTest) { throw ValidationError("--from-test must be in 0...9999, got \(fromTest)") }
    }

    func run() throws {
        let catalog = try folders.catalog()
        let models = try catalog.loadModels(model)
        let digitModels = models.filter { $0.flow.sampleShape == [1, 28, 28] }
        for skipped in models where skipped.flow.sampleShape != [1, 28, 28] {
            note("\(skipped.name): skipped: it models \(skipped.flow.sampleShape.map(String.init).joined(separator: "x")) images, not 28x28 digits")
        }
        guard let first = digitModels.first else { throw ChapterError("no model of 28x28 digits to score with in \(catalog.folder)") }

        // The images, read and converted before any model runs: a bad file stops here.
        var digits: [(label: String, pixels: Tensor)] = []
        var testSets: [DatasetName: LabelledImages] = [:]
        func testSet(_ model: LoadedModel) throws -> LabelledImages {
            if let cached = testSets[model.dataset] { return cached }
            let loaded = try folders.testImages(for: model)
            testSets[model.dataset] = loaded
            return loaded
        }
        if let fromTest {
            let test = try testSet(first)
            guard fromTest < test.count else { throw ChapterError("--from-test \(fromTest): the test set has \(test.count) images") }
            digits.append(("test image \(fromTest) (label \(test.labels[fromTest]))", test.images.slice(fromTest..<(fromTest + 1), alongAxis: 0)))
        }
        for path in images {
            let (digit, format) = try readDigit(path)
            print("\(path): \(format)")
            for step in digit.steps { print("  \(step)") }
            digits.append((path, digit.pixels))
        }

        // Each model's reference: the NLLs of the first test images, each dequantised as a scored image is.
        var references: [String: [Double]] = [:]
        for model in digitModels {
            let test = try testSet(model)
            references[model.name] = exactNLLTerms(model.flow, images: test.images.slice(0..<min(reference.count, test.count), alongAxis: 0)).map(\.nll)
        }
        let classifier = try digitClassifier(in: catalog, dataset: first.dataset)
        if classifier == nil {
            print("classifier: no \(classifierCacheFileName(first.dataset)) in \(catalog.folder) ('swift run chapter06-evaluation' trains and caches it)")
        }

        for (label, pixels) in digits {
            print("\(label):")
            for model in digitModels {
                let score = scoreDigit(pixels, model: model, referenceNLLs: references[model.name] ?? [])
                print("  \(model.name): " + score.summary)
                print(String(format: "  %@  percentile %.1f among the first %d %@ test images (their median %.1f nats)",
                             String(repeating: " ", count: model.name.count), score.percentile, score.referenceCount,
                             model.dataset.displayName, score.referenceMedian))
            }
            if let (name, network) = classifier {
                let probabilities = network.probabilities(pixels).values
                let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
                print(String(format: "  classifier (%@): a %d, p = %.3f", name, best, probabilities[best]))
            }
        }
    }
}

/// A PNG read as grey (colour by libpng's luminance, transparency onto white) and made
/// into an MNIST-style digit; the second value describes the file in a few words.
func readDigit(_ path: String) throws -> (digit: MNISTStyleDigit, format: String) {
    let decoded = try PNGFile.readChecked(path, channels: 1, minimumSide: 8)
    let digit = try MNISTStyleDigit(grey: decoded.image, source: path)
    let format = "\(decoded.image.width)x\(decoded.image.height) \(decoded.isColour ? "colour" : "grey") PNG"
        + (decoded.hasAlpha ? " with transparency (composited onto white)" : "") + (decoded.isColour ? ", read as grey" : "")
    return (digit, format)
}

/// An image's score under one model.
struct DigitScore {
    /// `evaluateNLL` of the image alone: nats per image on [0, 1]^D.
    let nll: Double
    let bitsPerDim: Double
    /// The same NLL in its parts (their sum equals `nll` to float32 rounding).
    let terms: NLLTerms
    /// Its percentile among `referenceCount` test images' NLLs, and their median.
    let percentile: Double
    let referenceCount: Int
    let referenceMedian: Double

    var summary: String {
        String(format: "NLL %.1f nats = %.3f bits/dim = -log p_Z(z) %.1f + -log|det df/dy| %.1f (logit %.1f, the rest %.1f)",
               nll, bitsPerDim, terms.priorTerm, terms.volumeTerm, terms.logitVolumeTerm, terms.volumeTerm - terms.logitVolumeTerm)
    }
}

/// Scores `pixels` [1, C, H, W] (values k/255) under `model`: the NLL by the library's
/// `evaluateNLL`, its parts by `exactNLLTerms` (the same dequantisation), the percentile
/// among `referenceNLLs`.
func scoreDigit(_ pixels: Tensor, model: LoadedModel, referenceNLLs: [Double]) -> DigitScore {
    let nll = evaluateNLL(model.flow, images: pixels).mean
    let terms = exactNLLTerms(model.flow, images: pixels)[0]
    return DigitScore(nll: nll, bitsPerDim: bitsPerDimension(nllNats: nll, dimension: model.flow.dimension), terms: terms,
                      percentile: percentile(of: nll, among: referenceNLLs), referenceCount: referenceNLLs.count,
                      referenceMedian: referenceNLLs.isEmpty ? .nan : median(referenceNLLs))
}

/// Chapter 06's digit classifier for `dataset` from its cache file in the catalog (the full
/// one before a smoke run's "-quick" one), or nil when there is none.
func digitClassifier(in catalog: ModelCatalog, dataset: DatasetName) throws -> (String, DigitClassifier)? {
    guard dataset != .cifar10 else { return nil }
    for quick in [false, true] {
        let file = classifierCacheFileName(dataset, quick: quick)
        guard let entry = catalog.entries.first(where: { ($0.path as NSString).lastPathComponent == file }),
              case .classifier(let kind) = entry.kind, kind == DigitClassifier.kind else { continue }
        var generator = RandomGenerator(seed: 0)
        let classifier = DigitClassifier(generator: &generator)
        try Checkpoints.loadModel(classifier, from: entry.path)
        classifier.isTraining = false
        return (entry.name, classifier)
    }
    return nil
}
