import Foundation
import TensorCore
import Autodiff
import Flows
import Figures
import Course

/// The 2-D maps of the chapter: a linear map x = A z and a planar flow.
enum TwoDimensionalMaps {
    /// A shear and stretch, det A = 0.75.
    static let linear = Tensor(shape: [2, 2], values: [1.5, 0.9,
                                                       0.0, 0.5])
    /// The planar flow's w and b; u is the chapter's --planar-u (default (1.2, -0.6), so
    /// uᵀw = 2.4: an invertible stretch across the line wᵀz + b = 0).
    static let planarW: [Float] = [2.5, 1.0]
    static let planarB: Float = 0.3
    static let defaultPlanarU: [Float] = [1.2, -0.6]

    /// x = A z for rows z (x = z Aᵀ).
    static func applyLinear(_ z: Variable) -> Variable {
        Variable.matmul(z, Variable(linear), transposeB: true)
    }
}

/// The standard normal density in two dimensions at each row of `points`.
func standardNormalDensity(_ points: Tensor) -> [Double] {
    let p = points.values
    return (0..<points.shape[0]).map { i in
        let (a, b) = (Double(p[2 * i]), Double(p[2 * i + 1]))
        return Foundation.exp(-(a * a + b * b) / 2) / (2 * Double.pi)
    }
}

/// The standard normal's density pushed through the two maps, on a square grid of cell
/// centres over [-extent, extent]² (row 0 at the top), and the pushed densities' integrals
/// over that square (each should be close to 1).
struct PushedDensities {
    let n: Int
    let extent: Double
    let before, linear, planar: [Double]

    var cell: Double { 2 * extent / Double(n) }
    var linearIntegral: Double { linear.reduce(0, +) * (cell * cell) }
    var planarIntegral: Double { planar.reduce(0, +) * (cell * cell) }
}

func pushedDensities(gridSize n: Int, planarFlow: PlanarFlow, extent: Double = 5) -> PushedDensities {
    let cell = 2 * extent / Double(n)
    var points: [Float] = []
    for i in 0..<n {
        for j in 0..<n {
            // Row 0 is the top of the picture: largest second coordinate.
            points.append(Float(-extent + (Double(j) + 0.5) * cell))
            points.append(Float(extent - (Double(i) + 0.5) * cell))
        }
    }
    let grid = Tensor(shape: [n * n, 2], values: points)
    let before = standardNormalDensity(grid)

    // [book:density-2d]
    // Linear: p_X(x) = p_Z(A⁻¹x) / |det A|.
    let a = TwoDimensionalMaps.linear.values.map(Double.init)
    let det = a[0] * a[3] - a[1] * a[2]
    let inverseA = Tensor(shape: [2, 2], values: [a[3] / det, -a[1] / det, -a[2] / det, a[0] / det].map(Float.init))
    let linear = standardNormalDensity(Tensor.matmul(grid, inverseA, transposeB: true)).map { $0 / abs(det) }

    // Planar: p_X(x) = p_Z(z) / |det ∂f/∂z| at z = f⁻¹(x).
    let z = planarFlow.inverse(grid)
    let logDet = planarFlow.logAbsDeterminant(z).values
    let planar = zip(standardNormalDensity(z), logDet).map { $0 * Foundation.exp(-Double($1)) }
    // [/book:density-2d]
    return PushedDensities(n: n, extent: extent, before: before, linear: linear, planar: planar)
}
