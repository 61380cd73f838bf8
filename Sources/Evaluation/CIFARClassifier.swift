import Foundation
import TensorCore
import Autodiff
import NeuralLayers

/// The CIFAR-10 classifier behind the Inception-style and MODE scores of colour images,
/// in place of Inception-v3 (whose weights cannot be downloaded here): a small
/// convolutional network with strided convolutions in place of pooling,
///
///   [N, 3, 32, 32] → standardise per channel → conv 3×3 (32) → ReLU       → [N, 32, 32, 32]
///                  → conv 3×3/2 (64) → ReLU   → [N, 64, 16, 16]
///                  → conv 3×3/2 (128) → ReLU  → [N, 128, 8, 8]
///                  → conv 3×3/2 (128) → ReLU  → [N, 128, 4, 4] → flatten [N, 2048]
///                  → linear 256 → ReLU → linear 10 → logits [N, 10],
///
/// He-initialised and trained like `DigitClassifier` (`trainOrLoad`), on training images
/// flipped left-right at random and shifted by up to 2 pixels. Standardisation uses the
/// mean μ_c and deviation s_c of each colour channel c over the training images,
/// (x - μ_c) / s_c, kept as buffers so that a cached classifier carries them. On a CPU
/// budget of a few epochs its accuracy stays far below the state of the art, so its
/// scores rank models but are not comparable to published Inception scores.
public final class CIFARClassifier: ImageClassifier, BufferOwner {
    public let features: Sequential
    public let head: Sequential
    /// μ_c and s_c, [3] each (0 and 1 until `prepare` sees training images).
    public private(set) var channelMean = Tensor(zeros: [3])
    public private(set) var channelDeviation = Tensor(shape: [3], values: [1, 1, 1])

    public static let imageShape = [3, 32, 32]
    public static let kind = "cifar10-classifier-v1"

    public required init(generator: inout RandomGenerator) {
        func he(_ fanIn: Int) -> WeightInitialization { .truncatedNormal(std: (2 / Float(fanIn)).squareRoot()) }
        features = Sequential([
            Conv2d(3, 32, kernelSize: 3, stride: 1, padding: 1, initialization: he(27), generator: &generator), ReLU(),
            Conv2d(32, 64, kernelSize: 3, stride: 2, padding: 1, initialization: he(288), generator: &generator), ReLU(),
            Conv2d(64, 128, kernelSize: 3, stride: 2, padding: 1, initialization: he(576), generator: &generator), ReLU(),
            Conv2d(128, 128, kernelSize: 3, stride: 2, padding: 1, initialization: he(1152), generator: &generator), ReLU(),
        ])
        head = Sequential([
            Linear(128 * 4 * 4, 256, initialization: he(2048), generator: &generator), ReLU(),
            Linear(256, 10, generator: &generator),
        ])
    }

    public var children: [(name: String, module: any Module)] { [("features", features), ("head", head)] }

    public var ownBuffers: [(name: String, buffer: Tensor)] {
        [("channel_mean", channelMean), ("channel_deviation", channelDeviation)]
    }

    public func setBuffer(_ name: String, _ value: Tensor) throws {
        guard value.shape == [3] else { throw ModuleStateError("\(name) has shape \(value.shape), expected [3]") }
        switch name {
        case "channel_mean": channelMean = value
        case "channel_deviation": channelDeviation = value
        default: throw ModuleStateError("CIFARClassifier has no buffer \(name)")
        }
    }

    /// μ_c and s_c of the training images [N, 3, H, W], in Double (s_c at least 1e-3).
    public func prepare(trainingImages: Tensor) {
        let (n, c, plane) = (trainingImages.shape[0], trainingImages.shape[1], trainingImages.shape[2] * trainingImages.shape[3])
        var means: [Float] = [], deviations: [Float] = []
        trainingImages.withUnsafeBufferPointer { p in
            for channel in 0..<c {
                var sum = 0.0, squares = 0.0
                for image in 0..<n {
                    let base = (image * c + channel) * plane
                    for i in 0..<plane { let v = Double(p[base + i]); sum += v; squares += v * v }
                }
                let count = Double(max(n * plane, 1))
                let mean = sum / count
                means.append(Float(mean))
                deviations.append(Float(max(max(squares / count - mean * mean, 0).squareRoot(), 1e-3)))
            }
        }
        channelMean = Tensor(shape: [3], values: means)
        channelDeviation = Tensor(shape: [3], values: deviations)
    }

    /// The logits [N, 10] of images [N, 3, 32, 32] (or [N, 3072]).
    public func logits(_ images: Variable) -> Variable {
        let n = images.shape[0]
        precondition(images.value.count == n * 3072, "CIFARClassifier takes 3×32×32 images, got shape \(images.shape)")
        let x = images.shape.count == 4 ? images : images.reshaped([n] + CIFARClassifier.imageShape)
        let scale = Tensor(shape: [1, 3, 1, 1], values: channelDeviation.values.map { 1 / $0 })
        let standardised = (x - Variable(channelMean.reshaped([1, 3, 1, 1]))) * Variable(scale)
        return head(features(standardised).reshaped([n, -1]))
    }

    /// Each image flipped left-right with probability 1/2, then shifted by up to 2 pixels.
    public static func augmented(_ images: Tensor, generator: inout RandomGenerator) -> Tensor {
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        var flipped = Tensor(uninitializedShape: images.shape)
        let src = images.unsafeReadPointer, dst = flipped.unsafeWritePointer()
        for image in 0..<n {
            let flip = generator.nextInt(below: 2) == 1
            for plane in (image * c)..<((image + 1) * c) {
                for y in 0..<h {
                    let row = (plane * h + y) * w
                    for x in 0..<w { dst[row + x] = src[row + (flip ? w - 1 - x : x)] }
                }
            }
        }
        return DigitClassifier.randomlyShifted(flipped, maximumShift: 2, generator: &generator)
    }
}
