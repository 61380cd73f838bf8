// Sums and means over axes.

extension Tensor {
    /// The sum of all elements, accumulated in Double.
    public func sum() -> Float {
        let p = storage.pointer
        var total: Double = 0
        // Blocks of 1024 summed in Float (vectorised), then added in Double.
        var start = 0
        while start < count {
            let end = min(count, start + 1024)
            var block: Float = 0
            for i in start..<end { block += p[i] }
            total += Double(block)
            start = end
        }
        return Float(total)
    }

    public func mean() -> Float { sum() / Float(max(count, 1)) }

    /// Sums over `axes`; the summed axes are kept with length 1 when `keepingDimensions`.
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let normalized = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        precondition(normalized.allSatisfy { $0 >= 0 && $0 < rank }, "axes \(axes) out of range for shape \(shape)")
        let kept = shape.enumerated().map { normalized.contains($0.offset) ? 1 : $0.element }
        let reduced = reduced(toShape: kept)
        return keepingDimensions ? reduced : reduced.reshaped(shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element))
    }

    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let n = axes.map { shape[$0 < 0 ? $0 + rank : $0] }.reduce(1, *)
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) * (1 / Float(max(n, 1)))
    }

    /// Sums this tensor down to `target`, a shape it broadcasts from: the adjoint of
    /// broadcasting, used for the gradients of broadcast arithmetic.
    public func reduced(toShape target: [Int]) -> Tensor {
        if target == shape { return self }
        precondition(Tensor.broadcastShape(target, shape) == shape,
                     "cannot reduce shape \(shape) to \(target)")
        let out = Tensor(zeros: target)
        // Walk the input as rows; the output operand has stride 0 on broadcast axes.
        let plan = BroadcastPlan(output: shape, a: shape, b: target)
        let src = storage.pointer, dst = out.storage.pointer
        plan.forEachRow { offsetIn, offsetOut, _ in
            let n = plan.innerCount
            let p = src + offsetIn, q = dst + offsetOut
            if plan.innerStrideB == 1 {
                for i in 0..<n { q[i] += p[i] }
            } else {
                var s: Float = 0
                for i in 0..<n { s += p[i] }
                q[0] += s
            }
        }
        return out
    }

    /// Repeats this tensor along broadcast axes to fill `target` (the adjoint of `reduced`).
    public func broadcast(toShape target: [Int]) -> Tensor {
        if target == shape { return self }
        precondition(Tensor.broadcastShape(shape, target) == target,
                     "cannot broadcast shape \(shape) to \(target)")
        return Tensor.zip(Tensor(zeros: target), self) { _, b in b }
    }
}
