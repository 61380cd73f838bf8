import Foundation
import TensorCore
import Autodiff

// The conditioning of a generator (the paper's Figure 4): the singular values of its
// Jacobian ∂G/∂z at points drawn from the prior. Adversarially trained generators have
// ill-conditioned Jacobians: a few directions of z stretched, most squashed.

// [book:generator-jacobian]
/// The Jacobian J = ∂G/∂z [D_out, d] of a decoder at one latent point z [d], from a
/// single batched backward pass.
///
/// Row i of J is e_iᵀ J, the VJP of the unit vector e_i. Instead of D_out backward passes
/// (as `jacobian(of:at:)` does), z is replicated into a batch of D_out identical rows,
/// and the output [D_out, D_out] (flattened per row) is seeded with the identity matrix:
/// row i of the batch receives e_i, so row i of the gradient with respect to the batch is
/// e_iᵀ J(z). This holds only if the decoder maps every row of a batch on its own, with no
/// interaction between rows: a flow in evaluation mode (`model.isTraining = false`, batch
/// norm with running averages). In training mode batch norm would normalise with the
/// statistics of the batch, here of D_out copies of one point, and the result would be
/// wrong. The cost is one forward and one backward pass at batch size D_out, which BLAS
/// runs as matrix-matrix products.
public func generatorJacobian(_ decoder: (Variable) -> Variable, at z: Tensor) -> Tensor {
    let d = z.count
    let outputs = GradientRecording.withoutRecording { decoder(Variable(z.reshaped([1, d]))).value.count }
    let batch = Tensor(uninitializedShape: [outputs, d])
    let identity = Tensor(zeros: [outputs, outputs])
    let row = z.storage.pointer, rows = batch.storage.pointer, unit = identity.storage.pointer
    for i in 0..<outputs {
        (rows + i * d).update(from: row, count: d)
        unit[i * outputs + i] = 1
    }
    return GradientRecording.with(true) {
        let input = Variable(batch, requiresGradient: true)
        let output = decoder(input)
        precondition(output.value.count == outputs * outputs,
                     "the decoder gave \(output.shape) for \(outputs) rows of \(outputs) values")
        return gradients(of: output, withRespectTo: [input], seed: identity.reshaped(output.shape))[0].value
    }
}
// [/book:generator-jacobian]

/// The singular values of ∂G/∂z at `points` draws z ~ p(z), each list largest first
/// (LAPACK dgesdd in Double, `LinearAlgebra.singularValues`), and the condition number σ_max / σ_min of each Jacobian
/// (infinite when σ_min = 0). The decoder must be in evaluation mode (see
/// `generatorJacobian`).
public func singularValueSpectrum(_ decoder: (Variable) -> Variable, latentDimension: Int, points: Int,
                                  samplePrior: (Int, inout RandomGenerator) -> Tensor,
                                  generator: inout RandomGenerator) throws
    -> (singularValues: [[Double]], conditionNumbers: [Double]) {
    let latents = samplePrior(points, &generator)
    precondition(latents.count == points * latentDimension,
                 "samplePrior(\(points)) gave shape \(latents.shape), expected [\(points), \(latentDimension)]")
    let flat = latents.reshaped([points, latentDimension])
    var spectra: [[Double]] = []
    var conditionNumbers: [Double] = []
    for p in 0..<points {
        let z = flat.slice(p..<(p + 1), alongAxis: 0).reshaped([latentDimension])
        let values = try LinearAlgebra.singularValues(generatorJacobian(decoder, at: z))
        spectra.append(values)
        let largest = values.first ?? 0, smallest = values.last ?? 0
        conditionNumbers.append(smallest > 0 ? largest / smallest : .infinity)
    }
    return (spectra, conditionNumbers)
}
