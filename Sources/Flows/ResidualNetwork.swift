import TensorCore
import Autodiff
import NeuralLayers

/// The s/t network of the recipe's Real NVP couplings, for C input channels:
/// BN -> 1x1 conv (weight norm) to F features -> ReLU -> BN, then `blocks` residual
/// blocks [3x3 conv -> ReLU -> BN -> 3x3 conv -> + skip -> ReLU -> BN], then a 1x1 conv
/// to 2C channels (the coupling applies tanh).
public final class ResidualNetwork: Layer {
    let inputNorm: BatchNorm
    let inputConv: WeightNormConv2d
    let stemNorm: BatchNorm
    let blocks: [(Conv2d, BatchNorm, Conv2d, BatchNorm)]
    let outputConv: Conv2d

    public init(channels: Int, features: Int, blocks count: Int, generator: inout RandomGenerator) {
        inputNorm = BatchNorm(channels)
        inputConv = WeightNormConv2d(channels, features, kernelSize: 1, generator: &generator)
        stemNorm = BatchNorm(features)
        var blocks: [(Conv2d, BatchNorm, Conv2d, BatchNorm)] = []
        for _ in 0..<count {
            blocks.append((Conv2d(features, features, kernelSize: 3, padding: 1, generator: &generator), BatchNorm(features),
                           Conv2d(features, features, kernelSize: 3, padding: 1, generator: &generator), BatchNorm(features)))
        }
        self.blocks = blocks
        // The last convolution starts at zero so every coupling starts as the identity.
        outputConv = Conv2d(features, 2 * channels, kernelSize: 1, initialization: .truncatedNormal(std: 0), generator: &generator)
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        var h = stemNorm(inputConv(inputNorm(x)).relu())
        for (conv1, norm1, conv2, norm2) in blocks {
            h = norm2((conv2(norm1(conv1(h).relu())) + h).relu())
        }
        return outputConv(h)
    }

    public var children: [(name: String, module: any Module)] {
        var list: [(name: String, module: any Module)] = [("input_norm", inputNorm), ("input_conv", inputConv), ("stem_norm", stemNorm)]
        for (i, block) in blocks.enumerated() {
            list += [("block\(i).conv1", block.0), ("block\(i).norm1", block.1),
                     ("block\(i).conv2", block.2), ("block\(i).norm2", block.3)]
        }
        return list + [("output_conv", outputConv)]
    }
}
