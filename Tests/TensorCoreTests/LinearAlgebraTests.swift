import Foundation
import Testing
import TestSupport
@testable import TensorCore

/// LAPACK-backed routines against closed forms.
@Test func singularValuesOfRectangularMatricesMatchClosedForms() throws {
    // [[3, 0], [4, 5]]: AᵀA = [[25, 20], [20, 25]] has eigenvalues 45 and 5.
    let square = try LinearAlgebra.singularValues(Tensor(shape: [2, 2], values: [3, 0, 4, 5]))
    #expect(abs(square[0] - 45.0.squareRoot()) < 1e-5 && abs(square[1] - 5.0.squareRoot()) < 1e-5)
    // A 3x2 matrix with orthogonal columns of norms 2 and 7 (in any orientation).
    let tall = try LinearAlgebra.singularValues(Tensor(shape: [3, 2], values: [2, 0, 0, 0, 0, 7]))
    #expect(tall.count == 2 && abs(tall[0] - 7) < 1e-6 && abs(tall[1] - 2) < 1e-6)
    let wide = try LinearAlgebra.singularValues(Tensor(shape: [2, 3], values: [0, 0, 7, 2, 0, 0]))
    #expect(wide.count == 2 && abs(wide[0] - 7) < 1e-6 && abs(wide[1] - 2) < 1e-6)
}

@Test func logAbsDeterminantMatchesTheProductOfPivotsAndTheSign() throws {
    // det [[0, 2], [3, 1]] = -6 (a row interchange is needed).
    let (logAbs, sign) = try LinearAlgebra.logAbsDeterminant(Tensor(shape: [2, 2], values: [0, 2, 3, 1]))
    #expect(abs(logAbs - log(6.0)) < 1e-6 && sign == -1)
    let singular = try LinearAlgebra.logAbsDeterminant(Tensor(shape: [2, 2], values: [1, 2, 2, 4]))
    #expect(singular.logAbs == -.infinity)
    #expect(throws: LinearAlgebraError.self) { try LinearAlgebra.logAbsDeterminant(Tensor(zeros: [2, 3])) }
}
