import ArgumentParser
import CBLAS
import Foundation
import TensorCore
import Autodiff
import NeuralLayers

/// The training step of a multilayer perceptron with the shapes of NICE's coupling
/// network (392 -> 1000, five 1000 -> 1000, 1000 -> 392, ReLU, batch 100): forward,
/// backward and an Adam update, against plain cblas_sgemm calls of the same shapes.
struct MLPBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mlp",
        abstract: "Times an MLP training step with the shapes of NICE's coupling network.")

    @OptionGroup var timing: TimingOptions

    @Option(help: "Rows per batch.")
    var batchSize: Int = 100

    func validate() throws {
        // Activations of 1000 floats per row and layer: 20,000 rows already take gigabytes with their gradients.
        guard (1...20_000).contains(batchSize) else { throw ValidationError("--batch-size must be in 1...20000, got \(batchSize)") }
    }

    func run() throws {
        let sizes = [392] + [Int](repeating: 1000, count: 6) + [392]
        var generator = RandomGenerator(seed: 0)
        var layers: [any Layer] = []
        for i in 0..<(sizes.count - 1) {
            layers.append(Linear(sizes[i], sizes[i + 1], initialization: .truncatedNormal(std: 0.02),
                                 generator: &generator))
            if i < sizes.count - 2 { layers.append(ReLU()) }
        }
        let model = Sequential(layers)
        let optimiser = Adam(parameters: model.parameters, learningRate: 1e-4, beta1: 0.5, beta2: 0.9)
        let input = Variable(Tensor.normal([batchSize, 392], generator: &generator))
        let target = Variable(Tensor.normal([batchSize, 392], generator: &generator))

        // Each parameter is updated as soon as its gradient is complete, while it is in cache.
        func trainingStep() {
            let loss = (model(input) - target).square().mean()
            optimiser.minimise(loss)
        }

        // Where the step's time goes, timed separately.
        let forwardSeconds = medianSeconds(warmup: 2, repeats: timing.steps) {
            _ = (model(input) - target).square().mean()
        }
        let loss = (model(input) - target).square().mean()
        let backwardSeconds = medianSeconds(warmup: 2, repeats: timing.steps) {
            _ = gradients(of: loss, withRespectTo: optimiser.parameters)
        }
        let fixedGradients = gradients(of: loss, withRespectTo: optimiser.parameters)
        let adamSeconds = medianSeconds(warmup: 2, repeats: timing.steps) {
            optimiser.update(fixedGradients)
        }

        // The matrix products of one step: forward x·W for every layer; backward xᵀ·g for
        // every layer and g·Wᵀ for all but the first (the input needs no gradient).
        var products: [(m: Int, n: Int, k: Int, ta: Bool, tb: Bool)] = []
        for i in 0..<(sizes.count - 1) {
            let (fin, fout) = (sizes[i], sizes[i + 1])
            products.append((batchSize, fout, fin, false, false))
            products.append((fin, fout, batchSize, true, false))
            if i > 0 { products.append((batchSize, fin, fout, false, true)) }
        }
        let operands = products.map { p -> (Tensor, Tensor, Tensor) in
            (Tensor.normal(p.ta ? [p.k, p.m] : [p.m, p.k], generator: &generator),
             Tensor.normal(p.tb ? [p.n, p.k] : [p.k, p.n], generator: &generator),
             Tensor(zeros: [p.m, p.n]))
        }
        var outputs = operands.map(\.2)
        // The reference: the plain cblas_sgemm call a C program would make for each product
        // (beta = 0, OpenBLAS clearing the output itself), not the engine's Tensor.gemm.
        func plainSgemm(_ i: Int) {
            let p = products[i]
            let (a, b) = (operands[i].0, operands[i].1)
            outputs[i].withUnsafeMutableBufferPointer { c in
                cblas_sgemm(CblasRowMajor, p.ta ? CblasTrans : CblasNoTrans, p.tb ? CblasTrans : CblasNoTrans,
                            Int32(p.m), Int32(p.n), Int32(p.k), 1, a.unsafeReadPointer, Int32(a.shape[1]),
                            b.unsafeReadPointer, Int32(b.shape[1]), 0, c.baseAddress, Int32(p.n))
            }
        }
        func gemmsOfOneStep() {
            for i in products.indices { plainSgemm(i) }
        }
        // The step and its GEMMs alone, timed in alternation (see pairedMedianSeconds).
        let (stepSeconds, gemmSeconds, stepOverGemm) = pairedMedianSeconds(
            warmup: timing.warmup, repeats: timing.steps, trainingStep, gemmsOfOneStep)
        let gemmForwardSeconds = medianSeconds(warmup: 2, repeats: timing.steps) {
            for (i, p) in products.enumerated() where !p.ta && !p.tb { plainSgemm(i) }
        }
        let flops = Double(products.map { 2 * $0.m * $0.n * $0.k }.reduce(0, +))
        let stepRate = flops / stepSeconds / 1e9
        let gemmRate = flops / gemmSeconds / 1e9
        report([("benchmark", "mlp"),
                ("batch_size", batchSize),
                ("parameters", model.parameterCount),
                ("step_ms", stepSeconds * 1e3),
                ("images_per_s", Double(batchSize) / stepSeconds),
                ("forward_ms", forwardSeconds * 1e3),
                ("backward_ms", backwardSeconds * 1e3),
                ("adam_ms", adamSeconds * 1e3),
                ("gflops", stepRate),
                ("sgemm_gflops", gemmRate),
                ("sgemm_ms", gemmSeconds * 1e3),
                ("sgemm_forward_ms", gemmForwardSeconds * 1e3),
                ("fraction_of_sgemm", 1 / stepOverGemm),
                ("blas_threads", BLASInfo.threadCount),
                ("blas_thread_timeout", BLASThreads.timeoutExponent ?? 28),
                ("cores", Parallelism.coreCount)], json: timing.json)
    }
}
