import ArgumentParser
import CBLAS
import Foundation
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import Training

/// One maximum-likelihood training step of chapter 03's Real NVP for MNIST (multi-scale,
/// 32-feature s/t networks with 2 residual blocks, logistic prior, Adam with the chapter's
/// hyperparameters), batch 100, on random images: what `Benchmarks/peers/realnvp_step.py`
/// times in PyTorch and JAX.
struct RealNVPBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realnvp",
        abstract: "Times an MLE training step of chapter 03's Real NVP on MNIST-shaped data (batch 100).")

    @OptionGroup var timing: TimingOptions

    @Option(help: "Images per batch.")
    var batchSize: Int = 100

    func validate() throws {
        guard (1...1000).contains(batchSize) else { throw ValidationError("--batch-size must be in 1...1000, got \(batchSize)") }
    }

    func run() throws {
        var generator = RandomGenerator(seed: 0)
        let model = FlowModels.realNVP(sampleShape: [1, 28, 28], features: 32, blocks: 2, prior: .standardLogistic,
                                       generator: &generator)
        let trainer = FlowTrainer(model: model, learningRate: 1e-4, beta1: 0.5, beta2: 0.9, batchSize: batchSize, seed: 0)
        let images = Tensor.uniform([batchSize, 1, 28, 28], generator: &generator)
        var failure: Error? = nil
        var lastLoss: Float = .nan
        let seconds = medianSeconds(warmup: timing.warmup, repeats: timing.steps) {
            do { lastLoss = try trainer.maximumLikelihoodStep(images) } catch { failure = error }
        }
        if let failure { throw failure }
        report([("benchmark", "realnvp"),
                ("model", "realnvp-mnist-32x2"),
                ("parameters", model.parameterCount),
                ("batch_size", batchSize),
                ("step_ms", seconds * 1e3),
                ("images_per_s", Double(batchSize) / seconds),
                ("last_loss", Double(lastLoss)),
                ("blas_threads", BLASInfo.threadCount)], json: timing.json)
    }
}

