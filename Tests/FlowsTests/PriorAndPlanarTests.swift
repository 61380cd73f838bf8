import Foundation
import Testing
import TensorCore
import Autodiff
import Flows

extension FlowsTestSuite {
    @Suite("Priors against closed forms")
    struct PriorTests {
        @Test("standard normal log p(z) = Σ -z²/2 - log(2π)/2, per sample, in Double")
        func normalLogProbability() {
            let z = normalTensor([4, 2, 3], seed: 300, std: 2)
            let logP = Prior.standardNormal.logProbability(Variable(z)).value
            #expect(logP.shape == [4])
            for s in 0..<4 {
                let expected = sampleValues(z, s).reduce(0.0) { $0 - Double($1) * Double($1) / 2 - Foundation.log(2 * Double.pi) / 2 }
                #expect(abs(Double(logP.values[s]) - expected) < 1e-5 * max(1, abs(expected)))
            }
        }

        @Test("standard logistic log p(z) = Σ log(σ(z)(1 - σ(z))), including large |z|")
        func logisticLogProbability() {
            let values: [Float] = [-40, -12, -3, -0.5, 0, 0.25, 2, 9, 30, 40, 1e-3, -1e-3]
            let z = Tensor(shape: [3, 4], values: values)
            let logP = Prior.standardLogistic.logProbability(Variable(z)).value
            for s in 0..<3 {
                // σ(z)(1 - σ(z)) = e^{-|z|} / (1 + e^{-|z|})², written so Double does not round 1 - σ to 0.
                let expected = sampleValues(z, s).reduce(0.0) { sum, v in
                    let e = Foundation.exp(-abs(Double(v)))
                    return sum + Foundation.log(e / ((1 + e) * (1 + e)))
                }
                #expect(abs(Double(logP.values[s]) - expected) < 1e-5 * max(1, abs(expected)), "sample \(s)")
            }
        }

        /// Mean and variance of every coordinate pooled, in Double.
        static func moments(_ t: Tensor) -> (mean: Double, variance: Double) {
            let values = t.values.map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            return (mean, values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count))
        }

