import Foundation
import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Flows

extension FlowsTestSuite {
    @Suite("Squeeze, scaling, logit, reshape, factor-out and sequences pass the flow harness")
    struct SimpleLayerTests {
        @Test("Squeeze passes the harness on [N, 2, 4, 6]")
        func squeezeHarness() {
            let layer = Squeeze()
            let x = normalTensor([2, 2, 4, 6], seed: 200)
            let check = checkFlowLayer(layer, input: x)
            #expect(check.output.shape == [2, 8, 2, 3])
            #expect(check.logDeterminants.allSatisfy { $0 == 0 })
        }

        /// With x[i, j] = 4i + j on a 1x1x4x4 image, channel 2p + q of the output holds
        /// x[2a + p, 2b + q] at position (a, b).
        @Test("Squeeze of a 1x1x4x4 image matches the hand-computed index mapping")
        func squeezeByHand() {
            let x = Tensor(shape: [1, 1, 4, 4], values: (0..<16).map(Float.init))
            let y = Squeeze().forward(Variable(x)).output.value
            #expect(y.shape == [1, 4, 2, 2])
            #expect(y.values == [0, 2, 8, 10,   1, 3, 9, 11,   4, 6, 12, 14,   5, 7, 13, 15])
            #expect(Squeeze().inverse(Variable(y)).output.value.values == x.values)
        }

        @Test("Squeeze follows y[n, 4c + 2p + q, a, b] = x[n, c, 2a + p, 2b + q] on several channels")
        func squeezeFormula() {
            let x = normalTensor([2, 3, 4, 6], seed: 201)
            let y = Squeeze().forward(Variable(x)).output.value
            for n in 0..<2 { for c in 0..<3 { for p in 0..<2 { for q in 0..<2 { for a in 0..<2 { for b in 0..<3 {
                #expect(y[n, 4 * c + 2 * p + q, a, b] == x[n, c, 2 * a + p, 2 * b + q])
            } } } } } }
        }

