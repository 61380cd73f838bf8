import Foundation
import TensorCore
import Autodiff

/// A planar flow (Rezende & Mohamed 2015): f(z) = z + u · tanh(wᵀz + b) for z in R^D.
///
/// Its Jacobian is the identity plus a rank-one matrix, I + u · h'(wᵀz + b) · wᵀ with
/// h = tanh, so by the matrix determinant lemma, det(I + a bᵀ) = 1 + bᵀa,
///
///     log |det ∂f/∂z| = log |1 + h'(wᵀz + b) · uᵀw|,
///
/// which costs O(D) instead of the O(D³) of a general determinant. Since h' ∈ (0, 1],
/// the map is invertible when uᵀw ≥ -1; the inverse solves one scalar equation.
public struct PlanarFlow {
    public let u: Tensor   // [D]
    public let w: Tensor   // [D]
    public let b: Float

    /// Throws `PlanarFlowError` for vectors of different lengths, or for uᵀw < -1, where
    /// the map is not invertible.
    public init(u: [Float], w: [Float], b: Float) throws {
        guard u.count == w.count, !u.isEmpty else {
            throw PlanarFlowError("planar flow: u has \(u.count) entries, w has \(w.count); they must match")
        }
        self.u = Tensor(shape: [u.count], values: u)
        self.w = Tensor(shape: [w.count], values: w)
        self.b = b
        guard uDotW >= -1 else { throw PlanarFlowError("planar flow: uᵀw = \(uDotW) < -1, a map that is not invertible") }
    }

    /// A planar flow that is invertible whatever `u` is: Rezende and Mohamed's
    /// reparametrisation û = u + (m(wᵀu) - wᵀu) w / ‖w‖², m(x) = -1 + log(1 + eˣ), gives
    /// ûᵀw = m(wᵀu) > -1. For drawing random flows (w must not be zero).
    public static func invertible(u: [Float], w: [Float], b: Float) throws -> PlanarFlow {
        guard u.count == w.count, !u.isEmpty else {
            throw PlanarFlowError("planar flow: u has \(u.count) entries, w has \(w.count); they must match")
        }
        let uw = zip(u, w).map { Double($0) * Double($1) }.reduce(0, +)
        let squaredNorm = w.map { Double($0) * Double($0) }.reduce(0, +)
        guard squaredNorm > 0 else { throw PlanarFlowError("planar flow: w is zero") }
        // m(x) = -1 + softplus(x), computed without overflow.
        let m = -1 + (uw > 0 ? uw + Foundation.log1p(Foundation.exp(-uw)) : Foundation.log1p(Foundation.exp(uw)))
        let shift = (m - uw) / squaredNorm
        return try PlanarFlow(u: zip(u, w).map { Float(Double($0) + shift * Double($1)) }, w: w, b: b)
    }

    var uDotW: Float { zip(u.values, w.values).map(*).reduce(0, +) }

    // [book:planar-flow]
    /// f(z) for a batch z [N, D].
    public func callAsFunction(_ z: Variable) -> Variable {
        let dimension = w.shape[0]
        let activation = Variable.matmul(z, Variable(w.reshaped([dimension, 1]))) + b   // wᵀz + b, [N, 1]
        return z + activation.tanh() * Variable(u.reshaped([1, dimension]))
    }

    /// log |det ∂f/∂z| for each row of z, by the matrix determinant lemma.
    public func logAbsDeterminant(_ z: Tensor) -> Tensor {
        let activation = Tensor.matmul(z, w.reshaped([w.shape[0], 1])) + b
        let slope = activation.map { 1 - Foundation.tanh($0) * Foundation.tanh($0) }   // h'(wᵀz + b)
        let uw = uDotW
        return slope.map { Foundation.log(abs(1 + $0 * uw)) }.reshaped([z.shape[0]])
    }
    // [/book:planar-flow]

    /// f⁻¹(x): with α = wᵀz, wᵀx = α + uᵀw tanh(α + b) is increasing in α, so α is
    /// found by bisection, and then z = x - u tanh(α + b).
    public func inverse(_ x: Tensor) -> Tensor {
        let n = x.shape[0], d = w.shape[0]
        let uw = Double(uDotW), bias = Double(b)
        let wv = w.values.map(Double.init), uv = u.values, xv = x.values
        var out = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            let target = (0..<d).reduce(0.0) { $0 + wv[$1] * Double(xv[i * d + $1]) }
            // g(α) = α + uw tanh(α + b) - target is increasing; |uw| bounds the root's distance.
            var low = target - abs(uw) - 1, high = target + abs(uw) + 1
            for _ in 0..<100 {
                let mid = (low + high) / 2
                if mid + uw * Foundation.tanh(mid + bias) < target { low = mid } else { high = mid }
            }
            let shift = Float(Foundation.tanh((low + high) / 2 + bias))
            for j in 0..<d { out[i * d + j] = xv[i * d + j] - uv[j] * shift }
        }
        return Tensor(shape: [n, d], values: out)
    }
}

/// Why a planar flow cannot be built, in one sentence.
public struct PlanarFlowError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
