import TensorCore
import Autodiff
import NeuralLayers

/// The critics of the recipe: functions D(x) -> one number per sample, [N, 1].
public enum Critics {
    /// MNIST: conv 5x5 stride 2 to 1 channel -> leaky ReLU(0.2); conv 5x5 stride 2 to 64
    /// channels -> leaky ReLU; Linear(3136, 1024) -> leaky ReLU -> Linear(1). "Same"
    /// padding (2), so 28x28 -> 14x14 -> 7x7.
    public static func mnist(generator: inout RandomGenerator, width: Int = 1024) -> Sequential {
        Sequential([
            Conv2d(1, 1, kernelSize: 5, stride: 2, padding: 2, generator: &generator), LeakyReLU(slope: 0.2),
            Conv2d(1, 64, kernelSize: 5, stride: 2, padding: 2, generator: &generator), LeakyReLU(slope: 0.2),
            Flatten(),
            Linear(64 * 7 * 7, width, generator: &generator), LeakyReLU(slope: 0.2),
            Linear(width, 1, generator: &generator),
        ])
    }

    /// CIFAR-10: 4 x [conv 5x5 stride 2 (64, 128, 256, 512) -> leaky ReLU -> LayerNorm],
    /// then Linear(2048, 1). LayerNorm, not batch norm: the gradient penalty is taken per
    /// sample, and batch statistics would couple the samples.
    public static func cifar10(generator: inout RandomGenerator, width: Int = 64) -> Sequential {
        var layers: [any Layer] = []
        var channels = 3
        for k in 0..<4 {
            let out = width << k
            layers += [Conv2d(channels, out, kernelSize: 5, stride: 2, padding: 2, generator: &generator),
                       LeakyReLU(slope: 0.2), LayerNorm(out)]
            channels = out
        }
        return Sequential(layers + [Flatten(), Linear(channels * 2 * 2, 1, generator: &generator)])
    }

    /// A small MLP critic for 2-D points: 2 -> h -> h -> h -> 1 with leaky ReLUs.
    public static func toy(hidden: Int = 128, generator: inout RandomGenerator) -> Sequential {
        Sequential([
            Linear(2, hidden, generator: &generator), LeakyReLU(slope: 0.2),
            Linear(hidden, hidden, generator: &generator), LeakyReLU(slope: 0.2),
            Linear(hidden, hidden, generator: &generator), LeakyReLU(slope: 0.2),
            Linear(hidden, 1, generator: &generator),
        ])
    }
}
