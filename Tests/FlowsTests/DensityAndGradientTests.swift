import Foundation
import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Flows

extension FlowsTestSuite {
    @Suite("A flow's density integrates to one; its NLL gradients match finite differences")
    struct DensityAndGradientTests {
        /// ∫ p(x) dx over [-12, 12]² by the midpoint rule on a 480 x 480 grid. A density that
        /// forgets a log-determinant term (or gets its sign wrong) misses 1 by far more than 1e-2.
        @Test("the 2-D affine toy flow's density integrates to 1 over [-12, 12]²")
        func densityIntegratesToOne() {
            var generator = RandomGenerator(seed: 500)
            let model = FlowModels.toy(additive: false, generator: &generator)
            perturbParameters(of: model, std: 0.1, seed: 501)
            let points = 480, low = -12.0, high = 12.0

            // The square must hold (almost) all of the mass: the fraction of the model's own
            // samples that fall outside estimates the mass the grid cannot see.
            var sampler = RandomGenerator(seed: 502)
            let samples = GradientRecording.withoutRecording { model.sample(20_000, generator: &sampler).value }
            let outside = (0..<20_000).filter { s in sampleValues(samples, s).contains { abs(Double($0)) > high } }.count
            #expect(outside <= 10, "\(outside) of 20000 samples outside the square")

            let cell = (high - low) / Double(points)
            var mass = 0.0
            let rowsPerBatch = 20
            for firstRow in stride(from: 0, to: points, by: rowsPerBatch) {
                var values: [Float] = []
                for i in firstRow..<(firstRow + rowsPerBatch) { for j in 0..<points {
                    values.append(Float(low + (Double(i) + 0.5) * cell))
                    values.append(Float(low + (Double(j) + 0.5) * cell))
                } }
                let grid = Tensor(shape: [rowsPerBatch * points, 2], values: values)
                let logDensity = GradientRecording.withoutRecording { model.logLikelihood(Variable(grid)).value.values }
                mass += logDensity.reduce(0.0) { $0 + Foundation.exp(Double($1)) } * cell * cell
            }
            #expect(abs(mass - 1) < 1e-2, "∫ p(x) dx = \(mass)")
        }

        /// The mean NLL of a batch, evaluated without recording, summed in Double.
        static func negativeLogLikelihood(_ model: NormalizingFlow, _ x: Tensor) -> Double {
            let values = GradientRecording.withoutRecording { model.logLikelihood(Variable(x)).value.values }
            return -values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        }

        /// Central difference of the NLL in one entry of one parameter, restoring it after.
        static func numericalDerivative(_ model: NormalizingFlow, _ x: Tensor, parameter: Variable, entry k: Int,
                                        step: Float) -> Double {
            let original = parameter.value
            let h = step * max(1, abs(original.values[k]))
            var plus = original, minus = original
            var up: Float = 0, down: Float = 0
            plus.withUnsafeMutableBufferPointer { v in v[k] += h; up = v[k] }
            minus.withUnsafeMutableBufferPointer { v in v[k] -= h; down = v[k] }
            parameter.value = plus
            let lossPlus = negativeLogLikelihood(model, x)
            parameter.value = minus
            let lossMinus = negativeLogLikelihood(model, x)
            parameter.value = original
            return (lossPlus - lossMinus) / (Double(up) - Double(down))
        }

        /// Compares ∂NLL/∂θ from the backward pass with central differences for a few
        /// randomly chosen entries θ of randomly chosen parameters. The networks are
        /// piecewise linear (ReLU), so a kink may fall within a step; the difference is
        /// taken with two steps and one of them must agree.
        static func checkGradients(_ model: NormalizingFlow, input x: Tensor, entries: Int, seed: UInt64,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
            let parameters = model.namedParameters
            let loss = model.negativeLogLikelihood(Variable(x))
            #expect(abs(Double(loss.value.scalar) - negativeLogLikelihood(model, x)) < 1e-4 * abs(Double(loss.value.scalar)),
                    sourceLocation: sourceLocation)
            let analytic = gradients(of: loss, withRespectTo: parameters.map(\.parameter)).map(\.value)
            var chooser = RandomGenerator(seed: seed)
            for _ in 0..<entries {
                let p = chooser.nextInt(below: parameters.count)
                let (name, parameter) = parameters[p]
                let k = chooser.nextInt(below: parameter.value.count)
                let value = Double(analytic[p].values[k])
                let numeric = [1e-3, 3e-3].map { numericalDerivative(model, x, parameter: parameter, entry: k, step: $0) }
                let errors = numeric.map { abs(value - $0) / (5e-2 + abs($0)) }
                #expect(errors.min()! < 2e-2, "∂NLL/∂\(name)[\(k)]: backward \(value), finite differences \(numeric)",
                        sourceLocation: sourceLocation)
            }
        }

        @Test("tiny NICE: NLL gradients match finite differences in evaluation mode")
        func niceGradientsEvaluation() {
            var generator = RandomGenerator(seed: 510)
            let model = FlowModels.nice(sampleShape: [1, 4, 4], hidden: 8, depth: 1, generator: &generator)
            ModelTests.prepare(model, std: 0.3, seed: 511)
            Self.checkGradients(model, input: ModelTests.pixels(6, [1, 4, 4], seed: 512), entries: 16, seed: 513)
        }

        @Test("tiny NICE: NLL gradients match finite differences in training mode (batch statistics)")
        func niceGradientsTraining() {
            var generator = RandomGenerator(seed: 520)
            let model = FlowModels.nice(sampleShape: [1, 4, 4], hidden: 8, depth: 1, generator: &generator)
            perturbParameters(of: model, std: 0.3, seed: 521)
            #expect(model.isTraining)
            Self.checkGradients(model, input: ModelTests.pixels(16, [1, 4, 4], seed: 522), entries: 16, seed: 523)
        }

        @Test("tiny Real NVP: NLL gradients match finite differences in evaluation mode")
        func realNVPGradients() {
            var generator = RandomGenerator(seed: 530)
            let model = FlowModels.realNVP(sampleShape: [1, 4, 4], features: 4, blocks: 1, generator: &generator)
            ModelTests.prepare(model, std: 0.1, seed: 531)
            Self.checkGradients(model, input: ModelTests.pixels(4, [1, 4, 4], seed: 532), entries: 16, seed: 533)
        }
    }
}
