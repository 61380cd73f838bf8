import Foundation
import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Flows

extension FlowsTestSuite {
    @Suite("Whole models: NICE, Real NVP and the 2-D toy flows")
    struct ModelTests {
        /// log p_Z(z) of one sample in closed form, in Double.
        static func priorLogDensity(_ prior: Prior, _ z: [Float]) -> Double {
            z.reduce(0.0) { sum, value in
                let v = Double(value)
                switch prior {
                case .standardNormal: return sum - v * v / 2 - Foundation.log(2 * Double.pi) / 2
                case .standardLogistic:
                    let e = Foundation.exp(-abs(v))
                    return sum + Foundation.log(e / ((1 + e) * (1 + e)))
                }
            }
        }

        /// The harness on `model.flow`, then log p(x) = log p_Z(f(x)) + log|det J| with the
        /// prior in closed form and J by finite differences.
        static func checkModel(_ model: NormalizingFlow, input x: Tensor, inversionTolerance: Double = 1e-4,
                               step: Float = 1e-3, jacobianTolerance: Double = 2e-2, autodiff: Bool = true,
                               sourceLocation: SourceLocation = #_sourceLocation) {
            let check = checkFlowLayer(model.flow, input: x, inversionTolerance: inversionTolerance, step: step,
                                       jacobianTolerance: jacobianTolerance, autodiff: autodiff, sourceLocation: sourceLocation)
            #expect(check.output.shape == [x.shape[0]] + model.latentShape, sourceLocation: sourceLocation)
            let logLikelihood = GradientRecording.withoutRecording { model.logLikelihood(Variable(x)).value }
            for s in 0..<x.shape[0] {
                let expected = priorLogDensity(model.prior, sampleValues(check.output, s))
                    + check.finiteDifferenceLogDeterminants[s]
                let actual = Double(logLikelihood.values[s])
                #expect(abs(actual - expected) < 1e-2 * max(1, abs(expected)),
                        "sample \(s): log p(x) = \(actual), log p_Z(f(x)) + log|det J| = \(expected)",
                        sourceLocation: sourceLocation)
            }
            #expect(check.logDeterminants.contains { abs($0) > 0.1 }, sourceLocation: sourceLocation)
        }

        /// Pixels in (0.05, 0.95) of the given shape.
        static func pixels(_ n: Int, _ shape: [Int], seed: UInt64) -> Tensor {
            uniformTensor([n] + shape, seed: seed, low: 0.05, high: 0.95)
        }

        /// Perturbs every parameter, runs batch norm in training mode on two batches, and
        /// switches to evaluation mode.
        static func prepare(_ model: NormalizingFlow, std: Float, seed: UInt64) {
            perturbParameters(of: model, std: std, seed: seed)
            warmUpBatchStatistics(model.flow, batches: [pixels(16, model.sampleShape, seed: seed + 1),
                                                        pixels(16, model.sampleShape, seed: seed + 2)])
            #expect(model.isTraining == false)
        }

        @Test("NICE (1x4x4, hidden 8, depth 1), perturbed, evaluation mode")
        func nice() {
            var generator = RandomGenerator(seed: 400)
            let model = FlowModels.nice(sampleShape: [1, 4, 4], hidden: 8, depth: 1, generator: &generator)
            Self.prepare(model, std: 0.3, seed: 401)
            Self.checkModel(model, input: Self.pixels(3, [1, 4, 4], seed: 402), inversionTolerance: 1e-3, step: 1e-4)
        }

        @Test("NICE inverts exactly in training mode too (batch statistics of the passing halves are shared)")
        func niceTrainingMode() {
            var generator = RandomGenerator(seed: 410)
            let model = FlowModels.nice(sampleShape: [1, 4, 4], hidden: 8, depth: 1, generator: &generator)
            perturbParameters(of: model, std: 0.3, seed: 411)
            #expect(model.isTraining)
            let x = Self.pixels(8, [1, 4, 4], seed: 412)
            let (z, logDet) = model.flow.forward(Variable(x))
            let (back, inverseLogDet) = model.flow.inverse(z)
            #expect(maxAbsDifference(back.value, x) < 1e-4)
            #expect(maxAbsDifference(logDet.value, -inverseLogDet.value) < 1e-3)
        }

