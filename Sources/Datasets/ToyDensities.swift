import Foundation
import TensorCore

/// Two-dimensional densities to train and draw flows and critics on. Each samples from a
/// seed; those with a closed form also give their exact log-density.
public enum ToyDensity: String, CaseIterable, Sendable {
    case twoMoons = "two-moons"
    case eightGaussians = "8-gaussians"
    case twentyFiveGaussians = "25-gaussians"
    case checkerboard
    case twoSpirals = "two-spirals"
    case rings

    /// A square that holds essentially all of the mass, for plots and grids.
    public var extent: Float { 3 }

    /// Component means and the shared standard deviation of the Gaussian mixtures.
    var mixture: (means: [(Float, Float)], std: Float)? {
        switch self {
        case .eightGaussians:
            let circle: [(Float, Float)] = (0..<8).map { (k: Int) -> (Float, Float) in
                let a = Float(k) * Float.pi / 4
                return (2 * Foundation.cos(a), 2 * Foundation.sin(a))
            }
            return (circle, 0.1)
        case .twentyFiveGaussians:
            let grid: [(Float, Float)] = (0..<25).map { (k: Int) -> (Float, Float) in
                (Float(k / 5 - 2), Float(k % 5 - 2))
            }
            return (grid, 0.08)
        default:
            return nil
        }
    }

    /// The component means of the Gaussian mixtures (empty for the other densities).
    public var modes: [(Float, Float)] { mixture?.means ?? [] }
    /// The components' standard deviation (0 for the other densities).
    public var modeStandardDeviation: Float { mixture?.std ?? 0 }

    // [book:mode-coverage]
    /// A mode is covered when it holds at least a fifth of the samples it would get under
    /// the data (N / number of modes / 5 within 3 standard deviations of it): a mode that a
    /// few stray samples happen to cross is not covered. The share near a mode is the
    /// fraction of all samples within 3 standard deviations of some mode (about 0.99 for
    /// samples of the data themselves).
    public func modeCoverage(_ samples: Tensor) -> (covered: Int, share: Double) {
        let (means, std) = (modes, modeStandardDeviation)
        guard !means.isEmpty else { return (0, 0) }
        var counts = [Int](repeating: 0, count: means.count)
        var near = 0
        let p = samples.values
        for i in 0..<samples.shape[0] {
            let distances = means.map { ((p[2 * i] - $0.0) * (p[2 * i] - $0.0) + (p[2 * i + 1] - $0.1) * (p[2 * i + 1] - $0.1)).squareRoot() }
            let nearest = distances.indices.min { distances[$0] < distances[$1] }!
            if distances[nearest] <= 3 * std { counts[nearest] += 1; near += 1 }
        }
        let threshold = max(1, samples.shape[0] / means.count / 5)
        return (counts.filter { $0 >= threshold }.count, Double(near) / Double(samples.shape[0]))
    }
    // [/book:mode-coverage]

    /// Radii of the rings and the radial standard deviation.
    static let ringRadii: [Float] = [0.5, 1.2, 1.9, 2.6]
    static let ringStd: Float = 0.06

    /// `n` points, [n, 2].
    public func sample(_ n: Int, generator g: inout RandomGenerator) -> Tensor {
        var values: [Float] = []
        values.reserveCapacity(2 * n)
        for _ in 0..<n {
            let (x, y) = samplePoint(&g)
            values.append(x)
            values.append(y)
        }
        return Tensor(shape: [n, 2], values: values)
    }

