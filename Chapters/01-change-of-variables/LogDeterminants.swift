import Foundation
import TensorCore
import Autodiff
import Flows

/// log |det J| of planar flows in 2 and 16 dimensions at random points, three ways:
/// the matrix determinant lemma (closed form), the Jacobian from reverse-mode autodiff
/// with an LU determinant (LAPACK dgetrf), and a central finite-difference Jacobian
/// with the same LU determinant. Returns the largest disagreements with the closed form.
func compareLogDeterminants(points: Int, planarFlow: PlanarFlow, generator: inout RandomGenerator) throws
    -> (points: Int, autodiff: Double, finiteDifferences: Double) {
    var worstAutodiff = 0.0, worstFiniteDifferences = 0.0
    for dimension in [2, 16] {
        // A random 16-D planar flow, made invertible by construction (see `invertible`).
        let flow = dimension == 2 ? planarFlow : try PlanarFlow.invertible(
            u: (0..<dimension).map { _ in 0.5 * generator.nextNormal() },
            w: (0..<dimension).map { _ in 0.5 * generator.nextNormal() }.map { abs($0) },
            b: 0.1)
        for _ in 0..<points {
            let z = Tensor.normal([dimension], generator: &generator)
            let map = { (v: Variable) in flow(v.reshaped([1, dimension])).reshaped([dimension]) }

            // [book:logdet-three-ways]
            let closedForm = Double(flow.logAbsDeterminant(z.reshaped([1, dimension])).scalar)
            let autodiffJacobian = jacobian(of: map, at: z)
            let fromAutodiff = try LinearAlgebra.logAbsDeterminant(autodiffJacobian).logAbs
            let fromDifferences = try LinearAlgebra.logAbsDeterminant(
                finiteDifferenceJacobian(of: map, at: z, step: 1e-2)).logAbs
            // [/book:logdet-three-ways]

            worstAutodiff = max(worstAutodiff, abs(fromAutodiff - closedForm))
            worstFiniteDifferences = max(worstFiniteDifferences, abs(fromDifferences - closedForm))
        }
    }
    return (points * 2, worstAutodiff, worstFiniteDifferences)
}

/// The Jacobian [outputs, inputs] by central differences: column j is
/// (f(x + h e_j) - f(x - h e_j)) / 2h, with the truncation error of order h².
func finiteDifferenceJacobian(of f: (Variable) -> Variable, at x: Tensor, step h: Float) -> Tensor {
    let n = x.count
    let outputs = f(Variable(x)).value.count
    var columns = [[Float]](repeating: [], count: n)
    for j in 0..<n {
        var plus = x, minus = x
        plus.withUnsafeMutableBufferPointer { $0[j] += h }
        minus.withUnsafeMutableBufferPointer { $0[j] -= h }
        let fp = f(Variable(plus)).value.values, fm = f(Variable(minus)).value.values
        columns[j] = (0..<outputs).map { (fp[$0] - fm[$0]) / (2 * h) }
    }
    return Tensor(shape: [outputs, n], values: (0..<outputs).flatMap { i in (0..<n).map { columns[$0][i] } })
}
