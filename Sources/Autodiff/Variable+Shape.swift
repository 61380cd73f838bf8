import TensorCore

extension Variable {
    public func reshaped(_ shape: [Int]) -> Variable {
        let from = self.shape
        return Variable.record(value.reshaped(shape), inputs: [self]) { g, _, _ in [g.reshaped(from)] }
    }

    /// Reorders axes; the VJP applies the inverse permutation.
    public func permuted(_ order: [Int]) -> Variable {
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return Variable.record(value.permuted(order), inputs: [self]) { g, _, _ in [g.permuted(inverse)] }
    }

    public func transposed() -> Variable { permuted([1, 0]) }

    /// Joins along `axis`; the VJP slices the gradient back into pieces.
    public static func concatenate(_ parts: [Variable], alongAxis axis: Int) -> Variable {
        let value = Tensor.concatenate(parts.map(\.value), alongAxis: axis)
        let a = value.axisIndex(axis)
        let lengths = parts.map { $0.shape[a] }
        return record(value, inputs: parts) { g, _, needs in
            var start = 0
            return lengths.enumerated().map { i, n in
                defer { start += n }
                return needs[i] ? g.slice(start..<(start + n), alongAxis: a) : nil
            }
        }
    }

    public func slice(_ range: Range<Int>, alongAxis axis: Int) -> Variable {
        stridedSelect(alongAxis: axis, start: range.lowerBound, step: 1, count: range.count)
    }

    /// Every `step`-th entry along `axis` from `start`; the VJP scatters back into zeros.
    public func stridedSelect(alongAxis axis: Int, start: Int, step: Int, count: Int? = nil) -> Variable {
        let a = value.axisIndex(axis)
        let length = shape[a]
        return Variable.record(value.stridedSelect(alongAxis: a, start: start, step: step, count: count),
                               inputs: [self]) { g, _, _ in
            [g.stridedScatter(alongAxis: a, start: start, step: step, length: length)]
        }
    }

    /// Interleaves `parts` along `axis` (part p at positions p, p + k, ...); the VJP
    /// selects each part's positions of the gradient again.
    public static func interleaved(_ parts: [Variable], alongAxis axis: Int) -> Variable {
        let value = Tensor.interleaved(parts.map(\.value), alongAxis: axis)
        let a = value.axisIndex(axis)
        let counts = parts.map { $0.shape[a] }
        return record(value, inputs: parts) { g, _, needs in
            counts.enumerated().map { p, n in
                needs[p] ? g.stridedSelect(alongAxis: a, start: p, step: counts.count, count: n) : nil
            }
        }
    }

    /// Places entries at start, start + step, ... of a zero tensor of `length` along
    /// `axis`; the VJP selects them again.
    public func stridedScatter(alongAxis axis: Int, start: Int, step: Int, length: Int) -> Variable {
        let a = value.axisIndex(axis)
        let n = shape[a]
        return Variable.record(value.stridedScatter(alongAxis: a, start: start, step: step, length: length),
                               inputs: [self]) { g, _, _ in
            [g.stridedSelect(alongAxis: a, start: start, step: step, count: n)]
        }
    }
}
