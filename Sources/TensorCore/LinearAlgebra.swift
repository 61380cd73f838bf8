import CLAPACKE
import Foundation

// Dense linear algebra through LAPACK (OpenBLAS's implementation, via LAPACKE), in Double
// for accuracy: the matrices here are Jacobians of at most a few thousand rows.

public enum LinearAlgebraError: Error, CustomStringConvertible {
    case notSquare([Int])
    case lapackFailure(routine: String, info: Int32)

    public var description: String {
        switch self {
        case .notSquare(let shape): return "expected a square matrix, got shape \(shape)"
        case .lapackFailure(let routine, let info): return "LAPACK \(routine) failed with info = \(info)"
        }
    }
}

public enum LinearAlgebra {
    /// log |det A| and the sign of det A, from the LU factorisation A = P L U (dgetrf):
    /// det A = ±Π U_ii, the sign flipping once per row interchange. A singular matrix
    /// gives log |det| = -infinity.
    public static func logAbsDeterminant(_ a: Tensor) throws -> (logAbs: Double, sign: Double) {
        guard a.rank == 2, a.shape[0] == a.shape[1] else { throw LinearAlgebraError.notSquare(a.shape) }
        let n = a.shape[0]
        var lu = a.values.map(Double.init)
        var pivots = [Int32](repeating: 0, count: n)
        BLASThreads.configure()
        let info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, Int32(n), Int32(n), &lu, Int32(n), &pivots)
        if info < 0 { throw LinearAlgebraError.lapackFailure(routine: "dgetrf", info: info) }
        var logAbs = 0.0, sign = 1.0
        for i in 0..<n {
            let u = lu[i * n + i]
            if u == 0 { return (-.infinity, 0) }
            logAbs += Foundation.log(Swift.abs(u))
            if u < 0 { sign = -sign }
            if pivots[i] != Int32(i + 1) { sign = -sign }
        }
        return (logAbs, sign)
    }

    /// The singular values of a matrix, largest first (dgesdd, values only).
    ///
    /// The row-major matrix is handed to LAPACK as its column-major transpose (no copy of
    /// layout needed): Aᵀ has the same singular values, and LAPACKE's row-major path would
    /// demand full-size leading dimensions for the singular vectors it is not asked for.
    public static func singularValues(_ a: Tensor) throws -> [Double] {
        precondition(a.rank == 2, "singularValues needs a matrix, got shape \(a.shape)")
        return try singularValues(rows: a.shape[0], columns: a.shape[1], rowMajor: a.values.map(Double.init))
    }

    /// The smallest singular value a Double SVD of an m x n matrix resolves, σ_max · ε ·
    /// max(m, n) with ε Double's machine epsilon (LAPACK's usual tolerance for rank): the
    /// backward error of the SVD is of that size, so a computed singular value below it is
    /// rounding, not a value (a condition number beyond 1 / (ε · max(m, n)) is unknown).
    public static func singularValueResolution(largest: Double, rows m: Int, columns n: Int) -> Double {
        largest * Double.ulpOfOne * Double(max(m, n))
    }

    /// The singular values, largest first, of the m x n matrix whose entries are `values`
    /// row by row, in Double throughout.
    public static func singularValues(rows m: Int, columns n: Int, rowMajor values: [Double]) throws -> [Double] {
        precondition(values.count == m * n, "\(values.count) values for a \(m) x \(n) matrix")
        var transposed = values   // column-major n x m: the transpose of A
        var s = [Double](repeating: 0, count: min(m, n))
        var unusedU = [Double](repeating: 0, count: 1), unusedV = [Double](repeating: 0, count: 1)
        BLASThreads.configure()
        let info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int32(n), Int32(m),
                                  &transposed, Int32(max(n, 1)), &s, &unusedU, 1, &unusedV, 1)
        if info != 0 { throw LinearAlgebraError.lapackFailure(routine: "dgesdd", info: info) }
        return s
    }
}
