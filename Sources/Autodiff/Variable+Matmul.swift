import TensorCore

extension Variable {
    /// C = op(A) · op(B). With dC the incoming gradient:
    ///   dA = dC · op(B)ᵀ   (or its transpose when A entered transposed),
    ///   dB = op(A)ᵀ · dC   (likewise),
    /// each itself a matmul with transpose flags, so no transpose is materialised.
    public static func matmul(_ a: Variable, _ b: Variable,
                              transposeA: Bool = false, transposeB: Bool = false) -> Variable {
        let value = Tensor.matmul(a.value, b.value, transposeA: transposeA, transposeB: transposeB)
        return record(value, inputs: [a, b], accumulate: { g, i, sum in
            if i == 0 {
                if transposeA { Tensor.gemm(b.value, g.value, into: &sum, transposeA: transposeB, transposeB: true, beta: 1) }
                else { Tensor.gemm(g.value, b.value, into: &sum, transposeA: false, transposeB: !transposeB, beta: 1) }
            } else {
                if transposeB { Tensor.gemm(g.value, a.value, into: &sum, transposeA: true, transposeB: transposeA, beta: 1) }
                else { Tensor.gemm(a.value, g.value, into: &sum, transposeA: !transposeA, transposeB: false, beta: 1) }
            }
            return true
        }) { g, _, needs in
            let da: Variable? = !needs[0] ? nil
                : transposeA ? matmul(b, g, transposeA: transposeB, transposeB: true)
                : matmul(g, b, transposeA: false, transposeB: !transposeB)
            let db: Variable? = !needs[1] ? nil
                : transposeB ? matmul(g, a, transposeA: true, transposeB: transposeA)
                : matmul(a, g, transposeA: !transposeA, transposeB: false)
            return [da, db]
        }
    }

    /// x · W + b for x [N, In], W [In, Out], b [Out], in one sgemm (the bias is written
    /// into the output first). dx = g Wᵀ, dW = xᵀ g, db = the column sums of g. A weight
    /// shared by several products (a coupling network run forward and backward in one
    /// loss) has each later dW added into its running gradient by the sgemm itself.
    public static func affine(_ x: Variable, _ w: Variable, bias: Variable) -> Variable {
        record(Tensor.affine(x.value, w.value, bias: bias.value), inputs: [x, w, bias], accumulate: { g, i, sum in
            switch i {
            case 0: Tensor.gemm(g.value, w.value, into: &sum, transposeA: false, transposeB: true, beta: 1)
            case 1: Tensor.gemm(x.value, g.value, into: &sum, transposeA: true, transposeB: false, beta: 1)
            default: return false
            }
            return true
        }) { g, _, needs in
            [needs[0] ? matmul(g, w, transposeB: true) : nil,
             needs[1] ? matmul(x, g, transposeA: true) : nil,
             needs[2] ? g.reduced(toShape: bias.shape) : nil]
        }
    }
}