        @Test("DiagonalScaling with non-zero log scales: log-det = Σ s for every sample")
        func diagonalScaling() {
            let layer = DiagonalScaling(shape: [2, 3])
            let logScale = Tensor(shape: [1, 2, 3], values: [0.5, -0.3, 1.2, -0.8, 0.1, 0.25])
            layer.logScale.value = logScale
            let x = normalTensor([3, 2, 3], seed: 210)
            let check = checkFlowLayer(layer, input: x)
            let expected = logScale.values.reduce(0) { $0 + Double($1) }
            for logDet in check.logDeterminants { #expect(abs(logDet - expected) < 1e-5) }
            for s in 0..<3 { for k in 0..<6 {
                let value = Double(sampleValues(x, s)[k]) * Foundation.exp(Double(logScale.values[k]))
                #expect(abs(Double(sampleValues(check.output, s)[k]) - value) < 1e-5 * max(1, abs(value)))
            } }
        }

        @Test("LogitLayer on pixels in (0.05, 0.95): harness and the closed-form log-determinant")
        func logit() {
            let layer = LogitLayer()
            let x = uniformTensor([3, 2, 2, 2], seed: 220, low: 0.05, high: 0.95)
            // Near 0 and 1 the logit is steep: round trips lose more digits.
            let check = checkFlowLayer(layer, input: x, inversionTolerance: 1e-3, step: 1e-4)
            for s in 0..<3 {
                let values = sampleValues(x, s).map(Double.init)
                let expected = values.reduce(0) { $0 - Foundation.log($1) - Foundation.log(1 - $1) }
                #expect(abs(check.logDeterminants[s] - expected) < 1e-4 * abs(expected))
                for (k, y) in sampleValues(check.output, s).enumerated() {
                    #expect(abs(Double(y) - Foundation.log(values[k] / (1 - values[k]))) < 1e-5)
                }
            }
        }

        @Test("LogitLayer with a large alpha keeps its log(1 - 2 alpha) term in both directions")
        func logitAlpha() {
            let layer = LogitLayer(alpha: 0.05)
            let x = uniformTensor([2, 5], seed: 221, low: 0.01, high: 0.99)
            let check = checkFlowLayer(layer, input: x, inversionTolerance: 1e-3, step: 1e-4)
            for s in 0..<2 {
                let expected = sampleValues(x, s).reduce(0.0) { sum, v in
                    let y = 0.05 + 0.9 * Double(v)
                    return sum - Foundation.log(y) - Foundation.log(1 - y) + Foundation.log(0.9)
                }
                #expect(abs(check.logDeterminants[s] - expected) < 1e-4 * abs(expected))
            }
        }

        @Test("Reshape passes the harness in both directions")
        func reshape() {
            let layer = Reshape(from: [2, 2, 3], to: [12])
            let check = checkFlowLayer(layer, input: normalTensor([3, 2, 2, 3], seed: 230))
            #expect(check.output.shape == [3, 12])
            let back = Reshape(from: [12], to: [3, 4])
            #expect(checkFlowLayer(back, input: normalTensor([2, 12], seed: 231)).output.shape == [2, 3, 4])
        }

        /// FactorOut on [N, 4, 2, 2]: the first two channels leave, the other two go
        /// through an affine checkerboard coupling and a reshape to flat.
        static func factorOut(seed: UInt64) -> (FactorOut, AffineCoupling) {
            let mask = CouplingMask.checkerboard(channels: 2, height: 2, width: 2, parity: 0)
            let coupling = CouplingTests.residualCoupling(mask: mask, sampleShape: [2, 2, 2], seed: seed)
            let inner = FlowSequence([coupling, Reshape(from: [2, 2, 2], to: [8])])
            return (FactorOut(shape: [4, 2, 2], inner: inner), coupling)
        }

        @Test("FactorOut with a small inner flow: harness, factored values first, inner log-det")
        func factorOut() {
            let (layer, coupling) = Self.factorOut(seed: 240)
            let x = normalTensor([3, 4, 2, 2], seed: 241)
            let check = checkFlowLayer(layer, input: x)
            #expect(check.output.shape == [3, 16])
            let (innerOutput, innerLogDet) = coupling.forward(Variable(x.slice(2..<4, alongAxis: 1)))
            for s in 0..<3 {
                #expect(Array(sampleValues(check.output, s).prefix(8)) == Array(sampleValues(x, s).prefix(8)))
                #expect(Array(sampleValues(check.output, s).suffix(8)) == sampleValues(innerOutput.value, s))
                #expect(abs(check.logDeterminants[s] - Double(innerLogDet.value.values[s])) < 1e-5)
            }
        }

        @Test("FlowSequence: harness, and the log-det is the sum of its layers'")
        func sequence() {
            let scaling = DiagonalScaling(shape: [16])
            scaling.logScale.value = normalTensor([1, 16], seed: 250, std: 0.3)
            let (factor, _) = Self.factorOut(seed: 251)
            let checkerboard = CouplingTests.residualCoupling(
                mask: CouplingMask.checkerboard(channels: 1, height: 4, width: 4, parity: 1), sampleShape: [1, 4, 4], seed: 252)
            let flow = FlowSequence([LogitLayer(), checkerboard, Squeeze(), factor, scaling])
            let x = uniformTensor([2, 1, 4, 4], seed: 253, low: 0.1, high: 0.9)
            let check = checkFlowLayer(flow, input: x, inversionTolerance: 1e-3, step: 1e-4)

            var h = Variable(x)
            var total = [Double](repeating: 0, count: 2)
            for layer in flow.layers {
                let (next, logDet) = layer.forward(h)
                for s in 0..<2 { total[s] += Double(logDet.value.values[s]) }
                h = next
            }
            for s in 0..<2 { #expect(abs(check.logDeterminants[s] - total[s]) < 1e-4 * max(1, abs(total[s]))) }
            #expect(maxAbsDifference(h.value, check.output) == 0)
        }

        @Test("an empty FlowSequence is the identity with zero log-det")
        func emptySequence() {
            let check = checkFlowLayer(FlowSequence([]), input: normalTensor([2, 3], seed: 260))
            #expect(check.logDeterminants == [0, 0])
        }
    }
}
