import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Flows

extension FlowsTestSuite {
    @Suite("Additive and affine couplings pass the flow harness")
    struct CouplingTests {
        /// A small MLP from `inputs` to `outputs` features with non-zero biases.
        static func mlp(_ inputs: Int, _ hidden: Int, _ outputs: Int, batchNorm: Bool = false, seed: UInt64) -> Sequential {
            var generator = RandomGenerator(seed: seed)
            let layers: [any Layer] = batchNorm
                ? [BatchNorm(inputs), Linear(inputs, hidden, generator: &generator), ReLU(),
                   BatchNorm(hidden), Linear(hidden, outputs, generator: &generator)]
                : [Linear(inputs, hidden, generator: &generator), ReLU(), Linear(hidden, outputs, generator: &generator)]
            let network = Sequential(layers)
            perturbParameters(of: network, std: 0.2, seed: seed + 1)
            return network
        }

        @Test("AdditiveCoupling with an MLP, parity 0 and 1", arguments: [0, 1])
        func additive(parity: Int) {
            let layer = AdditiveCoupling(network: Self.mlp(3, 8, 3, seed: 10 + UInt64(parity)), parity: parity)
            let x = normalTensor([3, 6], seed: 20)
            let check = checkFlowLayer(layer, input: x)
            #expect(check.logDeterminants.allSatisfy { $0 == 0 })

            // y_a = x_a and y_b = x_b + m(x_a), with (a, b) the (even, odd) indices or the reverse.
            let shift = layer.network(Variable(x.stridedSelect(alongAxis: 1, start: parity, step: 2))).value
            let y = check.output
            for s in 0..<3 { for k in 0..<3 {
                let passing = 2 * k + parity, shifted = 2 * k + 1 - parity
                #expect(y[s, passing] == x[s, passing])
                #expect(abs(y[s, shifted] - (x[s, shifted] + shift[s, k])) < 1e-5)
            } }
        }

        @Test("AdditiveCoupling on an odd number of features (3 pass, 2 shift, and back)", arguments: [0, 1])
        func additiveOdd(parity: Int) {
            // parity 0: 3 even indices pass and shift the 2 odd ones; parity 1 the reverse.
            let (inputs, outputs) = parity == 0 ? (3, 2) : (2, 3)
            let layer = AdditiveCoupling(network: Self.mlp(inputs, 6, outputs, seed: 30), parity: parity)
            checkFlowLayer(layer, input: normalTensor([3, 5], seed: 31))
        }

        @Test("AdditiveCoupling whose network has batch norm, in evaluation mode", arguments: [0, 1])
        func additiveWithBatchNorm(parity: Int) {
            let layer = AdditiveCoupling(network: Self.mlp(4, 8, 4, batchNorm: true, seed: 40), parity: parity)
            warmUpBatchStatistics(layer, batches: [normalTensor([16, 8], seed: 41, std: 2),
                                                   normalTensor([16, 8], seed: 42, std: 2)])
            #expect(layer.isTraining == false)
            checkFlowLayer(layer, input: normalTensor([3, 8], seed: 43))
        }

        @Test("AdditiveCoupling inverts exactly even in training mode (the passing half, hence the batch statistics, is shared)")
        func additiveTrainingMode() {
            let layer = AdditiveCoupling(network: Self.mlp(4, 8, 4, batchNorm: true, seed: 50), parity: 1)
            let x = normalTensor([8, 8], seed: 51)
            let (y, _) = layer.forward(Variable(x))
            let back = layer.inverse(y).output.value
            #expect(maxAbsDifference(back, x) < 1e-5)
        }

        /// An affine coupling with a perturbed residual s/t network, batch norm warmed up
        /// and switched to evaluation mode.
        static func residualCoupling(mask: Tensor, sampleShape: [Int], seed: UInt64) -> AffineCoupling {
            var generator = RandomGenerator(seed: seed)
            let network = ResidualNetwork(channels: mask.shape[1], features: 4, blocks: 1, generator: &generator)
            let layer = AffineCoupling(network: network, mask: mask)
            perturbParameters(of: layer, std: 0.1, seed: seed + 1)
            warmUpBatchStatistics(layer, batches: [normalTensor([8] + sampleShape, seed: seed + 2, std: 1.5),
                                                   normalTensor([8] + sampleShape, seed: seed + 3, std: 1.5)])
            return layer
        }