        @Test("Real NVP (1x4x4 and 2x4x4, features 4, blocks 1), perturbed, evaluation mode", arguments: [1, 2])
        func realNVP(channels: Int) {
            var generator = RandomGenerator(seed: 420 + UInt64(channels))
            let shape = [channels, 4, 4]
            let model = FlowModels.realNVP(sampleShape: shape, features: 4, blocks: 1, generator: &generator)
            Self.prepare(model, std: 0.1, seed: 430)
            Self.checkModel(model, input: Self.pixels(2, shape, seed: 431), inversionTolerance: 1e-3, step: 1e-4)
        }

        @Test("Real NVP with chapter 03's logistic prior: log p(x) = Σ logistic log-density of z + log |det|")
        func realNVPLogisticPrior() {
            var generator = RandomGenerator(seed: 470)
            let model = FlowModels.realNVP(sampleShape: [1, 4, 4], features: 4, blocks: 1, prior: .standardLogistic,
                                           generator: &generator)
            let x = Self.pixels(3, [1, 4, 4], seed: 471)
            let (z, logDet) = model.flow.forward(Variable(x))
            let logLikelihood = model.logLikelihood(Variable(x)).value.values
            let perSample = z.value.values.count / 3
            for n in 0..<3 {
                // The standard logistic density, written out: log p(z) = -z - 2 log(1 + e^(-z)).
                let prior = z.value.values[(n * perSample)..<((n + 1) * perSample)]
                    .map { v -> Double in let z = Double(v); return -z - 2 * Foundation.log1p(Foundation.exp(-z)) }
                    .reduce(0, +)
                let expected = prior + Double(logDet.value.values[n])
                #expect(abs(Double(logLikelihood[n]) - expected) < 1e-3 * max(1, abs(expected)), "sample \(n): \(logLikelihood[n]) vs \(expected)")
            }
        }

        @Test("Real NVP at initialisation: the couplings are identities, only the logit changes volume")
        func realNVPIdentity() {
            var generator = RandomGenerator(seed: 440)
            let model = FlowModels.realNVP(sampleShape: [2, 4, 4], features: 4, blocks: 1, generator: &generator)
            let x = Self.pixels(3, [2, 4, 4], seed: 441)
            let (_, modelLogDet) = model.flow.forward(Variable(x))
            let (_, logitLogDet) = LogitLayer().forward(Variable(x))
            #expect(maxAbsDifference(modelLogDet.value, logitLogDet.value) < 1e-4)
        }

        @Test("toy 2-D flows, additive and affine, perturbed", arguments: [true, false])
        func toy(additive: Bool) {
            var generator = RandomGenerator(seed: 450)
            let model = FlowModels.toy(additive: additive, generator: &generator)
            perturbParameters(of: model, std: 0.1, seed: 451)
            // 6 x 128 ReLU units: a kink within the finite-difference step can move a
            // Jacobian entry by a few percent (the log-det of the additive flow is exact).
            Self.checkModel(model, input: normalTensor([5, 2], seed: 452, std: 1.5), jacobianTolerance: 5e-2)
        }

        @Test("sample and generate invert the flow: f(sample) is the prior draw")
        func sampling() {
            var generator = RandomGenerator(seed: 460)
            let model = FlowModels.toy(additive: false, couplings: 4, hidden: 16, generator: &generator)
            perturbParameters(of: model, std: 0.1, seed: 461)
            var draws = RandomGenerator(seed: 462), replay = RandomGenerator(seed: 462)
            let x = model.sample(5, generator: &draws).value
            let z = Prior.standardNormal.sample(5, shape: [2], generator: &replay)
            #expect(x.shape == [5, 2])
            #expect(maxAbsDifference(model.flow.forward(Variable(x)).output.value, z) < 1e-4 * max(1, maxAbs(z)))
        }
    }
}
