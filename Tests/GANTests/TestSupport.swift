import Testing
import TensorCore
import Autodiff
import NeuralLayers

// Helpers of the GAN tests: hand-set layers, sums in Double, and central differences in
// one entry of a parameter.

/// A Linear layer whose weight ([In, Out]) and bias are set by hand.
func linear(weight: [[Float]], bias: [Float]? = nil) -> Linear {
    var generator = RandomGenerator(seed: 1)
    let layer = Linear(weight.count, weight[0].count, generator: &generator)
    layer.weight.value = Tensor(shape: [weight.count, weight[0].count], values: weight.flatMap { $0 })
    if let bias { layer.bias.value = Tensor(shape: [bias.count], values: bias) }
    return layer
}

/// Σ a_i b_i in Double.
func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// Σ x_i² in Double, then the square root.
func norm(_ a: [Float]) -> Double { dot(a, a).squareRoot() }

/// The per-coordinate mean of [N, D] points, in Double.
func columnMeans(_ points: Tensor) -> [Double] {
    let (n, d) = (points.shape[0], points.shape[1])
    let values = points.values
    return (0..<d).map { j in (0..<n).reduce(0.0) { $0 + Double(values[$1 * d + j]) } / Double(n) }
}

func distance(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
}

/// One element of a tensor by flat index (without copying the values out).
func element(_ t: Tensor, _ index: Int) -> Float { t.withUnsafeBufferPointer { $0[index] } }

/// Sets one element of a parameter.
func setElement(_ parameter: Variable, _ index: Int, _ value: Float) {
    parameter.value.withUnsafeMutableBufferPointer { $0[index] = value }
}

/// (f(θ + h) - f(θ - h)) / (θ₊ - θ₋) in one entry θ of a parameter, restored afterwards;
/// the divisor uses the Float values actually set.
func centralDifference(_ parameter: Variable, index: Int, step: Float, _ f: () -> Double) -> Double {
    let original = element(parameter.value, index)
    let (up, down) = (original + step, original - step)
    setElement(parameter, index, up)
    let fUp = f()
    setElement(parameter, index, down)
    let fDown = f()
    setElement(parameter, index, original)
    return (fUp - fDown) / (Double(up) - Double(down))
}
