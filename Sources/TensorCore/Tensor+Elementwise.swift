import Foundation

// Elementwise arithmetic. Binary operations broadcast as NumPy does: shapes are aligned
// at their last axes, and an axis of length 1 (or a missing one) repeats to match the
// other operand. Row vectors [D] against [N, D], per-row values [N, 1], and per-channel
// values [1, C, 1, 1] against [N, C, H, W] are the cases flows and GANs use.

extension Tensor {
    /// The shape two shapes broadcast to, or nil when they are incompatible.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { result[i] = da } else if da == 1 { result[i] = db } else { return nil }
        }
        return result
    }

    /// Applies `f` to every element.
    @inlinable
    public func map(_ f: (Float) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let src = storage.pointer, dst = out.storage.pointer
        parallelChunks(count, grain: 1 << 15) { range in
            for i in range { dst[i] = f(src[i]) }
        }
        return out
    }

    /// Combines two tensors elementwise with broadcasting.
    @inlinable
    public static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape {
            let out = Tensor(uninitializedShape: a.shape)
            let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
            parallelChunks(a.count, grain: 1 << 15) { range in
                for i in range { po[i] = f(pa[i], pb[i]) }
            }
            return out
        }
        guard let shape = broadcastShape(a.shape, b.shape) else {
            preconditionFailure("cannot broadcast shapes \(a.shape) and \(b.shape)")
        }
        let out = Tensor(uninitializedShape: shape)
        let plan = BroadcastPlan(output: shape, a: a.shape, b: b.shape)
        let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
        plan.forEachRow { offsetA, offsetB, offsetOut in
            let n = plan.innerCount
            let qa = pa + offsetA, qb = pb + offsetB, qo = po + offsetOut
            switch (plan.innerStrideA, plan.innerStrideB) {
            case (1, 1): for i in 0..<n { qo[i] = f(qa[i], qb[i]) }
            case (1, 0): let y = qb[0]; for i in 0..<n { qo[i] = f(qa[i], y) }
            case (0, 1): let x = qa[0]; for i in 0..<n { qo[i] = f(x, qb[i]) }
            default: let x = qa[0], y = qb[0]; for i in 0..<n { qo[i] = f(x, y) }
            }
        }
        return out
    }

    // Arithmetic on same-shaped tensors and with scalars goes through loops written out
    // for each operator (see `relu` below for why); broadcasting goes through `zip`.
    public static func + (a: Tensor, b: Tensor) -> Tensor { a.shape == b.shape ? arithmetic(a, b, .add) : zip(a, b, +) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.shape == b.shape ? arithmetic(a, b, .subtract) : zip(a, b, -) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.shape == b.shape ? arithmetic(a, b, .multiply) : zip(a, b, *) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.shape == b.shape ? arithmetic(a, b, .divide) : zip(a, b, /) }
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }
    public static func + (a: Tensor, s: Float) -> Tensor { arithmetic(a, scalar: s, .add) }
    public static func * (a: Tensor, s: Float) -> Tensor { arithmetic(a, scalar: s, .multiply) }
    public static func * (s: Float, a: Tensor) -> Tensor { arithmetic(a, scalar: s, .multiply) }

    @usableFromInline
    enum ArithmeticOperator { case add, subtract, multiply, divide }

    /// a ∘ b elementwise for same-shaped tensors.
    @usableFromInline
    static func arithmetic(_ a: Tensor, _ b: Tensor, _ op: ArithmeticOperator) -> Tensor {
        let out = Tensor(uninitializedShape: a.shape)
        let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
        parallelChunks(a.count, grain: 1 << 15) { range in
            switch op {
            case .add: for i in range { po[i] = pa[i] + pb[i] }
            case .subtract: for i in range { po[i] = pa[i] - pb[i] }
            case .multiply: for i in range { po[i] = pa[i] * pb[i] }
            case .divide: for i in range { po[i] = pa[i] / pb[i] }
            }
        }
        return out
    }

    /// a ∘ s elementwise (add or multiply; s · a equals a · s exactly).
    @usableFromInline
    static func arithmetic(_ a: Tensor, scalar s: Float, _ op: ArithmeticOperator) -> Tensor {
        precondition(op == .add || op == .multiply, "scalar arithmetic: add or multiply")
        let out = Tensor(uninitializedShape: a.shape)
        let pa = a.storage.pointer, po = out.storage.pointer
        parallelChunks(a.count, grain: 1 << 15) { range in
            if op == .add { for i in range { po[i] = pa[i] + s } } else { for i in range { po[i] = pa[i] * s } }
        }
        return out
    }

    /// In-place `self += other` (same shape), the gradient accumulator's operation.
    public mutating func add(_ other: Tensor) {
        checkSameShape(shape, other.shape, "add")
        makeUnique()
        let p = storage.pointer, q = other.storage.pointer
        parallelChunks(count, grain: 1 << 15) { range in
            for i in range { p[i] += q[i] }
        }
    }
}

