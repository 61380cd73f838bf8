import Foundation
import Testing
import TestSupport
import TensorCore
import Autodiff
import Flows

/// The recipe's logit preprocessing, `LogitLayer`: values and log-determinants against a
/// Double computation, the round trip, and log |det J| of a finite-difference Jacobian.
@Suite("The logit layer")
struct LogitLayerTests {
    /// Values in [low, high) from SplitMix64, shaped [N, ...].
    static func uniformTensor(_ shape: [Int], seed: UInt64, low: Double = 0.02, high: Double = 0.98) -> Tensor {
        var random = SplitMix64(state: seed)
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<count).map { _ in Float(low + (high - low) * random.nextDouble()) })
    }

    /// log |d/dy logit(α + (1 - 2α) y)| = log(1 - 2α) - log y' - log(1 - y'), in Double.
    static func logDerivative(_ y: Double, alpha: Double) -> Double {
        let squeezed = alpha + (1 - 2 * alpha) * y
        return Foundation.log(1 - 2 * alpha) - Foundation.log(squeezed) - Foundation.log(1 - squeezed)
    }

    @Test("logit values and per-sample log-determinants match a Double computation",
          arguments: [1e-7, 0.05] as [Float])
    func logDeterminantByHand(alpha: Float) {
        let shape = [4, 1, 3, 5]
        let y = Self.uniformTensor(shape, seed: 5)
        let transform = LogitLayer(alpha: alpha)
        let (output, logDeterminant) = transform.forward(Variable(y))
        #expect(output.shape == shape)
        #expect(logDeterminant.shape == [4])
        let values = y.values, dimension = 15
        let a = Double(alpha)
        for n in 0..<4 {
            let sample = values[(n * dimension)..<((n + 1) * dimension)].map(Double.init)
            let expected = sample.reduce(0) { $0 + Self.logDerivative($1, alpha: a) }
            let actual = Double(logDeterminant.value.values[n])
            #expect(abs(actual - expected) < 1e-4 * Double(dimension), "sample \(n): \(actual) vs \(expected)")
        }
        for (s, v) in zip(output.value.values, values) {
            let squeezed = a + (1 - 2 * a) * Double(v)
            let expected = Foundation.log(squeezed / (1 - squeezed))
            #expect(abs(Double(s) - expected) < 1e-5 * max(1, abs(expected)))
        }
    }

    @Test("inverse(forward(y)) == y within 1e-5, endpoints included")
    func roundTrip() {
        var values = (0...200).map { Float($0) / 200 }
        values += [1e-6, 1 - 1e-6, 1.0 / 512, 511.0 / 512]
        let y = Tensor(shape: [values.count, 1], values: values)
        let transform = LogitLayer()
        let (s, logDeterminant) = transform.forward(Variable(y))
        #expect(s.value.values.allSatisfy { $0.isFinite })
        #expect(logDeterminant.value.values.allSatisfy { $0.isFinite })
        let back = transform.inverseOutput(s).value.values
        for (original, recovered) in zip(values, back) {
            #expect(abs(original - recovered) < 1e-5, "\(original) -> \(recovered)")
        }
    }

    /// log |det A| by Gaussian elimination with partial pivoting.
    static func logAbsDeterminant(_ matrix: [[Double]]) -> Double {
        var a = matrix
        let n = a.count
        var total = 0.0
        for column in 0..<n {
            let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) }!
            a.swapAt(column, pivot)
            let p = a[column][column]
            if p == 0 { return -.infinity }
            total += Foundation.log(abs(p))
            for row in (column + 1)..<n {
                let factor = a[row][column] / p
                for k in column..<n { a[row][k] -= factor * a[column][k] }
            }
        }
        return total
    }

    @Test("the log-determinant equals log |det J| of a finite-difference Jacobian")
    func finiteDifferenceJacobian() {
        let shape = [3, 1, 2, 2], dimension = 4, h: Float = 1e-3
        let y = Self.uniformTensor(shape, seed: 9, low: 0.1, high: 0.9)
        let transform = LogitLayer()
        let logDeterminant = transform.forward(Variable(y)).logDeterminant.value.values
        // Column j of every sample's Jacobian from central differences in coordinate j.
        var jacobians = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: dimension),
                                                            count: dimension), count: 3)
        for j in 0..<dimension {
            var plus = y.values, minus = y.values
            for n in 0..<3 { plus[n * dimension + j] += h; minus[n * dimension + j] -= h }
            let up = transform.forward(Variable(Tensor(shape: shape, values: plus))).output.value.values
            let down = transform.forward(Variable(Tensor(shape: shape, values: minus))).output.value.values
            for n in 0..<3 {
                let step = Double(plus[n * dimension + j]) - Double(minus[n * dimension + j])
                for i in 0..<dimension {
                    jacobians[n][i][j] = (Double(up[n * dimension + i]) - Double(down[n * dimension + i])) / step
                }
            }
        }
        for n in 0..<3 {
            let numeric = Self.logAbsDeterminant(jacobians[n])
            #expect(abs(numeric - Double(logDeterminant[n])) < 2e-3, "sample \(n): \(numeric) vs \(logDeterminant[n])")
        }
    }
}
