import Foundation
import Testing
import TestSupport
import TensorCore
import Datasets

/// The recipe's data conventions: dequantisation and bits per dimension (the logit is
/// Flows' `LogitLayer`, tested in FlowsTests).
@Suite("Preprocessing")
struct PreprocessingTests {
    @Test("dequantised values lie in [255x/256, (255x + 1)/256) and fill it uniformly")
    func dequantizationRange() {
        let copies = 64
        let x = Tensor(shape: [copies, 256], values: (0..<(copies * 256)).map { Float($0 % 256) / 255 })
        var generator = RandomGenerator(seed: 3)
        let y = Dequantization.apply(x, generator: &generator)
        #expect(y.shape == x.shape)
        var fractions: [Double] = []
        for (index, value) in y.values.enumerated() {
            let k = Double(index % 256)
            let fraction = Double(value) * 256 - k   // u, up to Float rounding of 255x + u
            fractions.append(fraction)
            // One Float ulp at 256 is 2^-15; the interval is [0, 1) before rounding.
            if !(fraction >= -0x1p-15 && fraction < 1 + 0x1p-15) {
                Issue.record("x = \(Int(k))/255 -> \(value), \(fraction) of a level above \(Int(k))/256")
            }
        }
        let mean = fractions.reduce(0, +) / Double(fractions.count)
        #expect(abs(mean - 0.5) < 0.01, "mean of u = \(mean)")   // standard error 0.0023
        #expect(fractions.min()! < 0.01 && fractions.max()! > 0.99)
        #expect(y.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        // A fresh draw at every call.
        let again = Dequantization.apply(x, generator: &generator)
        #expect(again.values != y.values)
        var same = RandomGenerator(seed: 3)
        #expect(Dequantization.apply(x, generator: &same).values == y.values)
    }

    @Test("bits per dimension: (NLL + D ln 256) / (D ln 2)")
    func bitsPerDimension() {
        #expect(Datasets.bitsPerDimension(nllNats: 0, dimension: 784) == 8)
        // CIFAR-10: 8 + NLL / (3072 ln 2).
        let nll = 5000.0
        #expect(abs(Datasets.bitsPerDimension(nllNats: nll, dimension: 3072) - (8 + nll / (3072 * Foundation.log(2.0)))) < 1e-12)
        // A negative NLL (a density above 1 on [0, 1]^D) lowers it below 8.
        #expect(abs(Datasets.bitsPerDimension(nllNats: -784 * Foundation.log(2.0), dimension: 784) - 7) < 1e-12)
    }
}
