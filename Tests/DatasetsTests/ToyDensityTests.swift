import Foundation
import Testing
import TestSupport
import TensorCore
import Datasets

/// The two-dimensional toy densities: exact densities integrate to one, samplers are
/// reproducible, and the 8-Gaussian mixture has the moments of its definition.
@Suite("Toy densities")
struct ToyDensityTests {
    static let exact = ToyDensity.allCases.filter(\.hasExactDensity)

    @Test("exactly the sampler-only densities have no log-density")
    func which() {
        #expect(ToyDensity.twoMoons.logDensity(Tensor(zeros: [3, 2])) == nil)
        #expect(ToyDensity.twoSpirals.logDensity(Tensor(zeros: [3, 2])) == nil)
        #expect(Set(Self.exact) == [.eightGaussians, .twentyFiveGaussians, .checkerboard, .rings])
    }

    /// ∫ exp(log p) over [-extent, extent]² by the midpoint rule on an n x n grid; the
    /// midpoints never land on the checkerboard's edges.
    static func integral(_ density: ToyDensity, n: Int) -> Double {
        let extent = Double(density.extent), h = 2 * extent / Double(n)
        var points: [Float] = []
        points.reserveCapacity(2 * n * n)
        for i in 0..<n { for j in 0..<n {
            points.append(Float(-extent + (Double(i) + 0.5) * h))
            points.append(Float(-extent + (Double(j) + 0.5) * h))
        } }
        let logP = density.logDensity(Tensor(shape: [n * n, 2], values: points))!.values
        return logP.reduce(0.0) { $0 + Foundation.exp(Double($1)) } * h * h
    }

    @Test("exp(log p) integrates to 1 over [-extent, extent]²", arguments: exact)
    func normalized(_ density: ToyDensity) {
        // Step 0.02: a quarter of the narrowest standard deviation (0.06, the rings').
        let total = Self.integral(density, n: 300)
        #expect(abs(total - 1) < 1e-2, "∫ p = \(total)")
    }

    @Test("log-densities at known points")
    func knownValues() throws {
        // Checkerboard: 1/8 on the filled squares (row + column even), 0 elsewhere.
        let board = try #require(ToyDensity.checkerboard.logDensity(
            Tensor(shape: [4, 2], values: [-1.5, -1.5, -0.5, -1.5, 0.5, 0.5, 2.5, 0])))
        #expect(abs(Double(board.values[0]) + Foundation.log(8.0)) < 1e-6)
        #expect(board.values[1] == -.infinity)
        #expect(abs(Double(board.values[2]) + Foundation.log(8.0)) < 1e-6)
        #expect(board.values[3] == -.infinity)
        // 8 Gaussians at a component's mean (2, 0): (1/8) N(0; 0, 0.1² I) plus neighbours
        // whose distance is 2·2·sin(π/8) ≈ 1.53, i.e. 15 standard deviations: negligible.
        let peak = try #require(ToyDensity.eightGaussians.logDensity(Tensor(shape: [1, 2], values: [2, 0])))
        let expected = Foundation.log(1.0 / 8 / (2 * Double.pi * 0.01))
        #expect(abs(Double(peak.values[0]) - expected) < 1e-4)
    }

    @Test("samples depend only on the seed", arguments: ToyDensity.allCases)
    func deterministic(_ density: ToyDensity) {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let first = density.sample(200, generator: &a)
        let second = density.sample(200, generator: &b)
        let other = density.sample(200, generator: &c)
        #expect(first.shape == [200, 2])
        #expect(first.values == second.values)
        #expect(first.values != other.values)
        #expect(first.values.allSatisfy { $0.isFinite })
    }

    @Test("samples fall where the density is positive", arguments: exact)
    func samplesInSupport(_ density: ToyDensity) {
        var g = RandomGenerator(seed: 7)
        let points = density.sample(2000, generator: &g)
        let logP = density.logDensity(points)!.values
        #expect(logP.allSatisfy { $0 > -40 }, "lowest log p of a sample: \(logP.min()!)")
    }

    @Test("8 Gaussians: sample mean ≈ 0 and E|x|² ≈ 4 + 2·0.1²")
    func eightGaussianMoments() {
        var g = RandomGenerator(seed: 2024)
        let n = 20_000
        let points = ToyDensity.eightGaussians.sample(n, generator: &g).values
        var meanX = 0.0, meanY = 0.0, squaredNorm = 0.0
        for i in 0..<n {
            let x = Double(points[2 * i]), y = Double(points[2 * i + 1])
            meanX += x; meanY += y; squaredNorm += x * x + y * y
        }
        meanX /= Double(n); meanY /= Double(n); squaredNorm /= Double(n)
        // Each coordinate has variance 2 (a point on a radius-2 circle) + 0.01, so the
        // standard error of the mean is sqrt(2.01 / 20000) ≈ 0.01; allow 4 of them.
        #expect(abs(meanX) < 0.04 && abs(meanY) < 0.04, "mean (\(meanX), \(meanY))")
        // |x|² = 4 + 2 m·ε + |ε|² has standard deviation ≈ 2 · 2 · 0.1 = 0.4, so the
        // standard error of its mean is ≈ 0.003; allow 5 of them.
        #expect(abs(squaredNorm - 4.02) < 0.015, "E|x|² = \(squaredNorm)")
    }

    @Test("mode coverage of the data itself: every mode, and 1 - exp(-9/2) of the points within 3 sd",
          arguments: [ToyDensity.eightGaussians, .twentyFiveGaussians])
    func coverageOfData(_ density: ToyDensity) {
        var g = RandomGenerator(seed: 77)
        let n = 20_000
        let (covered, share) = density.modeCoverage(density.sample(n, generator: &g))
        #expect(covered == density.modes.count)
        // |ε|²/σ² of a 2-D normal is chi-squared with 2 degrees of freedom, so
        // P(|ε| ≤ 3σ) = 1 - exp(-9/2) ≈ 0.9889; the modes are 10σ or more apart, so no
        // point is closer to another mode. Standard error sqrt(p(1-p)/n) ≈ 0.0007.
        let expected = 1 - Foundation.exp(-4.5)
        #expect(abs(share - expected) < 0.004, "share \(share), expected \(expected)")
    }

    @Test("mode coverage: samples on one mode cover one; samples far from every mode cover none")
    func coverageOfOneMode() {
        let density = ToyDensity.eightGaussians
        let (x, y) = density.modes[3]
        let onOne = Tensor(shape: [100, 2], values: (0..<100).flatMap { _ in [x, y] })
        #expect(density.modeCoverage(onOne) == (covered: 1, share: 1))
        let nowhere = Tensor(shape: [100, 2], values: [Float](repeating: 0, count: 200))
        #expect(density.modeCoverage(nowhere) == (covered: 0, share: 0))
    }
}