/// Iteration over the rows of a broadcast binary operation: the output is walked as a
/// sequence of contiguous rows of `innerCount` elements, and each operand either advances
/// along a row (stride 1) or repeats one value (stride 0). Adjacent axes that step the
/// same way in both operands are merged first, so the rows are as long as possible.
@usableFromInline struct BroadcastPlan {
    @usableFromInline let innerCount: Int
    @usableFromInline let innerStrideA: Int
    @usableFromInline let innerStrideB: Int
    @usableFromInline let outerShape: [Int]
    @usableFromInline let outerStridesA: [Int]
    @usableFromInline let outerStridesB: [Int]

    @usableFromInline init(output: [Int], a: [Int], b: [Int]) {
        func strides(_ s: [Int]) -> [Int] {
            let padded = [Int](repeating: 1, count: output.count - s.count) + s
            var result = [Int](repeating: 0, count: output.count)
            var step = 1
            for i in stride(from: output.count - 1, through: 0, by: -1) {
                result[i] = padded[i] == 1 ? 0 : step
                step *= padded[i]
            }
            return result
        }
        var dims: [(n: Int, sa: Int, sb: Int)] = []
        for (i, n) in output.enumerated() where n != 1 {
            dims.append((n, strides(a)[i], strides(b)[i]))
        }
        // Merge axis i into axis i+1 when both operands step through them as one axis.
        var merged: [(n: Int, sa: Int, sb: Int)] = []
        for d in dims.reversed() {
            if let last = merged.last, last.sa * last.n == d.sa, last.sb * last.n == d.sb {
                merged[merged.count - 1] = (last.n * d.n, last.sa, last.sb)
            } else {
                merged.append(d)
            }
        }
        merged.reverse()
        let inner = merged.last ?? (1, 0, 0)
        innerCount = inner.n
        innerStrideA = inner.sa
        innerStrideB = inner.sb
        let outer = merged.dropLast()
        outerShape = outer.map(\.n)
        outerStridesA = outer.map(\.sa)
        outerStridesB = outer.map(\.sb)
    }

    /// Calls `body(offsetA, offsetB, offsetOut)` for the start of every output row.
    @inlinable
    @usableFromInline func forEachRow(_ body: (Int, Int, Int) -> Void) {
        let rows = outerShape.reduce(1, *)
        var index = [Int](repeating: 0, count: outerShape.count)
        var offsetA = 0, offsetB = 0
        for row in 0..<rows {
            body(offsetA, offsetB, row * innerCount)
            // Advance the odometer over the outer axes.
            var axis = outerShape.count - 1
            while axis >= 0 {
                index[axis] += 1
                offsetA += outerStridesA[axis]
                offsetB += outerStridesB[axis]
                if index[axis] < outerShape[axis] { break }
                offsetA -= outerStridesA[axis] * outerShape[axis]
                offsetB -= outerStridesB[axis] * outerShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

// The unary functions flows and GANs use, each written to be stable over all of Float.
extension Tensor {
    public func exp() -> Tensor { map { Foundation.exp($0) } }
    public func log() -> Tensor { map { Foundation.log($0) } }
    public func log1p() -> Tensor { map { Foundation.log1p($0) } }
    public func sqrt() -> Tensor { map { $0.squareRoot() } }
    public func square() -> Tensor { map { $0 * $0 } }
    public func tanh() -> Tensor { map { Foundation.tanh($0) } }
    // The activations and their masks are written out rather than passed to `map` and
    // `zip`: a closure handed through `parallelChunks` to the thread pool is called once
    // per element, while these loops compile to vector instructions (the same values).
    public func relu() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let src = storage.pointer, dst = out.storage.pointer
        parallelChunks(count, grain: 1 << 15) { range in
            for i in range { dst[i] = max(src[i], 0) }
        }
        return out
    }

    public func leakyRelu(slope: Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let src = storage.pointer, dst = out.storage.pointer
        parallelChunks(count, grain: 1 << 15) { range in
            for i in range { let x = src[i]; dst[i] = x > 0 ? x : slope * x }
        }
        return out
    }

    /// g where `reference` > 0 and slope · g elsewhere (same shapes): the VJP of ReLU
    /// (slope 0) and leaky ReLU.
    public static func masked(_ g: Tensor, positiveIn reference: Tensor, slope: Float) -> Tensor {
        checkSameShape(g.shape, reference.shape, "masked")
        let out = Tensor(uninitializedShape: g.shape)
        let pg = g.storage.pointer, pr = reference.storage.pointer, dst = out.storage.pointer
        parallelChunks(g.count, grain: 1 << 15) { range in
            for i in range { let x = pg[i]; dst[i] = pr[i] > 0 ? x : slope * x }
        }
        return out
    }

    /// softplus(x) = log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|) so that it
    /// neither overflows for large x nor loses precision for very negative x.
    public func softplus() -> Tensor { map { TensorMath.softplus($0) } }

    /// sigmoid(x) = 1 / (1 + e^-x), evaluated on the side that cannot overflow.
    public func sigmoid() -> Tensor { map { TensorMath.sigmoid($0) } }
}

/// Scalar helpers shared by kernels.
@usableFromInline enum TensorMath {
    @inlinable @inline(__always)
    static func softplus(_ x: Float) -> Float {
        max(x, 0) + Foundation.log1p(Foundation.exp(-abs(x)))
    }

    @inlinable @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
        let e = Foundation.exp(x)
        return e / (1 + e)
    }
}
