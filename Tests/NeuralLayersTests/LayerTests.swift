import Testing
import TestSupport
import TensorCore
import Autodiff
import NeuralLayers

extension NeuralLayersTestSuite {
    @Suite("Linear, Conv2d, activations and Sequential")
    struct LayerTests {
        @Test("Linear computes x W + b, checked against a naive loop")
        func linear() {
            var generator = RandomGenerator(seed: 1)
            let layer = Linear(4, 3, generator: &generator)
            layer.bias.value = sampleTensor([3], seed: 601)
            let x = sampleTensor([5, 4], seed: 603)
            let y = layer(Variable(x)).value
            #expect(y.shape == [5, 3])
            let w = layer.weight.value.values, b = layer.bias.value.values, xv = x.values
            #expect(layer.weight.shape == [4, 3])
            for n in 0..<5 { for o in 0..<3 {
                var expected = Double(b[o])
                for i in 0..<4 { expected += Double(xv[n * 4 + i]) * Double(w[i * 3 + o]) }
                #expect(abs(Double(y.values[n * 3 + o]) - expected) < 1e-5)
            } }
        }

        @Test("default initialisation is uniform within ±1/sqrt(fan-in), bias zero")
        func initialisation() {
            var generator = RandomGenerator(seed: 2)
            let layer = Linear(16, 8, generator: &generator)
            let bound: Float = 0.25
            #expect(layer.weight.value.values.allSatisfy { abs($0) <= bound })
            #expect(layer.weight.value.values.contains { abs($0) > bound / 2 })
            #expect(layer.bias.value.values.allSatisfy { $0 == 0 })
            let conv = Conv2d(2, 3, kernelSize: 3, generator: &generator)
            #expect(conv.weight.shape == [3, 2, 3, 3])
            #expect(conv.weight.value.values.allSatisfy { abs($0) <= 1 / Float(18).squareRoot() })
        }

        /// y[n, o, i, j] = b[o] + Σ_{c, u, v} x[n, c, s·i + u - p, s·j + v - p] · w[o, c, u, v],
        /// with out-of-range x read as zero.
        @Test("Conv2d computes the convolution and adds the bias per channel")
        func conv2d() {
            var generator = RandomGenerator(seed: 3)
            let layer = Conv2d(2, 3, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
            layer.bias.value = Tensor(shape: [3], values: [0.5, -1, 2])
            let x = sampleTensor([2, 2, 5, 5], seed: 605)
            let y = layer(Variable(x)).value
            #expect(y.shape == [2, 3, 3, 3])
            let w = layer.weight.value.values, b = layer.bias.value.values, xv = x.values
            for n in 0..<2 { for o in 0..<3 { for i in 0..<3 { for j in 0..<3 {
                var expected = Double(b[o])
                for c in 0..<2 { for u in 0..<3 { for v in 0..<3 {
                    let row = 2 * i + u - 1, column = 2 * j + v - 1
                    guard (0..<5).contains(row) && (0..<5).contains(column) else { continue }
                    expected += Double(xv[((n * 2 + c) * 5 + row) * 5 + column]) * Double(w[((o * 2 + c) * 3 + u) * 3 + v])
                } } }
                #expect(abs(Double(y.values[((n * 3 + o) * 3 + i) * 3 + j]) - expected) < 1e-5)
            } } } }
        }

        @Test("LeakyReLU and ReLU layers")
        func activations() {
            let x = Variable(Tensor(shape: [4], values: [-2, -0.5, 0.5, 3]))
            #expect(LeakyReLU()(x).value.values == [-0.4, -0.1, 0.5, 3])
            #expect(LeakyReLU(slope: 0.5)(x).value.values == [-1, -0.25, 0.5, 3])
            #expect(ReLU()(x).value.values == [0, 0, 0.5, 3])
            #expect(LeakyReLU().namedParameters.isEmpty)
        }

        @Test("Sequential applies layers in order and names parameters by position")
        func sequential() {
            var generator = RandomGenerator(seed: 4)
            let first = Linear(3, 4, generator: &generator), second = Linear(4, 2, generator: &generator)
            let model = Sequential([first, LeakyReLU(), second, BatchNorm(2)])
            #expect(model.namedParameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias",
                                                          "3.gamma", "3.beta"])
            #expect(model.namedBuffers.map(\.name) == ["3.running_mean", "3.running_variance"])
            #expect(model.namedParameters[2].parameter === second.weight)
            #expect(model.parameterCount == 3 * 4 + 4 + 4 * 2 + 2 + 2 + 2)
            // Evaluation mode reaches the batch norm inside.
            model.isTraining = false
            #expect(model.isTraining == false)
            let x = Variable(sampleTensor([3, 3], seed: 607))
            let expected = second(first(x).leakyRelu()).value.values   // running stats 0 / 1, gamma 1, beta 0
            let y = model(x).value.values
            for (a, e) in zip(y, expected) { #expect(abs(a - e / (1 + 1e-5 as Float).squareRoot()) < 1e-5) }
        }

        @Test("WeightNormConv2d starts with weights equal to its direction")
        func weightNormConv() {
            var generator = RandomGenerator(seed: 5)
            let layer = WeightNormConv2d(2, 3, kernelSize: 1, generator: &generator)
            let w = weightNormalized(direction: layer.direction, scale: layer.scale, outputAxis: 0).value
            for (a, b) in zip(w.values, layer.direction.value.values) { #expect(abs(a - b) < 1e-6) }
            #expect(layer.namedParameters.map(\.name) == ["direction", "scale", "bias"])
        }

        @Test("Linear gradients through a layer match central differences")
        func linearGradients() {
            var generator = RandomGenerator(seed: 6)
            let layer = Linear(3, 2, generator: &generator)
            layer.bias.value = sampleTensor([2], seed: 609)
            let x = sampleTensor([4, 3], seed: 611), weights = sampleTensor([4, 2], seed: 613)
            let loss = (layer(Variable(x)).tanh() * Variable(weights)).sum()
            let analytic = gradients(of: loss, withRespectTo: [layer.weight, layer.bias])
            let start = [layer.weight.value, layer.bias.value]
            let numeric = numericalGradients(start, step: 1e-2) { t in
                layer.weight.value = t[0]; layer.bias.value = t[1]
                return dot(layer(Variable(x)).tanh().value.values, weights.values)
            }
            for k in 0..<2 { #expect(relativeError(analytic[k].value.values, numeric[k]) < 1e-2) }
        }
    }
}