        @Test("samples have the right shape, mean and variance (normal 1, logistic π²/3), scaled by the temperature")
        func sampleMoments() {
            var generator = RandomGenerator(seed: 310)
            let normal = Prior.standardNormal.sample(10_000, shape: [2], generator: &generator)
            #expect(normal.shape == [10_000, 2])
            let (normalMean, normalVariance) = Self.moments(normal)
            #expect(abs(normalMean) < 0.05 && abs(normalVariance - 1) < 0.05)

            let logistic = Prior.standardLogistic.sample(10_000, shape: [2], generator: &generator)
            let (logisticMean, logisticVariance) = Self.moments(logistic)
            #expect(abs(logisticMean) < 0.08 && abs(logisticVariance - Double.pi * Double.pi / 3) < 0.15)

            let cold = Prior.standardLogistic.sample(10_000, shape: [2], generator: &generator, temperature: 0.5)
            #expect(abs(Self.moments(cold).variance - Double.pi * Double.pi / 12) < 0.05)
            let coldNormal = Prior.standardNormal.sample(10_000, shape: [2], generator: &generator, temperature: 0.5)
            #expect(abs(Self.moments(coldNormal).variance - 0.25) < 0.015)
        }
    }

    @Suite("PlanarFlow: inverse and matrix-determinant-lemma log-det")
    struct PlanarFlowTests {
        static let flows: [PlanarFlow] = [
            try! PlanarFlow(u: [0.8, -0.4, 1.1, 0.3, -0.7], w: [0.5, 1.2, -0.3, 0.9, 0.2], b: 0.4),
            // uᵀw = -0.9, close to the invertibility limit -1: strongly contracting.
            try! PlanarFlow(u: [-0.9, 0, 0, 0, 0], w: [1, 0.5, -0.5, 0.2, 0], b: -0.3),
            try! PlanarFlow(u: [2, 1.5, -1, 0.5, 3], w: [0.4, 0.8, -0.6, 1.0, 0.7], b: 1.5),
        ]

        @Test("a non-invertible or mismatched planar flow is an error, not a trap")
        func refusals() {
            #expect(throws: PlanarFlowError.self) { try PlanarFlow(u: [-2, 0], w: [1, 0], b: 0) }   // uᵀw = -2
            #expect(throws: PlanarFlowError.self) { try PlanarFlow(u: [1, 2, 3], w: [1, 0], b: 0) }
            #expect(throws: PlanarFlowError.self) { try PlanarFlow.invertible(u: [1, 2], w: [0, 0], b: 0) }
        }

        /// The draw chapter 01 makes for its 16-D flow (0.5·N(0, 1) for u, |0.5·N(0, 1)| for
        /// w), 1,000 times: before the reparametrisation about one draw in twenty had
        /// uᵀw < -1 (chapter 01 trapped for seed 43); after it, every ûᵀw equals
        /// m(wᵀu) = -1 + log(1 + e^(wᵀu)) > -1, checked here in Double.
        @Test("the reparametrised planar flow is invertible for every random draw")
        func reparametrisedDraws() throws {
            var generator = RandomGenerator(seed: 43)
            var belowLimit = 0
            for _ in 0..<1000 {
                let u = (0..<16).map { _ in 0.5 * generator.nextNormal() }
                let w = (0..<16).map { _ in 0.5 * generator.nextNormal() }.map { abs($0) }
                let uw = zip(u, w).map { Double($0) * Double($1) }.reduce(0, +)
                if uw < -1 { belowLimit += 1 }
                let flow = try PlanarFlow.invertible(u: u, w: w, b: 0.1)
                let reparametrised = zip(flow.u.values, w).map { Double($0) * Double($1) }.reduce(0, +)
                let expected = -1 + Foundation.log1p(Foundation.exp(uw))
                #expect(reparametrised > -1)
                #expect(abs(reparametrised - expected) < 1e-4 * max(1, abs(expected)), "ûᵀw \(reparametrised), m(wᵀu) \(expected)")
            }
            #expect(belowLimit > 10, "the raw draws should include non-invertible ones for this test to mean anything")
        }

        @Test("inverse(f(z)) = z and f(inverse(x)) = x", arguments: 0..<3)
        func inverse(index: Int) {
            let flow = Self.flows[index]
            let z = normalTensor([6, 5], seed: 320, std: 1.5)
            let x = flow(Variable(z)).value
            #expect(maxAbsDifference(flow.inverse(x), z) < 1e-4 * max(1, maxAbs(z)))
            let target = normalTensor([6, 5], seed: 321, std: 2)
            #expect(maxAbsDifference(flow(Variable(flow.inverse(target))).value, target) < 1e-4 * max(1, maxAbs(target)))
        }

        @Test("logAbsDeterminant equals LAPACK's log|det| of the autodiff and finite-difference Jacobians", arguments: 0..<3)
        func logDeterminant(index: Int) {
            let flow = Self.flows[index]
            let z = normalTensor([6, 5], seed: 330, std: 1.5)
            let lemma = flow.logAbsDeterminant(z).values
            #expect(lemma.count == 6)
            let (numeric, crossTalk) = finiteDifferenceJacobians({ flow(Variable($0)).value }, at: z, step: 1e-3)
            #expect(crossTalk < 1e-3)
            for s in 0..<6 {
                let automatic = jacobian(of: { flow($0) }, at: z.slice(s..<(s + 1), alongAxis: 0))
                #expect(maxAbsDifference(automatic, numeric[s]) < 1e-2 * max(1, maxAbs(numeric[s])))
                let exact = logAbsDeterminant(automatic)
                #expect(abs(Double(lemma[s]) - exact) < 1e-4 * max(1, abs(exact)), "sample \(s): lemma \(lemma[s]), LU \(exact)")
                #expect(abs(Double(lemma[s]) - logAbsDeterminant(numeric[s])) < 1e-2 * max(1, abs(exact)))
            }
        }
    }
}
