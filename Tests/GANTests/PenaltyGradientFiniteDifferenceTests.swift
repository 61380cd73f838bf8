import Testing
import TensorCore
import Autodiff
import NeuralLayers
import GAN

/// ∂GP/∂(critic weights) — a gradient of a gradient — against central differences of the
/// penalty itself, on the recipe's MNIST critic.
///
/// ε is fixed by drawing it from the same seed in every evaluation, so every evaluation
/// interpolates between the same points. The input gradient of a leaky-ReLU critic is
/// piecewise constant in the weights: it jumps where a pre-activation changes sign, and a
/// difference across such a jump measures the jump, not the slope. So for each entry the
/// step h is the largest of a list for which no pre-activation of any sample changes sign
/// between θ - h and θ + h (checked at both ends by running the layers one at a time; each
/// pre-activation is affine in θ while the masks before it are fixed, so equal signs at the
/// ends mean no crossing in between). Entries with no such step are replaced by others.
@Suite("Gradient penalty: second-order gradient of the MNIST critic")
struct PenaltyGradientFiniteDifferenceTests {
    static let epsilonSeed: UInt64 = 2024
    static let steps: [Float] = [1e-2, 3e-3, 1e-3, 3e-4, 1e-4]

    final class Problem {
        let critic: Sequential
        let real: Tensor, fake: Tensor

        init(batch: Int, seed: UInt64) {
            var generator = RandomGenerator(seed: seed)
            critic = Critics.mnist(generator: &generator)
            real = Tensor.uniform([batch, 1, 28, 28], generator: &generator)
            fake = Tensor.uniform([batch, 1, 28, 28], low: -1, high: 1, generator: &generator)
        }

        /// The library's penalty at the current weights, with ε from `epsilonSeed`.
        func penalty() -> Variable {
            var generator = RandomGenerator(seed: epsilonSeed, stream: 7)
            return gradientPenalty(critic: critic, real: real, fake: fake, generator: &generator)
        }

        /// x̂ = ε x + (1 - ε) x̃ with ε ~ U(0, 1) per sample from the same seed (checked
        /// against the library's penalty in the test).
        func interpolates() -> Tensor {
            var generator = RandomGenerator(seed: epsilonSeed, stream: 7)
            let epsilon = Tensor.uniform([real.shape[0], 1, 1, 1], generator: &generator).values
            let per = real.count / real.shape[0]
            let (r, f) = (real.values, fake.values)
            return Tensor(shape: real.shape, values: r.indices.map { i in
                let e = epsilon[i / per]
                return e * r[i] + (1 - e) * f[i]
            })
        }

        /// ‖∇ₓ D(x̂ₙ)‖ over all 784 coordinates of each sample, in Double, from a
        /// first-order gradient.
        func inputGradientNorms(at points: Tensor) -> [Double] {
            let x = Variable(points, requiresGradient: true)
            let g = gradients(of: critic(x).sum(), withRespectTo: [x])[0].value.values
            let per = points.count / points.shape[0]
            return (0..<points.shape[0]).map { n in norm(Array(g[(n * per)..<((n + 1) * per)])) }
        }

        /// Sets every bias but the last to ±3 standard deviations of its layer's
        /// pre-activations at `points` (one random sign per channel or unit).
        func setBiases(at points: Tensor, conv1Sign: Float, seed: UInt64) {
            var signs = RandomGenerator(seed: seed, stream: 9)
            GradientRecording.withoutRecording {
                var x = Variable(points)
                for (i, layer) in critic.layers.enumerated() {
                    if i == 0 || i == 2 || i == 5 {
                        let bias = (layer as? Conv2d)?.bias ?? (layer as! Linear).bias
                        let pre = layer(x).value.values.map(Double.init)
                        let mean = pre.reduce(0, +) / Double(pre.count)
                        let std = (pre.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(pre.count)).squareRoot()
                        bias.value = Tensor(shape: bias.shape, values: (0..<bias.value.count).map { _ in
                            let sign: Float = i == 0 ? conv1Sign : (signs.nextUniform() < 0.5 ? -1 : 1)
                            return sign * Float(3 * std)
                        })
                    }
                    x = layer(x)
                }
            }
        }

        /// Whether each pre-activation (the input of every leaky ReLU) is positive.
        func signs(at points: Tensor) -> [Bool] {
            var result: [Bool] = []
            forEachPreActivation(at: points) { p in
                result += p.withUnsafeBufferPointer { $0.map { $0 > 0 } }
                return true
            }
            return result
        }

        /// Whether every pre-activation has the sign recorded in `reference`.
        func signsAgree(at points: Tensor, with reference: [Bool]) -> Bool {
            var offset = 0
            var agree = true
            forEachPreActivation(at: points) { p in
                agree = p.withUnsafeBufferPointer { values in
                    reference.withUnsafeBufferPointer { r in
                        for i in values.indices where (values[i] > 0) != r[offset + i] { return false }
                        return true
                    }
                }
                offset += p.count
                return agree
            }
            return agree
        }

