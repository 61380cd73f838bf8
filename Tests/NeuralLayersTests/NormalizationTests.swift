import Foundation
import Testing
import TestSupport
import TensorCore
import Autodiff
import NeuralLayers

extension NeuralLayersTestSuite {
    @Suite("BatchNorm, LayerNorm and weight normalisation")
    struct NormalizationTests {
        @Test("BatchNorm training: per-channel mean 0, biased variance 1, running averages updated",
              arguments: [[6, 3], [2, 3, 2, 2]])
        func batchNormTraining(_ shape: [Int]) {
            let layer = BatchNorm(3)
            let first = sampleTensor(shape, seed: 501, low: -1, high: 3)
            let second = sampleTensor(shape, seed: 503, low: -2, high: 1)
            let y = layer(Variable(first)).value
            for (c, statistics) in perChannelMeanAndVariance(y).enumerated() {
                #expect(abs(statistics.mean) < 1e-5, "channel \(c) mean \(statistics.mean)")
                #expect(abs(statistics.variance - 1) < 1e-3, "channel \(c) variance \(statistics.variance)")
            }
            _ = layer(Variable(second))
            // running = 0.9 running + 0.1 batch, from mean 0 and variance 1; variance unbiased.
            let a = perChannelMeanAndVariance(first, unbiased: true)
            let b = perChannelMeanAndVariance(second, unbiased: true)
            for c in 0..<3 {
                let mean = 0.9 * (0.9 * 0 + 0.1 * a[c].mean) + 0.1 * b[c].mean
                let variance = 0.9 * (0.9 * 1 + 0.1 * a[c].variance) + 0.1 * b[c].variance
                #expect(abs(Double(layer.runningMean.values[c]) - mean) < 1e-5)
                #expect(abs(Double(layer.runningVariance.values[c]) - variance) < 1e-5)
            }
            #expect(layer.namedBuffers.map(\.name) == ["running_mean", "running_variance"])
        }

        /// `withBatchNormGroups` must give what separate batches through the layer
        /// give: the same outputs and running averages, and (when recording) the same
        /// parameter gradients, summed over the batches.
        @Test("BatchNorm with statistics groups equals one pass per group", arguments: [[12, 3], [6, 3, 2, 2]])
        func batchNormGroups(_ shape: [Int]) {
            let group = shape[0] / 3
            let x = sampleTensor(shape, seed: 507, low: -1, high: 2)
            let groups = (0..<3).map { x.slice(($0 * group)..<(($0 + 1) * group), alongAxis: 0) }
            func layer() -> BatchNorm {
                let norm = BatchNorm(3)
                norm.gamma.value = Tensor(shape: [3], values: [1.5, -0.5, 2])
                norm.beta.value = Tensor(shape: [3], values: [0.25, 1, -1])
                return norm
            }
            let separate = layer()
            let expected = groups.map { separate(Variable($0)).value.values }.flatMap { $0 }
            for recording in [false, true] {
                let grouped = layer()
                let y = GradientRecording.with(recording) {
                    grouped.withBatchNormGroups(of: group) { grouped(Variable(x)) }
                }
                #expect(y.value.shape == x.shape && y.value.values == expected, "recording \(recording)")
                #expect(grouped.runningMean.values == separate.runningMean.values, "recording \(recording)")
                #expect(grouped.runningVariance.values == separate.runningVariance.values, "recording \(recording)")
            }
            // Gradients of a weighted sum of the outputs with respect to gamma and beta.
            let weights = sampleTensor(shape, seed: 509)
            let grouped = layer(), reference = layer()
            let output = grouped.withBatchNormGroups(of: group) { grouped(Variable(x)) }
            let groupedGradients = gradients(of: (output * Variable(weights)).sum(), withRespectTo: [grouped.gamma, grouped.beta])
            var sums = [[Float]](repeating: [0, 0, 0], count: 2)
            for (k, part) in groups.enumerated() {
                let w = weights.slice((k * group)..<((k + 1) * group), alongAxis: 0)
                let g = gradients(of: (reference(Variable(part)) * Variable(w)).sum(), withRespectTo: [reference.gamma, reference.beta])
                for i in 0..<2 { for c in 0..<3 { sums[i][c] += g[i].value.values[c] } }
            }
            for i in 0..<2 {
                for c in 0..<3 {
                    #expect(abs(groupedGradients[i].value.values[c] - sums[i][c]) <= 1e-5 * max(1, abs(sums[i][c])))
                }
            }
        }

