import Foundation
import Testing
import TensorCore

@Suite("Mean, standard error and log-mean-exp")
struct StatisticsTests {
    @Test("mean and standard error of a small list, against the values worked by hand")
    func meanAndError() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample variance 32/7, standard error √(32/7/8).
        let (mean, error) = meanAndStandardError([2, 4, 4, 4, 5, 5, 7, 9])
        #expect(mean == 5)
        #expect(abs(error - (32.0 / 7 / 8).squareRoot()) < 1e-15)
        #expect(meanAndStandardError([3]) == (3, 0))
        #expect(meanAndStandardError([]).mean == 0)
    }

    @Test("log-mean-exp equals log of the mean of exponentials, and survives terms that would overflow")
    func logMeanExpValues() {
        #expect(abs(logMeanExp([Foundation.log(1.0), Foundation.log(3.0)]) - Foundation.log(2.0)) < 1e-15)
        // exp(1000) overflows a Double; the answer is 1000 + log((1 + e⁻¹)/2).
        #expect(abs(logMeanExp([1000.0, 999.0]) - (1000 + Foundation.log((1 + Foundation.exp(-1.0)) / 2))) < 1e-12)
        #expect(abs(logMeanExp([-1000.0, -1000.0]) - -1000) < 1e-12)
        #expect(logMeanExp([Double]()) == -.infinity)
        #expect(logMeanExp([-.infinity, -.infinity]) == -.infinity)
        #expect(logMeanExp([0.0, .infinity]) == .infinity)
        // A slice, as AIS passes each image's chains.
        let weights = [5.0, 1.0, 1.0, 7.0]
        #expect(logMeanExp(weights[1..<3]) == 1)
    }
}

@Suite("What a Double SVD resolves")
struct SingularValueResolutionTests {
    /// A 3 x 3 matrix U diag(2, 1e-3, 1e-20) Vᵀ with rotations U and V, built in Double: the
    /// SVD recovers 2 and 1e-3, and the third value it returns is rounding, below the
    /// resolution 2 · ε · 3 ≈ 1.3e-15, not 1e-20.
    @Test("a singular value below sigma_max * eps * n is below resolution; one above it is recovered")
    func knownTinyValue() throws {
        func rotation(_ a: Double, _ b: Double) -> [[Double]] {
            let (ca, sa, cb, sb) = (cos(a), sin(a), cos(b), sin(b))
            // Rotation about z by a, then about x by b.
            let rz = [[ca, -sa, 0], [sa, ca, 0], [0, 0, 1]]
            let rx = [[1, 0, 0], [0, cb, -sb], [0, sb, cb]]
            return (0..<3).map { i in (0..<3).map { j in (0..<3).reduce(0.0) { $0 + rz[i][$1] * rx[$1][j] } } }
        }
        let u = rotation(0.7, 1.1), v = rotation(-0.4, 0.3), sigma = [2.0, 1e-3, 1e-20]
        let matrix = (0..<3).flatMap { i in (0..<3).map { j in (0..<3).reduce(0.0) { $0 + u[i][$1] * sigma[$1] * v[j][$1] } } }
        let values = try LinearAlgebra.singularValues(rows: 3, columns: 3, rowMajor: matrix)
        let resolution = LinearAlgebra.singularValueResolution(largest: values[0], rows: 3, columns: 3)
        #expect(abs(values[0] - 2) < 1e-14)
        #expect(abs(values[1] - 1e-3) < 1e-14 && values[1] > resolution)
        #expect(values[2] < resolution, "the rounding-level value \(values[2]) should lie below the resolution \(resolution)")
        #expect(abs(resolution - 2 * Double.ulpOfOne * 3) < 1e-20)
    }
}
