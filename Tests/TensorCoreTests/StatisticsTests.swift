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
