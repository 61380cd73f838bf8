import Foundation
import TensorCore
import Autodiff
import Flows

// The conditioning of a generator (the paper's Figure 4): the singular values of its
// Jacobian ∂G/∂z at points drawn from the prior. Adversarially trained generators have
// ill-conditioned Jacobians: a few directions of z stretched, most squashed.

/// The Jacobian J = ∂G/∂z [D_out, d] of a decoder at one latent point z [d], from
/// batched backward passes.
///
/// Row i of J is e_iᵀ J, the VJP of the unit vector e_i. Instead of D_out backward passes
/// (as `jacobian(of:at:)` does), z is replicated into a batch of identical rows, and the
/// output (flattened per row) is seeded with unit vectors: row i of the batch receives
/// e_i, so row i of the gradient with respect to the batch is e_iᵀ J(z). This holds only if
/// the decoder maps every row of a batch on its own, with no interaction between rows: a
/// flow in evaluation mode (`model.isTraining = false`, batch norm with running averages).
/// In training mode batch norm would normalise with the statistics of the batch, here of
/// copies of one point, and the result would be wrong.
///
/// By default one pass of D_out copies gives all of J (one forward and one backward pass
/// at batch size D_out, which BLAS runs as matrix-matrix products). With `rowsPerPass`,
/// pass k seeds its copies with e_i for i in rows k·r ..< (k+1)·r and yields those rows
/// of J: memory grows with r instead of D_out (for a 3×32×32 Real NVP, 3072 copies of
/// every activation would not fit), at ⌈D_out / r⌉ passes. With `outputRows`, only those
/// rows of J, in that order ([outputRows.count, d]).
public func generatorJacobian(_ decoder: (Variable) -> Variable, at z: Tensor, rowsPerPass: Int? = nil,
                              outputRows: [Int]? = nil) -> Tensor {
    let rowsPerPass = rowsPerPass ?? Int.max
    precondition(rowsPerPass >= 1, "rowsPerPass must be positive, got \(rowsPerPass)")
    let d = z.count
    let outputs = GradientRecording.withoutRecording { decoder(Variable(z.reshaped([1, d]))).value.count }
    let wanted = outputRows ?? Array(0..<outputs)
    precondition(wanted.allSatisfy { (0..<outputs).contains($0) }, "outputRows must lie in 0..<\(outputs)")
    var jacobian = Tensor(uninitializedShape: [wanted.count, d])
    var start = 0
    while start < wanted.count {
        let rows = min(rowsPerPass, wanted.count - start)
        var batch = Tensor(uninitializedShape: [rows, d])
        var seed = Tensor(zeros: [rows, outputs])
        let (point, copies, units) = (z.unsafeReadPointer, batch.unsafeWritePointer(), seed.unsafeWritePointer())
        for i in 0..<rows {
            (copies + i * d).update(from: point, count: d)
            units[i * outputs + wanted[start + i]] = 1
        }
        let block = GradientRecording.with(true) {
            let input = Variable(batch, requiresGradient: true)
            let output = decoder(input)
            precondition(output.value.count == rows * outputs,
                         "the decoder gave \(output.shape) for \(rows) rows of \(outputs) values")
            return gradients(of: output, withRespectTo: [input], seed: seed.reshaped(output.shape))[0].value
        }
        (jacobian.unsafeWritePointer() + start * d).update(from: block.unsafeReadPointer, count: rows * d)
        start += rows
    }
    return jacobian
}

/// The singular values of ∂G/∂z at `points` draws z ~ p(z), each list largest first
/// (LAPACK dgesdd in Double, `LinearAlgebra.singularValues`), and the condition number σ_max / σ_min of each Jacobian
/// (infinite when σ_min = 0). The decoder must be in evaluation mode (see
/// `generatorJacobian`). With `rowsPerPass`, each Jacobian is assembled from passes of
/// that many rows (`generatorJacobian`); without, from one
/// pass. With `outputRows` (and `rowsPerPass`), the singular values are those of the
/// block of J made of those rows: a cheaper look at a large Jacobian, not its spectrum.
public func singularValueSpectrum(_ decoder: (Variable) -> Variable, latentDimension: Int, points: Int,
                                  samplePrior: (Int, inout RandomGenerator) -> Tensor,
                                  generator: inout RandomGenerator, rowsPerPass: Int? = nil,
                                  outputRows: [Int]? = nil) throws
    -> (singularValues: [[Double]], conditionNumbers: [Double]) {
    let latents = samplePrior(points, &generator)
    precondition(latents.count == points * latentDimension,
                 "samplePrior(\(points)) gave shape \(latents.shape), expected [\(points), \(latentDimension)]")
    let flat = latents.reshaped([points, latentDimension])
    var spectra: [[Double]] = []
    var conditionNumbers: [Double] = []
    for p in 0..<points {
        let z = flat.slice(p..<(p + 1), alongAxis: 0).reshaped([latentDimension])
        let jacobian = generatorJacobian(decoder, at: z, rowsPerPass: rowsPerPass, outputRows: outputRows)
        let values = try LinearAlgebra.singularValues(jacobian)
        spectra.append(values)
        conditionNumbers.append(conditionNumber(values) ?? .infinity)
    }
    return (spectra, conditionNumbers)
}