    private func samplePoint(_ g: inout RandomGenerator) -> (Float, Float) {
        switch self {
        case .eightGaussians, .twentyFiveGaussians:
            let (means, std) = mixture!
            let m = means[g.nextInt(below: means.count)]
            return (m.0 + std * g.nextNormal(), m.1 + std * g.nextNormal())
        case .twoMoons:
            // Two interleaved half circles of radius 1 with Gaussian noise 0.1, centred.
            let t = Float.pi * g.nextUniform()
            let upper = g.nextInt(below: 2) == 0
            let x = upper ? Foundation.cos(t) : 1 - Foundation.cos(t)
            let y = upper ? Foundation.sin(t) : 0.5 - Foundation.sin(t)
            return (1.5 * (x - 0.5) + 0.1 * g.nextNormal(), 1.5 * (y - 0.25) + 0.1 * g.nextNormal())
        case .checkerboard:
            // A 4 x 4 board on [-2, 2]²; the 8 squares whose row and column indices have an
            // even sum are filled uniformly.
            let square = g.nextInt(below: 8)
            let row = square / 2
            let column = 2 * (square % 2) + (row % 2)
            return (Float(column) - 2 + g.nextUniform(), Float(row) - 2 + g.nextUniform())
        case .twoSpirals:
            let t = Foundation.sqrt(g.nextUniform()) * 3 * .pi
            let sign: Float = g.nextInt(below: 2) == 0 ? 1 : -1
            let r = t / (3 * .pi) * 2.5
            return (sign * r * Foundation.cos(t) + 0.08 * g.nextNormal(),
                    sign * r * Foundation.sin(t) + 0.08 * g.nextNormal())
        case .rings:
            let r = ToyDensity.ringRadii[g.nextInt(below: ToyDensity.ringRadii.count)] + ToyDensity.ringStd * g.nextNormal()
            let a = 2 * Float.pi * g.nextUniform()
            return (r * Foundation.cos(a), r * Foundation.sin(a))
        }
    }

    /// Whether `logDensity` is available.
    public var hasExactDensity: Bool { logDensity(Tensor(zeros: [1, 2])) != nil }

    /// The exact log-density at each row of `points` [n, 2], or nil for the densities
    /// defined only by their sampler (two moons, two spirals).
    ///
    /// Rings: the radius is a mixture of normals and the angle uniform, so
    /// p(x) = p_r(|x|) / (2π|x|); the radial normals' mass below r = 0 (over eight
    /// standard deviations away) is ignored.
    public func logDensity(_ points: Tensor) -> Tensor? {
        precondition(points.rank == 2 && points.shape[1] == 2, "toy densities are 2-D; got points of shape \(points.shape)")
        let n = points.shape[0]
        let p = points.values
        var out = [Float](repeating: 0, count: n)
        switch self {
        case .twoMoons, .twoSpirals:
            return nil
        case .eightGaussians, .twentyFiveGaussians:
            let (means, std) = mixture!
            let logNorm = -Foundation.log(2 * Double.pi * Double(std * std))
            for i in 0..<n {
                let terms = means.map { m -> Double in
                    let dx = Double(p[2 * i] - m.0), dy = Double(p[2 * i + 1] - m.1)
                    return logNorm - (dx * dx + dy * dy) / (2 * Double(std * std))
                }
                out[i] = Float(logMeanExp(terms))
            }
        case .checkerboard:
            for i in 0..<n {
                let x = p[2 * i], y = p[2 * i + 1]
                let inside = x >= -2 && x < 2 && y >= -2 && y < 2
                let filled = inside && (Int(Foundation.floor(x + 2)) + Int(Foundation.floor(y + 2))) % 2 == 0
                out[i] = filled ? -Foundation.log(8) : -.infinity
            }
        case .rings:
            let s = Double(ToyDensity.ringStd)
            for i in 0..<n {
                let r = Double((p[2 * i] * p[2 * i] + p[2 * i + 1] * p[2 * i + 1]).squareRoot())
                let terms = ToyDensity.ringRadii.map { rk -> Double in
                    -0.5 * Foundation.log(2 * Double.pi * s * s) - (r - Double(rk)) * (r - Double(rk)) / (2 * s * s)
                }
                out[i] = Float(logMeanExp(terms) - Foundation.log(2 * Double.pi * max(r, 1e-12)))
            }
        }
        return Tensor(shape: [n], values: out)
    }
}

