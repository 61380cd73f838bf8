import TensorCore

extension Variable {
    /// The sum of all elements, as a scalar (rank 0).
    public func sum() -> Variable {
        let from = shape
        return Variable.record(Tensor(scalar: value.sum()), inputs: [self]) { g, _, _ in
            [g.reshaped(from.map { _ in 1 }).broadcast(toShape: from)]
        }
    }

    public func mean() -> Variable { sum() * (1 / Float(max(value.count, 1))) }

    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Variable {
        let kept = value.sum(alongAxes: axes, keepingDimensions: true)
        let summed = reduced(toShape: kept.shape)
        return keepingDimensions ? summed : summed.reshaped(value.sum(alongAxes: axes).shape)
    }

    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Variable {
        let n = axes.map { shape[value.axisIndex($0)] }.reduce(1, *)
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) * (1 / Float(max(n, 1)))
    }
}
