import Foundation
import Testing
import TestSupport
import TensorCore
import Evaluation

/// The Parzen-window estimate log p̂(x) = log (1/M) Σ_i N(x; c_i, σ² I) against a naive
/// double loop, against the closed-form density it converges to, and at its edges.
@Suite("Kernel density estimate")
struct KernelDensityTests {
    /// An independent source of test data: SplitMix64 (Steele, Lea, Flood 2014) with
    /// Box-Muller normals in Double.
    struct Source {
        var bits: SplitMix64

        init(state: UInt64) { bits = SplitMix64(state: state) }

        mutating func next() -> UInt64 { bits.next() }

        /// Uniform on (0, 1).
        mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

        mutating func normal() -> Double {
            (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
        }

        /// [n, d] values with each entry drawn by `draw`.
        mutating func matrix(_ n: Int, _ d: Int, _ draw: (inout Source) -> Double) -> Tensor {
            var values: [Float] = []
            for _ in 0..<(n * d) { values.append(Float(draw(&self))) }
            return Tensor(shape: [n, d], values: values)
        }
    }

    /// log p̂(x) by the definition, one kernel at a time, in Double.
    static func naiveLogDensity(_ x: [Double], centres: [[Double]], bandwidth h: Double) -> Double {
        let d = Double(x.count)
        let density = centres.map { c in
            let squared = zip(x, c).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            return pow(2 * Double.pi * h * h, -d / 2) * exp(-squared / (2 * h * h))
        }.reduce(0, +) / Double(centres.count)
        return log(density)
    }

    static func rows(_ t: Tensor) -> [[Double]] {
        let (n, d) = (t.shape[0], t.shape[1])
        let v = t.values.map(Double.init)
        return (0..<n).map { Array(v[($0 * d)..<($0 * d + d)]) }
    }

