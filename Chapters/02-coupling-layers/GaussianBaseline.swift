import Foundation
import TensorCore

/// A full-covariance Gaussian fitted by maximum likelihood (sample mean and covariance),
/// the baseline any 2-D flow should beat.
struct GaussianBaseline {
    let mean: (Double, Double)
    let covariance: (Double, Double, Double)   // s11, s12, s22

    init(fitting points: Tensor) {
        let p = points.values.map(Double.init), n = Double(points.shape[0])
        let m1 = stride(from: 0, to: p.count, by: 2).map { p[$0] }.reduce(0, +) / n
        let m2 = stride(from: 1, to: p.count, by: 2).map { p[$0] }.reduce(0, +) / n
        var s11 = 0.0, s12 = 0.0, s22 = 0.0
        for i in stride(from: 0, to: p.count, by: 2) {
            let a = p[i] - m1, b = p[i + 1] - m2
            s11 += a * a; s12 += a * b; s22 += b * b
        }
        mean = (m1, m2)
        covariance = (s11 / n, s12 / n, s22 / n)
    }

    /// The mean log-density of rows of `points`: -log(2π) - log|Σ|/2 - (x-μ)ᵀΣ⁻¹(x-μ)/2.
    func meanLogDensity(_ points: Tensor) -> Double {
        let (s11, s12, s22) = covariance
        let det = s11 * s22 - s12 * s12
        let p = points.values.map(Double.init)
        var total = 0.0
        for i in stride(from: 0, to: p.count, by: 2) {
            let a = p[i] - mean.0, b = p[i + 1] - mean.1
            let quadratic = (s22 * a * a - 2 * s12 * a * b + s11 * b * b) / det
            total += -Foundation.log(2 * Double.pi) - 0.5 * Foundation.log(det) - 0.5 * quadratic
        }
        return total / Double(points.shape[0])
    }
}
