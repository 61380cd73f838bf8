import TensorCore
import Autodiff
import NeuralLayers

/// NICE's additive coupling (Dinh, Krueger, Bengio 2015) on flat features.
///
/// The D features of each sample are split into the even and the odd flat indices.
/// One half passes unchanged and shifts the other: with (a, b) = (even, odd) or
/// (odd, even) by `parity`,
///
///     y_a = x_a,   y_b = x_b + m(x_a),
///
/// so the Jacobian is triangular with ones on its diagonal: log |det| = 0, and the
/// inverse is x_b = y_b - m(y_a). The network m can be anything.
public final class AdditiveCoupling: FlowLayer {
    public let network: any Layer
    /// 0: the even features pass and shift the odd ones; 1: the other way round.
    public let parity: Int

    public init(network: any Layer, parity: Int) {
        precondition(parity == 0 || parity == 1, "parity is 0 or 1")
        self.network = network
        self.parity = parity
    }

    // [book:additive-coupling]
    public func forward(_ x: Variable) -> (output: Variable, logDeterminant: Variable) {
        let passing = x.stridedSelect(alongAxis: 1, start: parity, step: 2)
        let shifted = x.stridedSelect(alongAxis: 1, start: 1 - parity, step: 2) + network(passing)
        return (merge(passing, shifted), zeroLogDeterminant(x.shape[0]))
    }

    public func inverse(_ y: Variable) -> (output: Variable, logDeterminant: Variable) {
        let passing = y.stridedSelect(alongAxis: 1, start: parity, step: 2)
        let restored = y.stridedSelect(alongAxis: 1, start: 1 - parity, step: 2) - network(passing)
        return (merge(passing, restored), zeroLogDeterminant(y.shape[0]))
    }
    // [/book:additive-coupling]

    /// The passing and the changed features back in their even/odd places.
    func merge(_ passing: Variable, _ other: Variable) -> Variable {
        Variable.interleaved(parity == 0 ? [passing, other] : [other, passing], alongAxis: 1)
    }

    public var children: [(name: String, module: any Module)] { [("network", network)] }
}

/// Real NVP's affine coupling (Dinh, Sohl-Dickstein, Bengio 2017) with a binary mask b
/// (checkerboard or channel-wise, broadcast over the batch):
///
///     y = b ⊙ x + (1 - b) ⊙ (x ⊙ exp(l) + m),   (l, m) computed from b ⊙ x,
///
/// with l = (tanh(h_l) · a + c) ⊙ (1 - b) and m = tanh(h_m) ⊙ (1 - b), where h = net(b ⊙ x)
/// has twice the channels of x and a, c are learned scalars (bounded scales keep training
/// stable). Since l and m vanish where b = 1, y = x ⊙ exp(l) + m, the Jacobian is
/// triangular with diagonal exp(l), and
///
///     log |det ∂y/∂x| = Σ l,      x = (y - m) ⊙ exp(-l).
public final class AffineCoupling: FlowLayer {
    public let network: any Layer
    public let mask: Tensor          // [1, C, ...], broadcast over the batch
    public let scale: Variable       // a, scalar
    public let shift: Variable       // c, scalar

    public init(network: any Layer, mask: Tensor) {
        self.network = network
        self.mask = mask
        scale = Variable(Tensor(ones: [1]), requiresGradient: true)
        shift = Variable(Tensor(zeros: [1]), requiresGradient: true)
    }

    /// (l, m) from the passing part b ⊙ x.
    func scaleAndShift(_ passing: Variable) -> (Variable, Variable) {
        let h = network(passing)
        let channels = passing.shape[1]
        let free = Variable(mask.map { 1 - $0 })
        let l = (h.slice(0..<channels, alongAxis: 1).tanh() * scale.reshaped(scaleShape(passing)) + shift.reshaped(scaleShape(passing))) * free
        let m = h.slice(channels..<(2 * channels), alongAxis: 1).tanh() * free
        return (l, m)
    }

    func scaleShape(_ x: Variable) -> [Int] { [Int](repeating: 1, count: x.shape.count) }

    // [book:affine-coupling]
    public func forward(_ x: Variable) -> (output: Variable, logDeterminant: Variable) {
        let (l, m) = scaleAndShift(x * Variable(mask))
        return (x * l.exp() + m, perSample(l))
    }

    public func inverse(_ y: Variable) -> (output: Variable, logDeterminant: Variable) {
        let (l, m) = scaleAndShift(y * Variable(mask))
        return ((y - m) * (-l).exp(), -perSample(l))
    }
    // [/book:affine-coupling]

    public var ownParameters: [(name: String, parameter: Variable)] { [("scale", scale), ("shift", shift)] }
    public var children: [(name: String, module: any Module)] { [("network", network)] }
}

/// Binary masks for affine couplings.
public enum CouplingMask {
    /// b = 1 where (row + column + parity) is even, on every channel: [1, C, H, W].
    public static func checkerboard(channels: Int, height: Int, width: Int, parity: Int) -> Tensor {
        var values: [Float] = []
        for _ in 0..<channels {
            for i in 0..<height { for j in 0..<width { values.append((i + j + parity) % 2 == 0 ? 1 : 0) } }
        }
        return Tensor(shape: [1, channels, height, width], values: values)
    }

    /// b = 1 on the first half of the channels (parity 0) or the second (parity 1):
    /// [1, C, 1, 1], or [1, C] for flat features when `spatial` is false.
    public static func channels(_ channels: Int, parity: Int, spatial: Bool = true) -> Tensor {
        let values = (0..<channels).map { c -> Float in ((c < channels / 2) == (parity == 0)) ? 1 : 0 }
        return Tensor(shape: spatial ? [1, channels, 1, 1] : [1, channels], values: values)
    }
}