    @Test("matches the definition computed kernel by kernel", arguments: [0.3, 1.0, 2.5])
    func againstNaiveLoop(bandwidth: Double) {
        var source = Source(state: 7)
        let centres = source.matrix(7, 3) { 2 * $0.uniform() - 1 }
        let points = source.matrix(5, 3) { 3 * $0.uniform() - 1.5 }
        let estimate = KernelDensityEstimate(centres: centres)
        let fast = estimate.logDensities(points, bandwidth: bandwidth)
        let slow = Self.rows(points).map { Self.naiveLogDensity($0, centres: Self.rows(centres), bandwidth: bandwidth) }
        #expect(fast.count == 5)
        for (f, s) in zip(fast, slow) { #expect(abs(f - s) < 1e-5 * max(1, abs(s)), "\(f) vs \(s)") }

        // The multi-bandwidth form and the NLL agree with the single-bandwidth values.
        let several = estimate.logDensities(points, bandwidths: [0.5, bandwidth])
        #expect(several[1] == fast)
        let nll = estimate.negativeLogLikelihood(points, bandwidth: bandwidth)
        let mean = -slow.reduce(0, +) / 5
        let deviation = (slow.map { ($0 + mean) * ($0 + mean) }.reduce(0, +) / 4).squareRoot()
        #expect(abs(nll.mean - mean) < 1e-5 * max(1, abs(mean)))
        #expect(abs(nll.standardError - deviation / 5.0.squareRoot()) < 1e-5)
    }

    @Test("many points in blocks: the block boundaries change nothing")
    func blocksAgree() {
        // 2000 centres put a block at 200 MB / (4 · 2000) = 26,214 rows, so 30,000 points span two blocks.
        var source = Source(state: 11)
        let centres = source.matrix(2000, 2) { $0.normal() }
        let points = source.matrix(30_000, 2) { $0.normal() }
        let estimate = KernelDensityEstimate(centres: centres)
        let all = estimate.logDensities(points, bandwidth: 0.4)
        let checked = [0, 1, 26_213, 26_214, 26_215, 29_999]
        let firstRows = Self.rows(centres)
        for i in checked {
            let x = Self.rows(points.slice(i..<(i + 1), alongAxis: 0))[0]
            let expected = Self.naiveLogDensity(x, centres: firstRows, bandwidth: 0.4)
            #expect(abs(all[i] - expected) < 1e-5 * max(1, abs(expected)), "point \(i): \(all[i]) vs \(expected)")
        }
    }

    /// For centres c ~ N(0, s² I), E p̂(x) = (N(0, s² I) * N(0, σ² I))(x) = N(x; 0, (s² + σ²) I),
    /// and p̂ concentrates on it as M grows (relative spread ≈ 1/sqrt(M σ^D (4π)^{D/2} p(x)),
    /// about 1.5% here near the mode). So the mean log-density of test points must match
    /// the closed form of N(0, (s² + σ²) I) to within that sampling error.
    @Test("converges to the Gaussian N(0, (s² + σ²) I) for Gaussian centres in 3-D")
    func gaussianLimit() {
        let (s, h, d) = (1.0, 0.5, 3)
        var source = Source(state: 2024)
        let centres = source.matrix(20_000, d) { s * $0.normal() }
        let points = source.matrix(1000, d) { s * $0.normal() }
        let estimate = KernelDensityEstimate(centres: centres)
        let kde = estimate.logDensities(points, bandwidth: h)
        let variance = s * s + h * h
        let exact = Self.rows(points).map { x in
            -0.5 * Double(d) * log(2 * Double.pi * variance) - x.map { $0 * $0 }.reduce(0, +) / (2 * variance)
        }
        let kdeMean = kde.reduce(0, +) / 1000, exactMean = exact.reduce(0, +) / 1000
        #expect(abs(kdeMean - exactMean) < 0.02, "mean log-density \(kdeMean) vs closed form \(exactMean)")
        // Pointwise too, near the mode where the estimate is most precise.
        for (k, e) in zip(kde, exact) where e > -0.5 * Double(d) * log(2 * Double.pi * variance) - 0.5 {
            #expect(abs(k - e) < 0.1, "pointwise \(k) vs \(e)")
        }
        // A mis-scaled kernel (σ² in place of 2σ² in the exponent, or a missing 2π) would be off by ≥ 0.1.
    }

    @Test("log-mean-exp stays finite and exact when every kernel underflows")
    func hugeDistances() {
        // Two centres at 0 and at (1, 0); the point at (1000, 1000). With σ = 0.01 the exponents are
        // about -10^10, far below Double's exp range, so a direct sum would give log 0 = -inf.
        let centres = Tensor(shape: [2, 2], values: [0, 0, 1, 0])
        let point = Tensor(shape: [1, 2], values: [1000, 1000])
        let h = 0.01
        let near = 999.0 * 999 + 1000 * 1000   // the far centre is at 1000² + 1000², 1999 further
        // log((e^{-near/2h²} + e^{-far/2h²}) / 2) = -near/2h² + log(1 + e^{-1999/2h²}) - log 2,
        // and the second exponential is below 1e-8000: it rounds to nothing.
        let expected = -near / (2 * h * h) - log(2) - log(2 * Double.pi * h * h)
        let value = KernelDensityEstimate(centres: centres).logDensities(point, bandwidth: h)[0]
        #expect(value.isFinite, "\(value)")
        #expect(abs(value / expected - 1) < 1e-9, "\(value) vs \(expected)")
    }

    @Test("distances are clamped at zero: a point on a centre never exceeds the kernel's peak")
    func pointOnCentre() {
        // Coordinates near 300 make ‖x‖² + ‖c‖² - 2x·c (≈ 5.8e6 - 5.8e6) cancel badly in Float, so
        // some of the 50 self-distances come out negative before clamping; unclamped, those would
        // lift the density above the peak by |d|/(2σ²) ≥ 10^5. The other centres are ~3 away, so
        // each point's density is at most that of its own kernel: peak - log 50, and exactly that
        // where the distance was clamped to 0.
        var source = Source(state: 5)
        let centres = source.matrix(50, 64) { 300 + $0.uniform() }
        let h = 1e-3
        let values = KernelDensityEstimate(centres: centres).logDensities(centres, bandwidth: h)
        let ceiling = -32 * log(2 * Double.pi * h * h) - log(50)
        for value in values { #expect(value.isFinite && value <= ceiling + 1e-9, "\(value) vs \(ceiling)") }
        #expect(values.contains { abs($0 - ceiling) < 1e-9 }, "no self-distance came out as 0: \(values.prefix(5))")
    }

    /// With a single centre at the origin (here three copies of it, which must not change the
    /// density), the mean validation log-density is -(D/2) log(2πσ²) - mean‖x‖² / (2σ²), whose
    /// maximiser is σ*² = mean‖x‖² / D. On a log grid the selection must pick the grid value with
    /// the highest such value, and report that value.
    @Test("bandwidth selection picks the maximiser of the mean validation log-density")
    func bandwidthSelection() {
        var source = Source(state: 99)
        let validation = source.matrix(500, 4) { 0.3 * $0.normal() }
        let centres = Tensor(zeros: [3, 4])
        let meanSquared = Self.rows(validation).map { $0.map { $0 * $0 }.reduce(0, +) }.reduce(0, +) / 500
        func objective(_ h: Double) -> Double { -2 * log(2 * Double.pi * h * h) - meanSquared / (2 * h * h) }

        let grid = KernelDensityEstimate.logSpacedGrid(from: 0.01, to: 10, count: 31)
        let best = grid.max { objective($0) < objective($1) }!
        let selected = KernelDensityEstimate.selectBandwidth(centres: centres, validation: validation, grid: grid)
        #expect(selected.bandwidth == best, "\(selected.bandwidth) vs \(best)")
        #expect(abs(selected.meanLogDensity - objective(best)) < 1e-6 * abs(objective(best)))
        // The whole search curve is the objective at every grid point.
        #expect(zip(selected.curve, grid).allSatisfy { abs($0 - objective($1)) < 1e-6 * abs(objective($1)) })
        // The grid is fine enough that the choice is within one step (a factor 10^0.1) of σ*.
        let optimum = (meanSquared / 4).squareRoot()
        #expect(abs(log10(selected.bandwidth / optimum)) <= 0.1, "\(selected.bandwidth) vs σ* = \(optimum)")
    }

    @Test("the floor: no point scores an NLL below (D/2) log(2πσ²), and a point on a centre reaches it")
    func floor() {
        var source = Source(state: 5)
        let centres = source.matrix(20, 6) { $0.normal() }
        let kde = KernelDensityEstimate(centres: centres)
        for bandwidth in [0.05, 0.3, 2.0] {
            let floor = KernelDensityEstimate.floorNLL(dimension: 6, bandwidth: bandwidth)
            #expect(abs(floor - 3 * log(2 * Double.pi * bandwidth * bandwidth)) < 1e-12)
            let points = source.matrix(50, 6) { $0.normal() }
            #expect(kde.logDensities(points, bandwidth: bandwidth).allSatisfy { -$0 >= floor - 1e-9 })
            // With one centre, a point on it scores exactly the floor.
            let single = KernelDensityEstimate(centres: centres.slice(0..<1, alongAxis: 0))
            // The distance |x - c|² = |x|² + |c|² - 2 x·c with x·c from a Float32 product: its
            // rounding, about ε Σ x² with ε = 2^-23 times a few, divided by 2σ².
            let centre = centres.slice(0..<1, alongAxis: 0)
            let tolerance = 8 * Double(Float.ulpOfOne) * centre.values.reduce(0) { $0 + Double($1 * $1) } / (2 * bandwidth * bandwidth) + 1e-9
            #expect(abs(-single.logDensities(centre, bandwidth: bandwidth)[0] - floor) < tolerance)
        }
    }

    @Test("log-spaced grid: endpoints included, constant ratio")
    func logSpacedGrid() {
        let grid = KernelDensityEstimate.logSpacedGrid(from: 0.01, to: 1, count: 5)
        #expect(grid.count == 5 && grid.first == 0.01 && grid.last == 1)
        let expected = [0.01, 0.031_622_776_601_683_79, 0.1, 0.316_227_766_016_837_94, 1]
        for (g, e) in zip(grid, expected) { #expect(abs(g / e - 1) < 1e-12, "\(g) vs \(e)") }
        #expect(KernelDensityEstimate.logSpacedGrid(from: 0.2, to: 5, count: 1) == [0.2])
    }
}
