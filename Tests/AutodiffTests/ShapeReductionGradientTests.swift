import Testing
import TestSupport
import TensorCore
import Autodiff

extension AutodiffTestSuite {
    @Suite("First-order gradients of reductions and rearrangements")
    struct ShapeReductionGradientTests {
        @Test("sum() and mean() of all elements")
        func sumAndMean() {
            let x = sampleTensor([3, 4], seed: 201)
            expectFirstOrderGradients([x]) { $0[0].sum() }
            expectFirstOrderGradients([x]) { $0[0].mean() }
            // Nonlinear around the reduction so that the broadcast of the gradient matters.
            expectFirstOrderGradients([x]) { $0[0].sum().square() * $0[0] }
        }

        @Test("sum and mean along axes, with and without kept dimensions")
        func sumAlongAxes() {
            let x = sampleTensor([2, 3, 4], seed: 203)
            expectFirstOrderGradients([x]) { $0[0].sum(alongAxes: [0, 2]) }
            expectFirstOrderGradients([x]) { $0[0].sum(alongAxes: [1], keepingDimensions: true) }
            expectFirstOrderGradients([x]) { $0[0].mean(alongAxes: [2]) }
            expectFirstOrderGradients([x]) { $0[0].mean(alongAxes: [0, 1], keepingDimensions: true) }
            expectFirstOrderGradients([x]) { $0[0].mean(alongAxes: [-1], keepingDimensions: true) }
        }

        @Test("reshaped, permuted and transposed")
        func rearrangements() {
            let x = sampleTensor([2, 3, 4], seed: 207)
            expectFirstOrderGradients([x]) { $0[0].reshaped([4, 6]) }
            expectFirstOrderGradients([x]) { $0[0].reshaped([-1, 2]) }
            expectFirstOrderGradients([x]) { $0[0].permuted([2, 0, 1]) }
            expectFirstOrderGradients([x]) { $0[0].permuted([1, 2, 0]) }
            expectFirstOrderGradients([sampleTensor([2, 3, 4, 2], seed: 209)]) { $0[0].permuted([0, 3, 1, 2]) }
            expectFirstOrderGradients([sampleTensor([3, 5], seed: 211)]) { $0[0].transposed() }
        }

        @Test("concatenate of three parts along a middle and the last axis")
        func concatenate() {
            let parts = [sampleTensor([2, 1, 3], seed: 213), sampleTensor([2, 2, 3], seed: 217),
                         sampleTensor([2, 3, 3], seed: 219)]
            expectFirstOrderGradients(parts) { Variable.concatenate($0, alongAxis: 1) }
            let columns = [sampleTensor([3, 2], seed: 221), sampleTensor([3, 4], seed: 223)]
            expectFirstOrderGradients(columns) { Variable.concatenate($0, alongAxis: -1) }
            // Only the second part requires a gradient.
            expectFirstOrderGradients(columns, differentiate: [1]) { Variable.concatenate($0, alongAxis: 1) }
        }

        @Test("slice, stridedSelect and stridedScatter")
        func slicing() {
            let x = sampleTensor([3, 6, 2], seed: 227)
            expectFirstOrderGradients([x]) { $0[0].slice(1..<4, alongAxis: 1) }
            expectFirstOrderGradients([x]) { $0[0].slice(2..<3, alongAxis: 0) }
            expectFirstOrderGradients([x]) { $0[0].stridedSelect(alongAxis: 1, start: 1, step: 2) }
            expectFirstOrderGradients([x]) { $0[0].stridedSelect(alongAxis: -1, start: 0, step: 2) }
            expectFirstOrderGradients([x]) { $0[0].stridedSelect(alongAxis: 1, start: 0, step: 3, count: 2) }
            let y = sampleTensor([3, 3, 2], seed: 229)
            expectFirstOrderGradients([y]) { $0[0].stridedScatter(alongAxis: 1, start: 1, step: 2, length: 6) }
            expectFirstOrderGradients([y]) { $0[0].stridedScatter(alongAxis: 0, start: 0, step: 2, length: 5) }
            let z = sampleTensor([3, 2, 2], seed: 231)
            expectFirstOrderGradients([y, z]) { Variable.interleaved($0, alongAxis: 1) }
            expectFirstOrderGradients([y, z], differentiate: [0]) { Variable.interleaved($0, alongAxis: 1) }
        }

        /// A coupling-layer round trip: split into even and odd features, transform one half
        /// with the other, and scatter both back; every element's gradient is checked.
        @Test("split by stridedSelect, recombine by stridedScatter")
        func splitAndMerge() {
            let x = sampleTensor([2, 6], seed: 233)
            expectFirstOrderGradients([x]) { v in
                let even = v[0].stridedSelect(alongAxis: 1, start: 0, step: 2)
                let odd = v[0].stridedSelect(alongAxis: 1, start: 1, step: 2)
                let changed = odd * even.tanh().exp() + even.square()
                return even.stridedScatter(alongAxis: 1, start: 0, step: 2, length: 6)
                    + changed.stridedScatter(alongAxis: 1, start: 1, step: 2, length: 6)
            }
        }
    }
}
