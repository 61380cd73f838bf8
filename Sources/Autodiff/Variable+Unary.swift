import TensorCore

// Elementwise functions. Each VJP multiplies the incoming gradient by the derivative,
// written with differentiable operations (often through the output y).

extension Variable {
    /// d exp(x) = exp(x) dx = y dx.
    public func exp() -> Variable {
        Variable.record(value.exp(), inputs: [self]) { g, y, _ in [g * y] }
    }

    /// d log(x) = dx / x.
    public func log() -> Variable {
        Variable.record(value.log(), inputs: [self]) { g, _, _ in [g / self] }
    }

    /// d log(1 + x) = dx / (1 + x).
    public func log1p() -> Variable {
        Variable.record(value.log1p(), inputs: [self]) { g, _, _ in [g / (self + 1)] }
    }

    /// d softplus(x) = sigmoid(x) dx.
    public func softplus() -> Variable {
        Variable.record(value.softplus(), inputs: [self]) { g, _, _ in [g * self.sigmoid()] }
    }

    /// d sigmoid(x) = y (1 - y) dx.
    public func sigmoid() -> Variable {
        Variable.record(value.sigmoid(), inputs: [self]) { g, y, _ in [g * y * (1 - y)] }
    }

    /// d tanh(x) = (1 - y²) dx.
    public func tanh() -> Variable {
        Variable.record(value.tanh(), inputs: [self]) { g, y, _ in [g * (1 - y.square())] }
    }

    /// d x² = 2x dx.
    public func square() -> Variable {
        Variable.record(value.square(), inputs: [self]) { g, _, _ in [g * self * 2] }
    }

    /// d √x = dx / (2 √x) = dx / (2y).
    public func sqrt() -> Variable {
        Variable.record(value.sqrt(), inputs: [self]) { g, y, _ in [g / (y * 2)] }
    }

    /// max(x, 0); its VJP passes the gradient where x > 0.
    public func relu() -> Variable {
        let input = value
        return Variable.record(value.relu(), inputs: [self]) { g, _, _ in
            [Variable.masked(g, positiveIn: input, slope: 0)]
        }
    }

    /// x for x > 0, slope · x otherwise.
    public func leakyRelu(slope: Float = 0.2) -> Variable {
        let input = value
        return Variable.record(value.leakyRelu(slope: slope), inputs: [self]) { g, _, _ in
            [Variable.masked(g, positiveIn: input, slope: slope)]
        }
    }
}
