import TensorCore
import Autodiff
import NeuralLayers

/// The models of the recipe (book.md, appendix "The paper's recipe") and the course's smaller ones.
public enum FlowModels {
    /// NICE's coupling network m: BN -> Linear(d, h) -> ReLU, then `depth` x
    /// [BN -> Linear(h, h) -> ReLU], then BN -> Linear(h, d); weights truncated normal
    /// (std 0.02), biases 0.
    public static func niceCouplingNetwork(features d: Int, hidden h: Int, depth: Int,
                                           generator: inout RandomGenerator) -> Sequential {
        let initialization = WeightInitialization.truncatedNormal(std: 0.02)
        var layers: [any Layer] = [BatchNorm(d), Linear(d, h, initialization: initialization, generator: &generator), ReLU()]
        for _ in 0..<depth {
            layers += [BatchNorm(h), Linear(h, h, initialization: initialization, generator: &generator), ReLU()]
        }
        layers += [BatchNorm(h), Linear(h, d, initialization: initialization, generator: &generator)]
        return Sequential(layers)
    }

    /// The paper's MNIST generator: logit preprocessing, the image flattened to 784
    /// features, 4 additive couplings alternating even/odd halves with coupling networks
    /// of 1000 units (392 → 1000, `depth` = 5 layers of 1000 → 1000, then 1000 → 392: six
    /// hidden layers), a diagonal scaling, and a logistic prior. `hidden` and `depth` shrink
    /// it for tests and quick runs.
    public static func nice(sampleShape: [Int] = [1, 28, 28], hidden: Int = 1000, depth: Int = 5,
                            couplings: Int = 4, generator: inout RandomGenerator) -> NormalizingFlow {
        let d = sampleShape.reduce(1, *)
        var layers: [any FlowLayer] = [LogitLayer(), Reshape(from: sampleShape, to: [d])]
        for i in 0..<couplings {
            let network = niceCouplingNetwork(features: d / 2, hidden: hidden, depth: depth, generator: &generator)
            layers.append(AdditiveCoupling(network: network, parity: i % 2))
        }
        layers.append(DiagonalScaling(shape: [d]))
        return NormalizingFlow(layers, prior: .standardLogistic, sampleShape: sampleShape, latentShape: [d])
    }

    /// Real NVP for 32x32x3 images as in the recipe (2 scales, 10 affine couplings):
    /// 3 checkerboard couplings on 3x32x32, squeeze to 12x16x16, 3 channel couplings,
    /// factor out half of the channels, 4 checkerboard couplings on 6x16x16; Gaussian
    /// prior (chapter 03 swaps in NICE's logistic one to compare the two architectures on
    /// MNIST). `features` and `blocks` set the size of the s/t networks (64 and 8 in the
    /// recipe).
    public static func realNVP(sampleShape: [Int] = [3, 32, 32], features: Int = 64, blocks: Int = 8,
                               prior: Prior = .standardNormal, generator: inout RandomGenerator) -> NormalizingFlow {
        let (c, h, w) = (sampleShape[0], sampleShape[1], sampleShape[2])
        func coupling(_ mask: Tensor) -> AffineCoupling {
            AffineCoupling(network: ResidualNetwork(channels: mask.shape[1], features: features, blocks: blocks,
                                                    generator: &generator), mask: mask)
        }
        var layers: [any FlowLayer] = [LogitLayer()]
        for i in 0..<3 { layers.append(coupling(CouplingMask.checkerboard(channels: c, height: h, width: w, parity: i % 2))) }
        layers.append(Squeeze())
        for i in 0..<3 { layers.append(coupling(CouplingMask.channels(4 * c, parity: i % 2))) }
        let inner: [any FlowLayer] = (0..<4).map { i in
            coupling(CouplingMask.checkerboard(channels: 2 * c, height: h / 2, width: w / 2, parity: i % 2))
        } + [Reshape(from: [2 * c, h / 2, w / 2], to: [2 * c * h * w / 4])]
        layers.append(FactorOut(shape: [4 * c, h / 2, w / 2], inner: FlowSequence(inner)))
        return NormalizingFlow(layers, prior: prior, sampleShape: sampleShape, latentShape: [c * h * w])
    }

    /// A 2-D flow for the toy densities: `couplings` affine (or additive) couplings that
    /// alternate which coordinate passes, each with an MLP of `hidden` units.
    public static func toy(additive: Bool, couplings: Int = 6, hidden: Int = 64,
                           generator: inout RandomGenerator) -> NormalizingFlow {
        var layers: [any FlowLayer] = []
        for i in 0..<couplings {
            if additive {
                let m = Sequential([Linear(1, hidden, generator: &generator), ReLU(),
                                    Linear(hidden, hidden, generator: &generator), ReLU(),
                                    Linear(hidden, 1, generator: &generator)])
                layers.append(AdditiveCoupling(network: m, parity: i % 2))
            } else {
                let net = Sequential([Linear(2, hidden, generator: &generator), ReLU(),
                                      Linear(hidden, hidden, generator: &generator), ReLU(),
                                      Linear(hidden, 4, generator: &generator)])
                layers.append(AffineCoupling(network: net, mask: CouplingMask.channels(2, parity: i % 2, spatial: false)))
            }
        }
        if additive { layers.append(DiagonalScaling(shape: [2])) }
        return NormalizingFlow(layers, prior: .standardNormal, sampleShape: [2], latentShape: [2])
    }
}

