import ArgumentParser
import Foundation
import TensorCore
import Autodiff
import Flows
import Evaluation

/// The KDE pass of chapter 06: 10,000 Gaussian kernels evaluated at 10,000 points in 784
/// dimensions, against the sgemm of the same shapes alone.
struct KDEBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kde",
        abstract: "Times a KDE pass (10,000 samples against 10,000 images, 784 dimensions).")

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Kernel centres and evaluation points.")
    var count: Int = 10_000

    func validate() throws {
        guard count >= 10 && count <= 50_000 else { throw ValidationError("--count must be in 10...50000, got \(count)") }
    }

    func run() throws {
        var generator = RandomGenerator(seed: 0)
        let centres = Tensor.uniform([count, 784], generator: &generator)
        let points = Tensor.uniform([count, 784], generator: &generator)
        let kde = KernelDensityEstimate(centres: centres)
        let seconds = medianSeconds(warmup: 1, repeats: 3) { _ = kde.logDensities(points, bandwidth: 0.2) }
        let gemmSeconds = medianSeconds(warmup: 1, repeats: 3) { _ = Tensor.matmul(points, centres, transposeB: true) }
        report([("benchmark", "kde"), ("centres", count), ("points", count), ("dimension", 784),
                ("seconds", seconds), ("sgemm_seconds", gemmSeconds), ("fraction_in_sgemm", gemmSeconds / seconds)],
               json: json)
    }
}

/// One full 784 x 784 Jacobian of the NICE generator (one batched backward pass) and its SVD.
struct JacobianBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jacobian",
        abstract: "Times one full Jacobian dG/dz of the NICE generator and its singular values.")

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        var generator = RandomGenerator(seed: 0)
        let flow = FlowModels.nice(generator: &generator)
        flow.isTraining = false
        let z = flow.prior.sample(1, shape: flow.latentShape, generator: &generator).reshaped([784])
        var jacobian = Tensor(zeros: [1])
        let jacobianSeconds = medianSeconds(warmup: 1, repeats: 3) { jacobian = generatorJacobian({ flow.generate($0) }, at: z) }
        var failure: Error? = nil
        let svdSeconds = medianSeconds(warmup: 0, repeats: 3) {
            do { _ = try LinearAlgebra.singularValues(jacobian) } catch { failure = error }
        }
        if let failure { throw failure }
        report([("benchmark", "jacobian"), ("shape", "784x784"), ("jacobian_seconds", jacobianSeconds),
                ("svd_seconds", svdSeconds), ("seconds", jacobianSeconds + svdSeconds)], json: json)
    }
}
