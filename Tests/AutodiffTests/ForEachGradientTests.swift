import Testing
import TestSupport
import TensorCore
@testable import Autodiff

extension AutodiffTestSuite {
    @Suite("Gradients delivered during the backward pass")
    struct ForEachGradientTests {
        /// A two-layer map; each weight is overwritten as soon as its gradient arrives,
        /// as an optimiser does. The delivered gradients must still equal those computed
        /// by `gradients(of:)` on an untouched copy (no later VJP reads an updated weight),
        /// and a parameter the loss does not use gets zeros.
        @Test func deliveredGradientsMatchAndEarlyUpdatesDoNotLeak() {
            let x = Variable(sampleTensor([4, 3], seed: 1))
            func parameters() -> [Variable] {
                [Variable(sampleTensor([3, 5], seed: 2), requiresGradient: true),
                 Variable(sampleTensor([5], seed: 3), requiresGradient: true),
                 Variable(sampleTensor([5, 2], seed: 4), requiresGradient: true),
                 Variable(sampleTensor([7], seed: 5), requiresGradient: true)]   // unused
            }
            func loss(_ p: [Variable]) -> Variable {
                Variable.matmul(Variable.affine(x, p[0], bias: p[1]).tanh(), p[2]).square().sum()
            }
            let reference = parameters()
            let expected = gradients(of: loss(reference), withRespectTo: reference).map(\.value.values)

            let live = parameters()
            var delivered = [[Float]?](repeating: nil, count: live.count)
            var order: [Int] = []
            forEachGradient(of: loss(live), withRespectTo: live) { i, gradient in
                delivered[i] = gradient.value.values
                order.append(i)
                live[i].value = live[i].value.map { $0 + 100 }   // an "update" that would spoil later VJPs
            }
            for i in 0..<3 { #expect(delivered[i] == expected[i], "parameter \(i)") }
            #expect(delivered[3] == [Float](repeating: 0, count: 7))
            #expect(Set(order) == [0, 1, 2, 3] && order.count == 4)
            // The last layer's weight is complete before the first layer's.
            #expect(order.firstIndex(of: 2)! < order.firstIndex(of: 0)!)
        }
    }
}