        /// The coupling must leave the masked entries alone and actually change volume.
        static func expectNonTrivial(_ check: FlowCheck, input x: Tensor, mask: Tensor,
                                     sourceLocation: SourceLocation = #_sourceLocation) {
            let kept = check.output * mask, original = x * mask
            #expect(maxAbsDifference(kept, original) == 0, "masked entries changed", sourceLocation: sourceLocation)
            #expect(check.logDeterminants.contains { abs($0) > 0.05 }, "log-determinants \(check.logDeterminants)",
                    sourceLocation: sourceLocation)
            #expect(maxAbsDifference(check.output, x) > 0.05, sourceLocation: sourceLocation)
        }

        @Test("AffineCoupling, checkerboard mask on [N, 2, 4, 4], residual network", arguments: [0, 1])
        func affineCheckerboard(parity: Int) {
            let mask = CouplingMask.checkerboard(channels: 2, height: 4, width: 4, parity: parity)
            let layer = Self.residualCoupling(mask: mask, sampleShape: [2, 4, 4], seed: 100 + UInt64(parity))
            let x = normalTensor([2, 2, 4, 4], seed: 110)
            let check = checkFlowLayer(layer, input: x)
            Self.expectNonTrivial(check, input: x, mask: mask)
        }

        @Test("AffineCoupling, channel mask on [N, 4, 2, 2], residual network", arguments: [0, 1])
        func affineChannels(parity: Int) {
            let mask = CouplingMask.channels(4, parity: parity)
            let layer = Self.residualCoupling(mask: mask, sampleShape: [4, 2, 2], seed: 120 + UInt64(parity))
            let x = normalTensor([3, 4, 2, 2], seed: 130)
            let check = checkFlowLayer(layer, input: x)
            Self.expectNonTrivial(check, input: x, mask: mask)
        }

        @Test("AffineCoupling, flat channel mask on [N, 6], MLP giving 2D outputs (scales then shifts)", arguments: [0, 1])
        func affineFlat(parity: Int) {
            let mask = CouplingMask.channels(6, parity: parity, spatial: false)
            let layer = AffineCoupling(network: Self.mlp(6, 16, 12, seed: 140), mask: mask)
            perturbParameters(of: layer, std: 0.2, seed: 141)
            let x = normalTensor([4, 6], seed: 142)
            let check = checkFlowLayer(layer, input: x)
            Self.expectNonTrivial(check, input: x, mask: mask)
        }

        @Test("AffineCoupling, flat mask, MLP with batch norm in evaluation mode")
        func affineFlatBatchNorm() {
            let mask = CouplingMask.channels(6, parity: 1, spatial: false)
            let layer = AffineCoupling(network: Self.mlp(6, 16, 12, batchNorm: true, seed: 150), mask: mask)
            warmUpBatchStatistics(layer, batches: [normalTensor([16, 6], seed: 151, std: 2)])
            checkFlowLayer(layer, input: normalTensor([3, 6], seed: 152))
        }

        @Test("a residual-network coupling is the identity at initialisation (last convolution zero)")
        func identityAtInitialisation() {
            var generator = RandomGenerator(seed: 160)
            let mask = CouplingMask.checkerboard(channels: 2, height: 4, width: 4, parity: 0)
            let layer = AffineCoupling(network: ResidualNetwork(channels: 2, features: 4, blocks: 1, generator: &generator),
                                       mask: mask)
            let x = normalTensor([2, 2, 4, 4], seed: 161)
            let (y, logDet) = layer.forward(Variable(x))
            #expect(maxAbsDifference(y.value, x) == 0)
            #expect(logDet.value.values.allSatisfy { $0 == 0 })
        }

        @Test("coupling masks: checkerboard (i + j + parity even) and channel halves")
        func masks() {
            let board = CouplingMask.checkerboard(channels: 2, height: 2, width: 3, parity: 1)
            #expect(board.shape == [1, 2, 2, 3])
            #expect(board.values == [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
            #expect(CouplingMask.channels(4, parity: 0).values == [1, 1, 0, 0])
            #expect(CouplingMask.channels(4, parity: 0).shape == [1, 4, 1, 1])
            #expect(CouplingMask.channels(4, parity: 1, spatial: false).values == [0, 0, 1, 1])
            #expect(CouplingMask.channels(4, parity: 1, spatial: false).shape == [1, 4])
        }
    }
}