/// The spectra of a flow's generator G = (pixel map) ∘ (logit-space map), at points z
/// drawn from its prior: of the pixel-space Jacobian ∂x/∂z (the paper's Figure 4) and of
/// the logit-space Jacobian ∂s/∂z, both with their condition numbers.
public struct FlowJacobianSpectra {
    public var pixel: [[Double]]
    /// σ_max / σ_min per point; nil where σ_min lies below the SVD's resolution.
    public var pixelConditions: [Double?]
    /// The smallest singular value the SVD resolves, per point (`LinearAlgebra.singularValueResolution`).
    public var pixelResolutions: [Double]
    public var logit: [[Double]]
    public var logitConditions: [Double?]
    /// The Double SVD's resolution of the logit-space Jacobian. Its entries come from the
    /// engine's Float32 reverse mode, so their own rounding (about 1e-7 of each entry) is a
    /// coarser limit that this rule does not capture; the pixel-space rule is the binding
    /// one there, as diag(d) is applied in Double.
    public var logitResolutions: [Double]
}

// [book:flow-jacobian]
/// The singular values of ∂G/∂z for a flow whose first layer is the logit preprocessing,
/// in a precision that can show them.
///
/// Why not the Jacobian of G in Float32: the last step of G is the pixel map
/// x = (sigmoid(s) - α) / (1 - 2α), applied to each logit s_i on its own, whose derivative
/// sigmoid(s)(1 - sigmoid(s)) / (1 - 2α) is computed in Float32 as y(1 - y), exactly 0 once
/// sigmoid(s) rounds to 1 (s above about 17). A saturated pixel then shows up as a zero
/// singular value, which is the rounding, not the model. Here the chain rule is split:
///
///     ∂x/∂z = diag(d) · ∂s/∂z,   d_i = e^{-|s_i|} / (1 + e^{-|s_i|})² / (1 - 2α),
///
/// the logit-space Jacobian ∂s/∂z from the engine's reverse mode (no saturation there:
/// its entries are products of the couplings' own derivatives), and the diagonal d from
/// the logits in Double, a form that stays positive down to e^{-745}. The product and
/// both singular value decompositions are in Double.
public func flowJacobianSpectra(_ flow: NormalizingFlow, points: Int, generator: inout RandomGenerator,
                                rowsPerPass: Int? = nil, outputRows: [Int]? = nil) throws -> FlowJacobianSpectra {
    let d = flow.latentShape.reduce(1, *)
    let latents = flow.prior.sample(points, shape: [d], generator: &generator)
    var spectra = FlowJacobianSpectra(pixel: [], pixelConditions: [], pixelResolutions: [], logit: [], logitConditions: [],
                                      logitResolutions: [])
    for p in 0..<points {
        let z = latents.slice(p..<(p + 1), alongAxis: 0).reshaped([d])
        let (pixelJacobian, logitJacobian) = flowJacobians(flow, at: z, rowsPerPass: rowsPerPass, outputRows: outputRows)
        let rows = logitJacobian.count / d
        let pixelValues = try LinearAlgebra.singularValues(rows: rows, columns: d, rowMajor: pixelJacobian)
        let logitValues = try LinearAlgebra.singularValues(rows: rows, columns: d, rowMajor: logitJacobian)
        spectra.pixel.append(pixelValues)
        spectra.logit.append(logitValues)
        spectra.pixelConditions.append(conditionNumber(pixelValues, rows: rows, columns: d))
        spectra.logitConditions.append(conditionNumber(logitValues, rows: rows, columns: d))
        spectra.pixelResolutions.append(LinearAlgebra.singularValueResolution(largest: pixelValues.first ?? 0, rows: rows, columns: d))
        spectra.logitResolutions.append(LinearAlgebra.singularValueResolution(largest: logitValues.first ?? 0, rows: rows, columns: d))
    }
    return spectra
}

/// ∂x/∂z and ∂s/∂z at z, row-major in Double ([rows, d]; the rows `outputRows` if given).
public func flowJacobians(_ flow: NormalizingFlow, at z: Tensor, rowsPerPass: Int? = nil,
                          outputRows: [Int]? = nil) -> (pixel: [Double], logit: [Double]) {
    guard let pixelMap = flow.flow.layers.first as? LogitLayer else {
        preconditionFailure("flowJacobians needs a flow whose first layer is the logit preprocessing")
    }
    let inner = Array(flow.flow.layers.dropFirst().reversed())
    let toLogits: (Variable) -> Variable = { z in inner.reduce(z) { $1.inverse($0).output } }
    let d = z.count
    let logitJacobian = generatorJacobian(toLogits, at: z, rowsPerPass: rowsPerPass, outputRows: outputRows)
    let logits = GradientRecording.withoutRecording { toLogits(Variable(z.reshaped([1, d]))).value.values }
    let rows = outputRows ?? Array(logits.indices)
    let alpha = Double(pixelMap.alpha)
    let logit = logitJacobian.values.map(Double.init)
    var pixel = logit
    for (r, i) in rows.enumerated() {
        let e = Foundation.exp(-abs(Double(logits[i])))
        let derivative = e / ((1 + e) * (1 + e)) / (1 - 2 * alpha)
        for j in 0..<d { pixel[r * d + j] *= derivative }
    }
    return (pixel, logit)
}
// [/book:flow-jacobian]

/// σ_max / σ_min of singular values listed largest first; nil when σ_min = 0 or, given the
/// matrix's size, when σ_min lies below what a Double SVD resolves
/// (`LinearAlgebra.singularValueResolution`): such a value is rounding, and the condition
/// number is then only known to exceed 1 / (ε · max(m, n)), 5.7e12 for 784 x 784.
public func conditionNumber(_ values: [Double], rows: Int? = nil, columns: Int? = nil) -> Double? {
    let largest = values.first ?? 0, smallest = values.last ?? 0
    if let rows, let columns, smallest < LinearAlgebra.singularValueResolution(largest: largest, rows: rows, columns: columns) {
        return nil
    }
    return smallest > 0 ? largest / smallest : nil
}
