import Testing
import TensorCore
import Autodiff
import NeuralLayers
import GAN

/// The gradient penalty GP = mean over samples of (‖∇D(x̂)‖₂ - 1)², x̂ = ε x + (1 - ε) x̃,
/// on critics whose input gradient is known by hand.
@Suite("Gradient penalty: closed forms")
struct GradientPenaltyClosedFormTests {
    static func penalty(_ critic: any Layer, real: Tensor, fake: Tensor, seed: UInt64 = 5) -> Variable {
        var generator = RandomGenerator(seed: seed)
        return gradientPenalty(critic: critic, real: real, fake: fake, generator: &generator)
    }

    /// D(x) = a · x has ∇D = a everywhere, so GP = (‖a‖ - 1)² for any real and fake
    /// points, and ∂GP/∂a = 2 (‖a‖ - 1) a / ‖a‖.
    @Test("linear critic a·x: GP = (‖a‖ - 1)² and ∂GP/∂a = 2(‖a‖ - 1) a/‖a‖",
          arguments: [2, 784])
    func linearCritic(dimension d: Int) {
        var generator = RandomGenerator(seed: UInt64(d))
        let direction = Tensor.normal([d], generator: &generator).values
        let unit = direction.map { Float(Double($0) / norm(direction)) }
        for length in [1, 0.25, 3] as [Float] {
            let a = unit.map { $0 * length }
            let critic = linear(weight: a.map { [$0] }, bias: [0])
            let real = Tensor.normal([5, d], mean: 2, generator: &generator)
            let fake = Tensor.uniform([5, d], low: -3, high: 1, generator: &generator)
            let penalty = Self.penalty(critic, real: real, fake: fake)
            let normA = norm(a)
            let expected = (normA - 1) * (normA - 1)
            let value = Double(penalty.value.scalar)
            #expect(abs(value - expected) <= 1e-5 * max(1, expected), "‖a‖ = \(normA): GP \(value), expected \(expected)")
            if length == 1 { #expect(value < 1e-6, "a unit slope is not penalised") } else { #expect(value > 0.5) }

            let gradient = gradients(of: penalty, withRespectTo: [critic.weight, critic.bias])
            let closedForm = a.map { 2 * (normA - 1) * Double($0) / normA }
            let difference = zip(gradient[0].value.values, closedForm).map { abs(Double($0) - $1) }.max()!
            #expect(difference <= 1e-5 * max(1, abs(2 * (normA - 1))), "‖a‖ = \(normA): max error \(difference)")
            #expect(gradient[1].value.values == [0], "the bias does not change the slope")
        }
    }

    /// Samples of shape [1, 2, 2] through Flatten + Linear(4, 1): ∇D = w for every sample,
    /// and the norm is over all four coordinates. The original TF code reduced over one
    /// axis only; for w = (½, -½, ½, ½) that gives norms ½ per row or column and GP = ¼,
    /// where the full norm is 1 and GP = 0.
    @Test("the norm is over all coordinates of a sample, not one axis")
    func normOverAllCoordinates() {
        var generator = RandomGenerator(seed: 77)
        let real = Tensor.normal([3, 1, 2, 2], generator: &generator)
        let fake = Tensor.normal([3, 1, 2, 2], generator: &generator)
        for (w, expected) in [([0.5, -0.5, 0.5, 0.5], 0.0), ([1, 2, 2, 4], 16.0), ([0.3, 0, 0, 0.4], 0.25)] as [([Float], Double)] {
            let critic = Sequential([Flatten(), linear(weight: w.map { [$0] }, bias: [0.7])])
            let value = Double(Self.penalty(critic, real: real, fake: fake).value.scalar)
            #expect(abs(value - expected) <= 1e-5 * max(1, expected), "w = \(w): GP \(value), expected \(expected)")
        }
    }

    /// D(x) = ½ Σ x² has ∇D(x̂) = x̂, so the penalty shows each sample's own slope norm and
    /// the distribution of ε. With fake = -real and ‖real‖ = 3: x̂ = (2ε - 1) real,
    /// ‖∇D‖ = 3 |2ε - 1| = 3 s with s ~ U(0, 1) when ε ~ U(0, 1) independently per sample,
    /// so E[GP] = E[(3s - 1)²] = 1 and Var[(3s - 1)²] = 33/15 - 1 = 1.2.
    /// (One ε for the whole batch would give (3s - 1)² for a single s; separate ε for the
    /// real and the fake point would give E = 9/6 - 2 + 1 = 0.5.)
    @Test("ε ~ U(0, 1) per sample, shared by the real and the fake point", arguments: [UInt64(1), 2, 3])
    func epsilonPerSample(seed: UInt64) {
        let n = 20_000
        var generator = RandomGenerator(seed: seed, stream: 11)
        let directions = Tensor.normal([n, 3], generator: &generator).values
        var real: [Float] = []
        for i in 0..<n {
            let v = Array(directions[(3 * i)..<(3 * i + 3)])
            real += v.map { Float(3 * Double($0) / norm(v)) }
        }
        let realTensor = Tensor(shape: [n, 3], values: real)
        let value = Double(Self.penalty(HalfSquaredNorm(), real: realTensor, fake: -realTensor, seed: seed).value.scalar)
        let standardError = (1.2 / Double(n)).squareRoot()
        #expect(abs(value - 1) <= 5 * standardError, "mean GP \(value), expected 1 ± \(standardError)")
    }

    /// Each sample's own norm: with real = fake the interpolate is the point itself for any ε,
    /// and GP = mean (‖xₙ‖ - 1)² for D = ½ Σ x².
    @Test("per-sample norms are averaged, not pooled")
    func perSampleNorms() {
        let points = Tensor(shape: [3, 1, 2, 2], values: [1, 0, 0, 0,  0, 2, 2, 1,  0.3, 0, 0.4, 0])
        let value = Double(Self.penalty(HalfSquaredNorm(), real: points, fake: points).value.scalar)
        let expected = (0 + 4 + 0.25) / 3.0   // norms 1, 3, 0.5
        #expect(abs(value - expected) <= 1e-6 * expected, "GP \(value), expected \(expected)")
    }

    /// D(x) = v · leakyRelu(W x + b) (Linear, LeakyReLU(0.2), Linear). With the mask
    /// mⱼ = 1 where (Wx + b)ⱼ > 0 and 0.2 elsewhere, ∇D(x) = W (v ⊙ m) (W stored [in, out]),
    /// and for g = ∇D(x): ∂‖g‖/∂vⱼ = (g · W₍:,ⱼ₎) mⱼ / ‖g‖ and ∂‖g‖/∂Wᵢⱼ = gᵢ vⱼ mⱼ / ‖g‖.
    @Test("tiny MLP critic: penalty and its gradient in v and W by hand")
    func tinyCritic() {
        let (d, h) = (3, 4)
        let w: [[Float]] = [[0.9, -0.4, 0.3, 1.1], [-0.7, 0.8, 0.5, 0.2], [0.6, 0.1, -1.2, 0.4]]
        let b: [Float] = [0.1, -0.2, 0.05, -0.3]
        let v: [Float] = [1.3, -0.6, 0.9, 0.7]
        let first = linear(weight: w, bias: b), second = linear(weight: v.map { [$0] }, bias: [0.4])
        let critic = Sequential([first, LeakyReLU(slope: 0.2), second])
        let x: [[Float]] = [[0.5, -1.0, 0.8], [-0.3, 0.6, 1.5], [1.2, 0.4, -0.9]]
        let points = Tensor(shape: [3, d], values: x.flatMap { $0 })

        var penalty = 0.0
        var gradV = [Double](repeating: 0, count: h)
        var gradW = [[Double]](repeating: [Double](repeating: 0, count: h), count: d)
        for sample in x {
            let pre = (0..<h).map { j in (0..<d).reduce(Double(b[j])) { $0 + Double(sample[$1] * w[$1][j]) } }
            let mask = pre.map { $0 > 0 ? 1.0 : 0.2 }
            let g = (0..<d).map { i in (0..<h).reduce(0.0) { $0 + Double(w[i][$1] * v[$1]) * mask[$1] } }
            let length = g.map { $0 * $0 }.reduce(0, +).squareRoot()
            penalty += (length - 1) * (length - 1) / 3
            let outer = 2 * (length - 1) / length / 3
            for j in 0..<h {
                gradV[j] += outer * (0..<d).reduce(0.0) { $0 + g[$1] * Double(w[$1][j]) } * mask[j]
                for i in 0..<d { gradW[i][j] += outer * g[i] * Double(v[j]) * mask[j] }
            }
        }
        let value = Self.penalty(critic, real: points, fake: points)
        #expect(abs(Double(value.value.scalar) - penalty) <= 1e-5 * penalty, "GP \(value.value.scalar), by hand \(penalty)")
        let g = gradients(of: value, withRespectTo: [first.weight, first.bias, second.weight, second.bias]).map(\.value.values)
        for (a, e) in zip(g[2], gradV) { #expect(abs(Double(a) - e) <= 1e-5 * max(1, abs(e)), "∂GP/∂v: \(g[2]) vs \(gradV)") }
        for (a, e) in zip(g[0], gradW.flatMap { $0 }) { #expect(abs(Double(a) - e) <= 1e-5 * max(1, abs(e)), "∂GP/∂W: \(g[0]) vs \(gradW)") }
        #expect(g[1] == [0, 0, 0, 0] && g[3] == [0], "biases only move the masks")
    }

    @Test("clipWeights puts every parameter in [-c, c] and leaves the others unchanged")
    func clipping() {
        let first = linear(weight: [[0.5, -0.02], [0.009, -0.3]], bias: [0.011, -0.01])
        let critic = Sequential([first, LeakyReLU(), linear(weight: [[-0.0099], [2]], bias: [-7])])
        clipWeights(critic, to: 0.01)
        let values = critic.parameters.map(\.value.values)
        #expect(values == [[0.01, -0.01, 0.009, -0.01], [0.01, -0.01], [-0.0099, 0.01], [-0.01]])
    }
}

/// D(x) = ½ Σ x² per sample, [N, 1], so ∇D(x) = x.
final class HalfSquaredNorm: Layer {
    func callAsFunction(_ x: Variable) -> Variable {
        x.reshaped([x.shape[0], -1]).square().sum(alongAxes: [1], keepingDimensions: true) * 0.5
    }
}