/// One 3x3 convolution (padding 1) forward and backward, the gradients of its input and
/// weight, at a shape Real NVP's residual blocks use (batch 100, 32 -> 32 channels, 28x28
/// or 14x14), against the plain cblas_sgemm calls of its three im2col products: where the
/// time of a convolution goes beyond its matrix products.
struct ConvolutionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Times a 3x3 convolution's forward and backward at Real NVP's shapes, beside its sgemm products alone.")

    @OptionGroup var timing: TimingOptions

    @Option(help: "Image side: 28 (Real NVP's first scale) or 14 (after the squeeze).")
    var size: Int = 28

    @Option(help: "Input and output channels.")
    var channels: Int = 32

    @Option(help: "Images per batch.")
    var batchSize: Int = 100

    func validate() throws {
        guard (3...256).contains(size) else { throw ValidationError("--size must be in 3...256, got \(size)") }
        guard (1...1024).contains(channels) else { throw ValidationError("--channels must be in 1...1024, got \(channels)") }
        guard (1...1000).contains(batchSize) else { throw ValidationError("--batch-size must be in 1...1000, got \(batchSize)") }
    }

    func run() throws {
        var generator = RandomGenerator(seed: 0)
        let (n, c) = (batchSize, channels)
        let x = Variable(Tensor.normal([n, c, size, size], generator: &generator), requiresGradient: true)
        let w = Variable(Tensor.normal([c, c, 3, 3], generator: &generator) * 0.1, requiresGradient: true)
        let upstream = Tensor.normal([n, c, size, size], generator: &generator)
        let forward = medianSeconds(warmup: timing.warmup, repeats: timing.steps) {
            _ = Variable.conv2d(x, w, padding: 1)
        }
        let step = medianSeconds(warmup: timing.warmup, repeats: timing.steps) {
            let y = Variable.conv2d(x, w, padding: 1)
            _ = gradients(of: (y * Variable(upstream)).sum(), withRespectTo: [x, w])
        }
        // The three products alone: y = W·cols [c, 9c]x[9c, n·s²], dW = dY·colsᵀ, dcols = Wᵀ·dY.
        let patch = 9 * c, columns = n * size * size
        let a = Tensor.normal([c, patch], generator: &generator), b = Tensor.normal([patch, columns], generator: &generator)
        let dy = Tensor.normal([c, columns], generator: &generator)
        var out = Tensor(zeros: [c, columns]), dw = Tensor(zeros: [c, patch]), dcols = Tensor(zeros: [patch, columns])
        let (outPointer, dwPointer, dcolsPointer) = (out.unsafeWritePointer(), dw.unsafeWritePointer(), dcols.unsafeWritePointer())
        let gemm = medianSeconds(warmup: timing.warmup, repeats: timing.steps) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(c), Int32(columns), Int32(patch), 1,
                        a.unsafeReadPointer, Int32(patch), b.unsafeReadPointer, Int32(columns), 0, outPointer, Int32(columns))
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(c), Int32(patch), Int32(columns), 1,
                        dy.unsafeReadPointer, Int32(columns), b.unsafeReadPointer, Int32(columns), 0, dwPointer, Int32(patch))
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(patch), Int32(columns), Int32(c), 1,
                        a.unsafeReadPointer, Int32(patch), dy.unsafeReadPointer, Int32(columns), 0, dcolsPointer, Int32(columns))
        }
        withExtendedLifetime((out, dw, dcols)) {}
        let flops = 3 * 2 * Double(c) * Double(patch) * Double(columns)
        // What a Winograd F(m x m, 3x3) convolution would multiply: (m+2)² products per pass,
        // one per position of the transformed tile, [c, c]·[c, tiles] with a tile per m x m
        // block of output (the image padded up to a multiple of m); forward, input adjoint
        // and weight adjoint. The transforms are left out, so each is a floor for that
        // algorithm over OpenBLAS. F(2x2) multiplies 2.25 times less than im2col, F(4x4) 4
        // times less (36 positions a 16-pixel tile), at the price of larger transforms and
        // of padding 14x14 up to 16x16.
        func winogradProducts(outputTile m: Int) -> Double {
            let positions = (m + 2) * (m + 2), side = (size + m - 1) / m, tiles = n * side * side
            let u = Tensor.normal([positions, c, c], generator: &generator)
            let v = Tensor.normal([positions, c, tiles], generator: &generator)
            let g = Tensor.normal([positions, c, tiles], generator: &generator)
            var mOut = Tensor(zeros: [positions, c, tiles]), vOut = Tensor(zeros: [positions, c, tiles])
            var uOut = Tensor(zeros: [positions, c, c])
            let (mp, vp, up) = (mOut.unsafeWritePointer(), vOut.unsafeWritePointer(), uOut.unsafeWritePointer())
            let seconds = medianSeconds(warmup: timing.warmup, repeats: timing.steps) {
                for k in 0..<positions {
                    let (ku, kt) = (k * c * c, k * c * tiles)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(c), Int32(tiles), Int32(c), 1,
                                u.unsafeReadPointer + ku, Int32(c), v.unsafeReadPointer + kt, Int32(tiles), 0, mp + kt, Int32(tiles))
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(c), Int32(tiles), Int32(c), 1,
                                u.unsafeReadPointer + ku, Int32(c), g.unsafeReadPointer + kt, Int32(tiles), 0, vp + kt, Int32(tiles))
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(c), Int32(c), Int32(tiles), 1,
                                g.unsafeReadPointer + kt, Int32(tiles), v.unsafeReadPointer + kt, Int32(tiles), 0, up + ku, Int32(c))
                }
            }
            withExtendedLifetime((mOut, vOut, uOut)) {}
            return seconds
        }
        let winograd2 = size % 2 == 0 ? winogradProducts(outputTile: 2) : nil
        let winograd4 = winogradProducts(outputTile: 4)
        report([("benchmark", "conv3x3"),
                ("shape", "\(n)x\(c)x\(size)x\(size)"),
                ("forward_ms", forward * 1e3),
                ("step_ms", step * 1e3),
                ("gflops", flops / step / 1e9),
                ("sgemm_ms", gemm * 1e3),
                ("sgemm_gflops", flops / gemm / 1e9),
                ("fraction_in_sgemm", gemm / step),
                ("blas_threads", BLASInfo.threadCount)]
               + (winograd2.map { [("winograd_products_ms", $0 * 1e3 as Any)] } ?? [])
               + [("winograd_f4_products_ms", winograd4 * 1e3)], json: timing.json)
    }
}