        @Test("BatchNorm training applies gamma and beta per channel")
        func batchNormAffine() {
            let layer = BatchNorm(2)
            layer.gamma.value = Tensor(shape: [2], values: [2, 0.5])
            layer.beta.value = Tensor(shape: [2], values: [-1, 3])
            let y = layer(Variable(sampleTensor([3, 2, 2, 2], seed: 505))).value
            let statistics = perChannelMeanAndVariance(y)
            #expect(abs(statistics[0].mean + 1) < 1e-5 && abs(statistics[1].mean - 3) < 1e-5)
            #expect(abs(statistics[0].variance - 4) < 4e-3 && abs(statistics[1].variance - 0.25) < 1e-3)
        }

        @Test("BatchNorm evaluation: (x - running mean) / sqrt(running variance + eps) · gamma + beta")
        func batchNormEvaluation() throws {
            let layer = BatchNorm(2, epsilon: 1e-3)
            let mean: [Float] = [0.5, -1], variance: [Float] = [4, 0.25]
            let gamma: [Float] = [1.5, -0.5], beta: [Float] = [0.1, 2]
            // As a checkpoint restores them.
            try layer.setBuffer("running_mean", Tensor(shape: [2], values: mean))
            try layer.setBuffer("running_variance", Tensor(shape: [2], values: variance))
            layer.gamma.value = Tensor(shape: [2], values: gamma)
            layer.beta.value = Tensor(shape: [2], values: beta)
            layer.isTraining = false
            let x = sampleTensor([2, 2, 1, 3], seed: 507)
            let y = layer(Variable(x)).value
            #expect(y.shape == x.shape)
            for n in 0..<2 { for c in 0..<2 { for i in 0..<3 {
                let k = (n * 2 + c) * 3 + i
                let expected = (Double(x.values[k]) - Double(mean[c])) / (Double(variance[c]) + 1e-3).squareRoot()
                    * Double(gamma[c]) + Double(beta[c])
                #expect(abs(Double(y.values[k]) - expected) < 1e-5)
            } } }
            // Evaluation leaves the running averages alone.
            #expect(layer.runningMean.values == mean)
        }

        @Test("LayerNorm: each sample has mean 0 and variance 1", arguments: [[3, 4], [2, 3, 2, 2]])
        func layerNormStatistics(_ shape: [Int]) {
            let layer = LayerNorm(shape[1])
            let y = layer(Variable(sampleTensor(shape, seed: 511, low: -3, high: 5))).value
            for statistics in perSampleMeanAndVariance(y) {
                #expect(abs(statistics.mean) < 1e-5)
                #expect(abs(statistics.variance - 1) < 1e-3)
            }
        }

