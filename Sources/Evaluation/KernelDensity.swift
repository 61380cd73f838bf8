import Foundation
import TensorCore

/// The Parzen-window (kernel density) estimate of a density from M samples c_1 … c_M in
/// R^D, with isotropic Gaussian kernels of bandwidth σ:
///
///   p̂(x) = (1/M) Σ_i N(x; c_i, σ² I),
///   log p̂(x) = log-mean-exp_i ( -‖x - c_i‖² / (2σ²) ) - (D/2) log(2π σ²).
///
/// This is the GAN literature's KDE likelihood estimate (centres = generated samples),
/// and, with the training images as centres, the Gaussian mixture with one isotropic
/// component per image that the Flow-GAN paper compares against.
///
/// Properties:
/// - Distances come from ‖x - c‖² = ‖x‖² + ‖c‖² - 2 x·c: the norms in Double, all the
///   inner products of a block of points in one sgemm, so the cost is that of the GEMM.
///   Rounding can make the expression slightly negative; it is clamped at 0.
/// - The log-mean-exp is taken in Double around the row's smallest distance d_min:
///   log-mean-exp = -d_min/(2σ²) + log Σ_i exp(-(d_i - d_min)/(2σ²)) - log M. The sum is
///   at least 1, so the result is finite even when every kernel underflows.
/// - Points are processed in blocks whose distance matrix stays within `memoryBudget`.
public struct KernelDensityEstimate {
    /// The kernel centres, [M, D].
    public let centres: Tensor
    /// ‖c_i‖², in Double.
    let centreSquaredNorms: [Double]

    /// The bytes one block of the point-to-centre distance matrix may take.
    public static let memoryBudget = 200 << 20

    public var centreCount: Int { centres.shape[0] }
    public var dimension: Int { centres.shape[1] }

    /// An estimate with kernels at the rows of `centres` ([M, D]; a higher-rank tensor is
    /// flattened to [M, -1]).
    public init(centres: Tensor) {
        precondition(centres.rank >= 1 && centres.shape[0] > 0, "KDE needs at least one centre, got shape \(centres.shape)")
        let flat = centres.reshaped([centres.shape[0], -1])
        self.centres = flat
        centreSquaredNorms = KernelDensityEstimate.squaredNorms(flat)
    }

    /// log p̂(x) for each row x of `points` ([N, D]), at bandwidth σ.
    public func logDensities(_ points: Tensor, bandwidth: Double) -> [Double] {
        logDensities(points, bandwidths: [bandwidth])[0]
    }

    /// log p̂(x) for each row of `points` at each of several bandwidths ([bandwidth][point]),
    /// computing the distances once.
    public func logDensities(_ points: Tensor, bandwidths: [Double]) -> [[Double]] {
        precondition(bandwidths.allSatisfy { $0 > 0 && $0.isFinite }, "bandwidths must be positive: \(bandwidths)")
        let n = points.rank == 0 ? 0 : points.shape[0]
        let flat = points.reshaped([n, -1])
        precondition(flat.shape[1] == dimension, "KDE of dimension \(dimension) evaluated at points of shape \(points.shape)")
        let m = centreCount, d = dimension
        let result = UnsafeMutablePointer<Double>.allocate(capacity: max(1, bandwidths.count * n))
        defer { result.deallocate() }
        let halfPrecisions = bandwidths.map { 1 / (2 * $0 * $0) }
        // log M + (D/2) log(2π σ²), subtracted from every log-sum-exp.
        let offsets = bandwidths.map { Foundation.log(Double(m)) + 0.5 * Double(d) * Foundation.log(2 * Double.pi * $0 * $0) }
        let rowsPerBlock = max(1, min(n, KernelDensityEstimate.memoryBudget / (4 * m)))
        let centreNorms = centreSquaredNorms
        var start = 0
        while start < n {
            let block = flat.slice(start..<min(n, start + rowsPerBlock), alongAxis: 0)
            let rows = block.shape[0]
            let pointNorms = KernelDensityEstimate.squaredNorms(block)
            let products = Tensor.matmul(block, centres, transposeB: true)   // [rows, M]: x·c
            let blockStart = start
            parallelChunks(rows, grain: max(1, (1 << 16) / m)) { chunk in
                let squared = UnsafeMutablePointer<Double>.allocate(capacity: m)
                defer { squared.deallocate() }
                for row in chunk {
                    let dots = products.unsafeReadPointer + row * m
                    var smallest = Double.infinity
                    for i in 0..<m {
                        let s = max(0, pointNorms[row] + centreNorms[i] - 2 * Double(dots[i]))
                        squared[i] = s
                        smallest = min(smallest, s)
                    }
                    for (b, a) in halfPrecisions.enumerated() {
                        var total = 0.0
                        for i in 0..<m {
                            // The sum is at least 1 (the nearest centre's term), so terms below
                            // e^-50 change it by less than M · 2e-22: they are skipped.
                            let exponent = (smallest - squared[i]) * a
                            if exponent > -50 { total += Foundation.exp(exponent) }
                        }
                        result[b * n + blockStart + row] = -smallest * a + Foundation.log(total) - offsets[b]
                    }
                }
            }
            start += rows
        }
        return bandwidths.indices.map { b in Array(UnsafeBufferPointer(start: result + b * n, count: n)) }
    }

