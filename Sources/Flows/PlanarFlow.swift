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

    public init(u: [Float], w: [Float], b: Float) {
        precondition(u.count == w.count, "planar flow: u has \(u.count) entries, w has \(w.count)")
        self.u = Tensor(shape: [u.count], values: u)
        self.w = Tensor(shape: [w.count], values: w)
        self.b = b
        precondition(uDotW >= -1, "planar flow with uᵀw = \(uDotW) < -1 is not invertible")
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
