import TensorCore

// Broadcasting arithmetic. The VJP of broadcasting is summation over the broadcast axes
// (`reduced(toShape:)`), and the VJP of that summation is broadcasting again, so both
// directions stay differentiable.

extension Variable {
    public static func + (a: Variable, b: Variable) -> Variable {
        record(a.value + b.value, inputs: [a, b]) { g, _, needs in
            [needs[0] ? g.reduced(toShape: a.shape) : nil,
             needs[1] ? g.reduced(toShape: b.shape) : nil]
        }
    }

    public static func - (a: Variable, b: Variable) -> Variable {
        record(a.value - b.value, inputs: [a, b]) { g, _, needs in
            [needs[0] ? g.reduced(toShape: a.shape) : nil,
             needs[1] ? (-g).reduced(toShape: b.shape) : nil]
        }
    }

    /// d(ab) = b da + a db.
    public static func * (a: Variable, b: Variable) -> Variable {
        record(a.value * b.value, inputs: [a, b]) { g, _, needs in
            [needs[0] ? (g * b).reduced(toShape: a.shape) : nil,
             needs[1] ? (g * a).reduced(toShape: b.shape) : nil]
        }
    }

    /// d(a/b) = da / b - a db / b².
    public static func / (a: Variable, b: Variable) -> Variable {
        record(a.value / b.value, inputs: [a, b]) { g, _, needs in
            [needs[0] ? (g / b).reduced(toShape: a.shape) : nil,
             needs[1] ? (-(g * a) / (b * b)).reduced(toShape: b.shape) : nil]
        }
    }

    public static prefix func - (a: Variable) -> Variable {
        record(-a.value, inputs: [a]) { g, _, _ in [-g] }
    }

    public static func * (a: Variable, s: Float) -> Variable {
        record(a.value * s, inputs: [a]) { g, _, _ in [g * s] }
    }

    public static func * (s: Float, a: Variable) -> Variable { a * s }

    public static func + (a: Variable, s: Float) -> Variable {
        record(a.value + s, inputs: [a]) { g, _, _ in [g] }
    }

    public static func - (a: Variable, s: Float) -> Variable { a + (-s) }

    public static func - (s: Float, a: Variable) -> Variable { (-a) + s }

    /// Sums down to `shape` over the axes along which this variable was broadcast.
    public func reduced(toShape shape: [Int]) -> Variable {
        if shape == self.shape { return self }
        let from = self.shape
        return Variable.record(value.reduced(toShape: shape), inputs: [self]) { g, _, _ in
            [g.broadcast(toShape: from)]
        }
    }

    /// Repeats along axes of length 1 to fill `shape`.
    public func broadcast(toShape shape: [Int]) -> Variable {
        if shape == self.shape { return self }
        let from = self.shape
        return Variable.record(value.broadcast(toShape: shape), inputs: [self]) { g, _, _ in
            [g.reduced(toShape: from)]
        }
    }

    /// `gradient` where `reference > 0`, and `slope · gradient` elsewhere: the VJP of
    /// ReLU (slope 0) and leaky ReLU. The mask is piecewise constant in `reference`, so
    /// its own derivative is zero almost everywhere and only `gradient` is differentiated.
    public static func masked(_ gradient: Variable, positiveIn reference: Tensor, slope: Float) -> Variable {
        let value = Tensor.masked(gradient.value, positiveIn: reference, slope: slope)
        return record(value, inputs: [gradient]) { g, _, _ in
            [masked(g, positiveIn: reference, slope: slope)]
        }
    }
}

extension Variable {
    /// s / a, with d(s/a) = -s da / a².
    public static func / (s: Float, a: Variable) -> Variable {
        record(a.value.map { s / $0 }, inputs: [a]) { g, y, _ in [-(g * y) / a] }
    }

    public static func / (a: Variable, s: Float) -> Variable { a * (1 / s) }
}