        /// ∂h/∂(x, gamma, beta) for h = Σ (∂f/∂x) · V, f = Σ LayerNorm(x) · W, against central
        /// differences of h evaluated from first-order gradients; and the first-order gradient
        /// against differences of f.
        @Test("LayerNorm first- and second-order gradients", arguments: [[3, 4], [2, 2, 2, 2]])
        func layerNormGradients(_ shape: [Int]) {
            let layer = LayerNorm(shape[1])
            let weights = sampleTensor(shape, seed: 513), probe = sampleTensor(shape, seed: 517)
            let inputs = [sampleTensor(shape, seed: 519, low: -2, high: 2),
                          sampleTensor([shape[1]], seed: 521, low: 0.5, high: 1.5),
                          sampleTensor([shape[1]], seed: 523)]
            func f(_ v: [Variable]) -> Variable {
                layer.gamma.value = v[1].value   // the layer's parameters are set to the inputs
                layer.beta.value = v[2].value
                return (layer(v[0]) * Variable(weights)).sum()
            }
            // First order, with the layer's own parameter variables as targets.
            let x = Variable(inputs[0], requiresGradient: true)
            layer.gamma.value = inputs[1]
            layer.beta.value = inputs[2]
            let loss = (layer(x) * Variable(weights)).sum()
            let first = gradients(of: loss, withRespectTo: [x, layer.gamma, layer.beta], createGraph: true)
            // Second order through the recorded first-order gradient with respect to x.
            let penalty = (first[0] * Variable(probe)).sum()
            let second = gradients(of: penalty, withRespectTo: [x, layer.gamma, layer.beta])
            // Differences only after both analytic passes: f overwrites the layer's parameters.
            let numericFirst = numericalGradients(inputs, step: 1e-2) { t in
                Double(f(t.map { Variable($0) }).value.scalar)
            }
            for k in 0..<3 {
                let error = relativeError(first[k].value.values, numericFirst[k])
                #expect(error < 1e-2, "first order, input \(k): \(error)")
            }
            let numericSecond = numericalGradients(inputs, step: 1e-2) { t in
                let xv = Variable(t[0], requiresGradient: true)
                let g = gradients(of: f([xv, Variable(t[1]), Variable(t[2])]), withRespectTo: [xv])[0]
                return dot(g.value.values, probe.values)
            }
            for k in 0..<3 {
                let error = relativeError(second[k].value.values, numericSecond[k])
                #expect(error < 1e-2, "second order, input \(k): \(error)")
            }
        }

        @Test("weightNormalized: each output unit's weights have norm g and direction v", arguments: [0, 1])
        func weightNormalization(outputAxis: Int) {
            // outputAxis 1: linear weights [In, Out]; outputAxis 0: conv weights [O, C, kh, kw].
            let shape = outputAxis == 1 ? [4, 3] : [3, 2, 2, 2]
            let v = sampleTensor(shape, seed: 531)
            let g: [Float] = [0.5, 2, 1.25]
            let w = weightNormalized(direction: Variable(v), scale: Variable(Tensor(shape: [3], values: g)),
                                     outputAxis: outputAxis).value
            let values = w.values, directions = v.values
            for unit in 0..<3 {
                let indices = (0..<w.count).filter { k in
                    outputAxis == 1 ? k % 3 == unit : k / (w.count / 3) == unit
                }
                let norm = indices.reduce(0.0) { $0 + Double(values[$1]) * Double(values[$1]) }.squareRoot()
                let directionNorm = indices.reduce(0.0) { $0 + Double(directions[$1]) * Double(directions[$1]) }.squareRoot()
                #expect(abs(norm - Double(g[unit])) < 1e-5)
                for k in indices {
                    #expect(abs(Double(values[k]) - Double(g[unit]) * Double(directions[k]) / directionNorm) < 1e-5)
                }
            }
        }

        @Test("weightNormalized gradients with respect to direction and scale")
        func weightNormalizationGradients() {
            let inputs = [sampleTensor([3, 2], seed: 533), sampleTensor([2], seed: 535, low: 0.5, high: 2)]
            let weights = sampleTensor([3, 2], seed: 537)
            let vars = inputs.map { Variable($0, requiresGradient: true) }
            let loss = (weightNormalized(direction: vars[0], scale: vars[1], outputAxis: 1) * Variable(weights)).sum()
            let analytic = gradients(of: loss, withRespectTo: vars)
            let numeric = numericalGradients(inputs, step: 1e-2) { t in
                dot(weightNormalized(direction: Variable(t[0]), scale: Variable(t[1]), outputAxis: 1).value.values,
                    weights.values)
            }
            for k in 0..<2 { #expect(relativeError(analytic[k].value.values, numeric[k]) < 1e-2) }
        }
    }
}
