import Foundation
import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import Evaluation

@Suite("The generator's Jacobian from one batched backward pass, and its singular values")
struct JacobianSpectrumTests {
    /// A small NICE (coupling networks 8 wide, 1 hidden layer) whose parameters are moved
    /// off their initial values by N(0, 0.3²) noise, so that its Jacobian is not near the
    /// identity.
    static func perturbedNICE(sampleShape: [Int], seed: UInt64, noise: inout RandomGenerator) -> NormalizingFlow {
        var generator = RandomGenerator(seed: seed)
        let model = FlowModels.nice(sampleShape: sampleShape, hidden: 8, depth: 1, generator: &generator)
        for parameter in model.parameters {
            parameter.value = parameter.value + Tensor.normal(parameter.shape, std: 0.3, generator: &noise)
        }
        return model
    }

    static func maximumDifference(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.values, b.values).map { abs(Double($0) - Double($1)) }.max() ?? 0
    }

    @Test("a condition number is reported only when the SVD resolves the smallest singular value")
    func conditionNumberResolution() {
        // For a 2 x 2 matrix with σ_max = 1 the resolution is 2ε ≈ 4.4e-16.
        #expect(conditionNumber([1, 1e-10], rows: 2, columns: 2) == 1e10)
        #expect(conditionNumber([1, 1e-20], rows: 2, columns: 2) == nil)
        #expect(conditionNumber([1, 0]) == nil)
        #expect(conditionNumber([4, 2]) == 2)
    }

    @Test("a Linear layer's Jacobian is its weight, transposed (y = z W + b)")
    func linearLayer() {
        var random = RandomGenerator(seed: 1)
        let layer = Linear(3, 4, generator: &random)
        let weight: [Float] = [0.5, -1.0, 2.0, 0.25,
                               1.5, 0.0, -0.75, 3.0,
                               -2.0, 1.25, 0.5, -0.5]   // [In 3, Out 4]
        layer.weight.value = Tensor(shape: [3, 4], values: weight)
        layer.bias.value = Tensor(shape: [4], values: [1, 2, 3, 4])
        let jacobian = generatorJacobian({ layer($0) }, at: Tensor(shape: [3], values: [0.3, -0.7, 1.1]))
        #expect(jacobian.shape == [4, 3])
        for i in 0..<4 {
            for j in 0..<3 { #expect(jacobian[i, j] == weight[j * 4 + i], "J[\(i), \(j)]") }
        }
    }

    @Test("singular values of a 4x3 matrix: Σσ² = |M|_F² and Πσ² = det(MᵀM)")
    func rectangular() throws {
        let m: [Double] = [0.5, -1.0, 2.0, 0.25, 1.5, 0.0, -0.75, 3.0, -2.0, 1.25, 0.5, -0.5]   // [4, 3]
        let values = try LinearAlgebra.singularValues(Tensor(shape: [4, 3], values: m.map(Float.init)))
        #expect(values.count == 3 && zip(values, values.dropFirst()).allSatisfy { $0 >= $1 })
        // G = MᵀM (3x3) and its determinant by the rule of Sarrus.
        var g = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 { for j in 0..<3 { g[i][j] = (0..<4).reduce(0.0) { $0 + m[$1 * 3 + i] * m[$1 * 3 + j] } } }
        let determinant = g[0][0] * g[1][1] * g[2][2] + g[0][1] * g[1][2] * g[2][0] + g[0][2] * g[1][0] * g[2][1]
            - g[0][2] * g[1][1] * g[2][0] - g[0][0] * g[1][2] * g[2][1] - g[0][1] * g[1][0] * g[2][2]
        let frobenius = m.reduce(0) { $0 + $1 * $1 }
        #expect(abs(values.reduce(0) { $0 + $1 * $1 } - frobenius) < 1e-9 * frobenius)
        #expect(abs(values.reduce(1) { $0 * $1 * $1 } - determinant) < 1e-9 * determinant)
    }

    @Test("singular values of a 2x2 map match the closed form")
    func twoByTwo() throws {
        var random = RandomGenerator(seed: 2)
        let layer = Linear(2, 2, generator: &random)
        let (p, q, r, s) = (1.5, -0.5, 2.0, 0.75)
        layer.weight.value = Tensor(shape: [2, 2], values: [p, q, r, s].map(Float.init))
        // σ² = (S ± sqrt(S² - 4 det²)) / 2 with S = |M|_F², for M or its transpose alike.
        let frobenius = p * p + q * q + r * r + s * s, determinant = p * s - q * r
        let root = (frobenius * frobenius - 4 * determinant * determinant).squareRoot()
        let expected = [((frobenius + root) / 2).squareRoot(), ((frobenius - root) / 2).squareRoot()]
        var generator = RandomGenerator(seed: 3)
        let spectrum = try singularValueSpectrum({ layer($0) }, latentDimension: 2, points: 3,
                                                 samplePrior: { n, g in Tensor.normal([n, 2], generator: &g) },
                                                 generator: &generator)
        #expect(spectrum.singularValues.count == 3 && spectrum.conditionNumbers.count == 3)
        for values in spectrum.singularValues {
            #expect(values.count == 2)
            for (actual, wanted) in zip(values, expected) { #expect(abs(actual - wanted) < 1e-5 * wanted) }
        }
        for condition in spectrum.conditionNumbers {
            #expect(abs(condition - expected[0] / expected[1]) < 1e-4 * expected[0] / expected[1])
        }
    }

    @Test("a diagonal scaling flow: singular values exp(-s), sorted, at every point")
    func diagonalScaling() throws {
        let logScales: [Float] = [0.5, -1.0, 2.0, 0.1]
        let flow = NormalizingFlow([DiagonalScaling(shape: [4])], prior: .standardNormal, sampleShape: [4], latentShape: [4])
        (flow.flow.layers[0] as! DiagonalScaling).logScale.value = Tensor(shape: [1, 4], values: logScales)
        let expected = logScales.map { Foundation.exp(-Double($0)) }.sorted(by: >)
        var generator = RandomGenerator(seed: 4)
        let spectrum = try singularValueSpectrum({ flow.generate($0) }, latentDimension: 4, points: 2,
                                                 samplePrior: { n, g in flow.prior.sample(n, shape: [4], generator: &g) },
                                                 generator: &generator)
        for values in spectrum.singularValues {
            for (actual, wanted) in zip(values, expected) { #expect(abs(actual - wanted) < 1e-5 * wanted) }
        }
        let condition = Foundation.exp(3.0)   // exp(max(-s) - min(-s)) = exp(1 - (-2))
        for c in spectrum.conditionNumbers { #expect(abs(c - condition) < 1e-4 * condition) }
        // Off the diagonal the Jacobian is exactly zero.
        let jacobian = generatorJacobian({ flow.generate($0) }, at: Tensor(shape: [4], values: [0.2, -1, 3, 0.5]))
        for i in 0..<4 { for j in 0..<4 where i != j { #expect(jacobian[i, j] == 0) } }
    }

    @Test("agrees with row-by-row reverse mode for the 2-D affine toy flow")
    func toyFlow() {
        var generator = RandomGenerator(seed: 5)
        let flow = FlowModels.toy(additive: false, couplings: 4, hidden: 16, generator: &generator)
        for point in [[0.3, -0.8], [1.7, 0.4], [-2.2, -1.1]] as [[Float]] {
            let z = Tensor(shape: [2], values: point)
            let batched = generatorJacobian({ flow.generate($0) }, at: z)
            let rowByRow = jacobian(of: { flow.generate($0) }, at: z.reshaped([1, 2]))
            #expect(batched.shape == [2, 2])
            #expect(JacobianSpectrumTests.maximumDifference(batched, rowByRow) < 1e-5 * max(1, Double(rowByRow.values.map(abs).max()!)))
            #expect(rowByRow.values.contains { abs($0) > 1e-3 } && abs(rowByRow[0, 1]) + abs(rowByRow[1, 0]) > 1e-4,
                    "the toy flow should mix its coordinates")
        }
    }

    @Test("agrees with row-by-row reverse mode for a small NICE in evaluation mode")
    func smallNICE() {
        var noise = RandomGenerator(seed: 7)
        let model = JacobianSpectrumTests.perturbedNICE(sampleShape: [1, 4, 4], seed: 6, noise: &noise)
        // Training-mode passes move batch norm's running averages away from (0, 1).
        GradientRecording.withoutRecording {
            for _ in 0..<3 { _ = model.logLikelihood(Variable(Tensor.uniform([16, 1, 4, 4], low: 0.05, high: 0.95, generator: &noise))) }
        }
        model.isTraining = false
        let z = Tensor.logistic([16], generator: &noise)
        let batched = generatorJacobian({ model.generate($0) }, at: z)
        let rowByRow = jacobian(of: { model.generate($0) }, at: z.reshaped([1, 16]))
        #expect(batched.shape == [16, 16])
        let scale = Double(rowByRow.values.map(abs).max()!)
        #expect(JacobianSpectrumTests.maximumDifference(batched, rowByRow) < 1e-4 * scale)
        // Not diagonal: the couplings make every pixel depend on other coordinates.
        let offDiagonal = (0..<16).flatMap { i in (0..<16).filter { $0 != i }.map { abs(Double(rowByRow[i, $0])) } }
        #expect(offDiagonal.max()! > 1e-3 * scale)
    }
}

/// `flowJacobianSpectra`: the pixel-space Jacobian in Double, where Float32 would round a
/// saturated pixel's derivative to zero.
@Suite("A flow's Jacobian in Double through the pixel map")
struct FlowJacobianTests {
    /// G(z) = pixel(z · e^{-b}) for the flow [logit, scaling by b]: ∂x_i/∂z_i =
    /// sigmoid'(s_i) e^{-b_i} / (1 - 2α) with s_i = z_i e^{-b_i}, off-diagonal zero.
    @Test("logit + diagonal scaling: the closed form, also for logits of 30 to 60 where Float32's sigmoid is exactly 1")
    func closedForm() throws {
        let logScales: [Float] = [0.2, -0.5, 0.0, 0.3]
        let flow = NormalizingFlow([LogitLayer(), DiagonalScaling(shape: [4])], prior: .standardLogistic,
                                   sampleShape: [4], latentShape: [4])
        (flow.flow.layers[1] as! DiagonalScaling).logScale.value = Tensor(shape: [1, 4], values: logScales)
        let z = Tensor(shape: [4], values: [0.7, 30, -45, 60])
        // The Float32 path saturates: its Jacobian has exact zeros on those rows.
        let float32 = generatorJacobian({ flow.generate($0) }, at: z)
        #expect(float32[1, 1] == 0 && float32[3, 3] == 0)
        let alpha = 1e-7
        let expected = (0..<4).map { i -> Double in
            let s = Double(z.values[i]) * Foundation.exp(-Double(logScales[i]))
            let y = 1 / (1 + Foundation.exp(-s))
            // sigmoid'(s) = y (1 - y), in Double with 1 - y = e^{-s} y for s > 0 (no cancellation).
            let derivative = s > 0 ? y * (Foundation.exp(-s) * y) : y * (1 - y)
            return derivative / (1 - 2 * alpha) * Foundation.exp(-Double(logScales[i]))
        }
        let (pixel, logit) = flowJacobians(flow, at: z)
        for i in 0..<4 {
            for j in 0..<4 where i != j { #expect(pixel[i * 4 + j] == 0 && logit[i * 4 + j] == 0) }
            // The logit s_i is a Float32 value (relative error a few ε), and e^{-|s|} turns an
            // absolute error δ in s into a relative error δ in the derivative.
            let s = abs(Double(z.values[i]) * Foundation.exp(-Double(logScales[i])))
            let tolerance = (4 * s * Double(Float.ulpOfOne) + 1e-6) * expected[i]
            #expect(abs(pixel[i * 5] - expected[i]) <= tolerance, "row \(i): \(pixel[i * 5]) against \(expected[i])")
            #expect(abs(logit[i * 5] - Foundation.exp(-Double(logScales[i]))) <= 1e-6)
        }
        var generator = RandomGenerator(seed: 3)
        let spectra = try flowJacobianSpectra(flow, points: 3, generator: &generator)
        #expect(spectra.pixel.count == 3 && spectra.pixelConditions.allSatisfy { $0.map { $0 >= 1 } ?? false })
        #expect(spectra.logit.allSatisfy { zip($0, logScales.map { Foundation.exp(-Double($0)) }.sorted(by: >)).allSatisfy { abs($0 - $1) < 1e-6 } })
    }

    @Test("a small NICE: the pixel Jacobian matches central differences of the generator, taken in Double")
    func finiteDifferences() {
        var noise = RandomGenerator(seed: 9)
        let model = JacobianSpectrumTests.perturbedNICE(sampleShape: [1, 2, 3], seed: 8, noise: &noise)
        model.isTraining = false
        let z = Tensor(shape: [6], values: [0.4, -1.1, 0.8, 2.0, -0.3, 1.5])
        let (pixel, _) = flowJacobians(model, at: z)
        // Column j: (G(z + h e_j) - G(z - h e_j)) / (2h), G in Float32, the difference and the
        // step (as actually rounded) in Double.
        let h: Float = 1e-2
        var worst = 0.0, scale = 0.0
        for j in 0..<6 {
            var plus = z.values, minus = z.values
            plus[j] += h; minus[j] -= h
            let up = GradientRecording.withoutRecording { model.generate(Variable(Tensor(shape: [1, 6], values: plus))).value.values }
            let down = GradientRecording.withoutRecording { model.generate(Variable(Tensor(shape: [1, 6], values: minus))).value.values }
            for i in 0..<6 {
                let numeric = (Double(up[i]) - Double(down[i])) / (Double(plus[j]) - Double(minus[j]))
                worst = max(worst, abs(numeric - pixel[i * 6 + j]))
                scale = max(scale, abs(numeric))
            }
        }
        #expect(scale > 1e-3)
        #expect(worst < 2e-3 * scale, "largest difference \(worst) against entries up to \(scale)")
    }
}