    /// The mean negative log-likelihood -(1/N) Σ log p̂(x_n) of `points` (nats per point,
    /// on the scale of the data) and its standard error s/√N, s the sample deviation.
    public func negativeLogLikelihood(_ points: Tensor, bandwidth: Double) -> (mean: Double, standardError: Double) {
        let values = logDensities(points, bandwidth: bandwidth).map { -$0 }
        return meanAndStandardError(values)
    }

    /// The bandwidth of `grid` under which the KDE of `centres` gives `validation` the
    /// highest mean log-density (the first such value on ties), that mean, and the mean
    /// at every bandwidth of the grid (the search, for a figure).
    public static func selectBandwidth(centres: Tensor, validation: Tensor,
                                       grid: [Double]) -> (bandwidth: Double, meanLogDensity: Double, curve: [Double]) {
        precondition(!grid.isEmpty, "selectBandwidth needs a grid of bandwidths")
        let estimate = KernelDensityEstimate(centres: centres)
        let means = estimate.logDensities(validation, bandwidths: grid).map { $0.reduce(0, +) / Double(max($0.count, 1)) }
        var best = 0
        for (i, value) in means.enumerated() where !(means[best] >= value) && !value.isNaN { best = i }
        return (grid[best], means[best], means)
    }

    /// The lowest NLL any KDE of bandwidth σ can give a point of dimension D,
    /// (D/2) log(2π σ²): log p̂(x) ≤ -(D/2) log(2π σ²), reached only when x sits on a centre.
    /// With D = 784 a bandwidth of 0.5 can never give an NLL below +177 nats, however good
    /// the samples: a floor set by the bandwidth alone, to read beside every KDE estimate.
    public static func floorNLL(dimension: Int, bandwidth: Double) -> Double {
        0.5 * Double(dimension) * Foundation.log(2 * Double.pi * bandwidth * bandwidth)
    }

    /// `count` values from `from` to `to` (both included), equally spaced in log.
    public static func logSpacedGrid(from: Double, to: Double, count: Int) -> [Double] {
        precondition(from > 0 && to > 0 && count >= 1, "logSpacedGrid(from: \(from), to: \(to), count: \(count))")
        if count == 1 { return [from] }
        let (low, high) = (Foundation.log(from), Foundation.log(to))
        return (0..<count).map { i in
            i == 0 ? from : i == count - 1 ? to : Foundation.exp(low + (high - low) * Double(i) / Double(count - 1))
        }
    }

    /// ‖row‖² of each row of a matrix, accumulated in Double.
    static func squaredNorms(_ matrix: Tensor) -> [Double] {
        let (rows, columns) = (matrix.shape[0], matrix.shape[1])
        return matrix.withUnsafeBufferPointer { p in
            (0..<rows).map { r in
                var total = 0.0
                for j in 0..<columns { let v = Double(p[r * columns + j]); total += v * v }
                return total
            }
        }
    }
}