        /// Runs the critic without recording, passing the input of each leaky ReLU to
        /// `body` until it returns false.
        func forEachPreActivation(at points: Tensor, _ body: (Tensor) -> Bool) {
            GradientRecording.withoutRecording {
                var x = Variable(points)
                for layer in critic.layers {
                    if layer is LeakyReLU, !body(x.value) { return }
                    x = layer(x)
                }
            }
        }
    }

    @Test("MNIST critic: 10 entries of every weight and bias against central differences",
          arguments: [(batch: 2, seed: UInt64(11)), (batch: 3, seed: UInt64(12))])
    func mnistCritic(batch: Int, seed: UInt64) {
        let problem = Problem(batch: batch, seed: seed)
        let points = problem.interpolates()
        // The interpolates reproduce the library's: its penalty is mean (‖∇D(x̂ₙ)‖ - 1)².
        let freshNorms = problem.inputGradientNorms(at: points)
        let byHand = freshNorms.map { ($0 - 1) * ($0 - 1) }.reduce(0, +) / Double(batch)
        let library = Double(problem.penalty().value.scalar)
        #expect(abs(library - byHand) <= 1e-5 * byHand, "library \(library), by hand \(byHand)")
        // Biases 3 standard deviations of their pre-activations away from 0, with random
        // signs per channel or unit (conv1's one channel: + for one case, - for the other),
        // leave few pre-activations near a sign change, and a critic in training has such
        // biases anyway.
        problem.setBiases(at: points, conv1Sign: batch % 2 == 0 ? 1 : -1, seed: seed)
        let norms = problem.inputGradientNorms(at: points)
        // A fresh critic has ‖∇D‖ ≈ 0.01, where GP ≈ 1 hides its slope in Float rounding;
        // scaling the last layer (which D is linear in) puts the norms near 2.
        let rms = (norms.map { $0 * $0 }.reduce(0, +) / Double(batch)).squareRoot()
        let last = problem.critic.layers[7] as! Linear
        last.weight.value = last.weight.value * Float(2 / rms)

        let penalty = problem.penalty()
        let f0 = Double(penalty.value.scalar)
        let analytic = gradients(of: penalty, withRespectTo: problem.critic.parameters).map(\.value)
        let named = problem.critic.namedParameters
        #expect(named.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias",
                                      "5.weight", "5.bias", "7.weight", "7.bias"])
        let baseSigns = problem.signs(at: points)
        var picker = RandomGenerator(seed: seed &+ 100, stream: 3)
        var report: [String] = []
        var failures = 0
        for (k, (name, parameter)) in named.enumerated() {
            let count = parameter.value.count
            let tensorScale = analytic[k].values.map { Double(abs($0)) }.max() ?? 0
            // Up to 40 distinct random entries, in order, until 10 are compared.
            var candidates = count <= 10 ? Array(0..<count) : []
            while count > 10 && candidates.count < min(40, count) {
                let index = picker.nextInt(below: count)
                if !candidates.contains(index) { candidates.append(index) }
            }
            var compared = 0
            for index in candidates where compared < min(10, count) {
                let original = element(parameter.value, index)
                func flipFree(_ h: Float) -> Bool {
                    defer { setElement(parameter, index, original) }
                    setElement(parameter, index, original + h)
                    guard problem.signsAgree(at: points, with: baseSigns) else { return false }
                    setElement(parameter, index, original - h)
                    return problem.signsAgree(at: points, with: baseSigns)
                }
                guard let h = Self.steps.first(where: flipFree) else {
                    report.append("\(name)[\(index)]: no step without a sign change")
                    continue
                }
                compared += 1
                let numeric = centralDifference(parameter, index: index, step: h) {
                    Double(problem.penalty().value.scalar)
                }
                let a = Double(element(analytic[k], index))
                // Float rounding of GP (about 1e-7 relative, amplified by 1/h) plus 2%.
                let allowed = 0.02 * abs(numeric) + 1e-6 * f0 / Double(h) + 1e-4 * tensorScale
                let agrees = abs(a - numeric) <= allowed
                if !agrees { failures += 1 }
                report.append("\(name)[\(index)] h=\(h): analytic \(a), numeric \(numeric)\(agrees ? "" : "  <-- DISAGREES")")
            }
            #expect(compared == min(10, count), "\(name): only \(compared) entries without a sign change")
        }
        #expect(failures == 0, "\(failures) entries disagree:\n\(report.joined(separator: "\n"))")
        // Biases move only the masks, and D's input gradient is piecewise constant in them.
        for k in [1, 3, 5, 7] {
            #expect(analytic[k].values.allSatisfy { $0 == 0 }, "\(named[k].name)")
        }
    }
}
