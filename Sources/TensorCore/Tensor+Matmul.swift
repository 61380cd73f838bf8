import CBLAS
import BLASKernels
import Foundation

// Matrix products through OpenBLAS's cblas_sgemm. Transposes are passed to BLAS as
// flags, never materialised.

extension Tensor {
    /// The product op(a) · op(b) of two matrices, where op transposes when asked.
    public static func matmul(_ a: Tensor, _ b: Tensor,
                              transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul needs matrices, got shapes \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        var out = Tensor(uninitializedShape: [m, n])
        gemm(a, b, into: &out, transposeA: transposeA, transposeB: transposeB, beta: 0)
        return out
    }

    /// `c = alpha · op(a) · op(b) + beta · c`. With `beta = 0` the old contents of `c`
    /// are ignored (BLAS does not read them), so `c` may be uninitialised.
    public static func gemm(_ a: Tensor, _ b: Tensor, into c: inout Tensor,
                            transposeA: Bool, transposeB: Bool,
                            alpha: Float = 1, beta: Float) {
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(k == kb, "matmul: inner dimensions differ for shapes \(a.shape)\(transposeA ? "ᵀ" : "") and \(b.shape)\(transposeB ? "ᵀ" : "")")
        checkSameShape(c.shape, [m, n], "gemm output")
        if m == 0 || n == 0 { return }
        BLASThreads.configure()
        c.makeUnique()
        if k == 0 {
            let p = c.storage.pointer
            // An empty product is zero; beta = 0 must not read the (uninitialised) output.
            for i in 0..<(m * n) { p[i] = beta == 0 ? 0 : p[i] * beta }
            return
        }
        // With beta = 0, OpenBLAS 0.3.21 first clears C with its own scaling loop, which
        // runs at about 12 GB/s here; for the weight gradients xᵀ·g (1000 x 1000 outputs
        // from 100-row batches) that loop took a fifth of the product's time. Clearing C
        // with memset and accumulating into it (beta = 1) gives the same numbers, since
        // 0 + x = x exactly, and measured 187 instead of 130 GFLOP/s at that shape.
        // Large outputs are cleared by both cores, a share each (a 12.8 MB weight
        // gradient of the MNIST critic takes about a millisecond on one).
        var effectiveBeta = beta
        if beta == 0 {
            let p = c.storage.pointer
            parallelChunks(m * n, grain: 1 << 18) { range in
                memset(p + range.lowerBound, 0, range.count * MemoryLayout<Float>.stride)
            }
            effectiveBeta = 1
        }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a.storage.pointer, Int32(a.shape[1]),
                    b.storage.pointer, Int32(b.shape[1]),
                    effectiveBeta, c.storage.pointer, Int32(n))
    }

    /// `x · w + bias` for x [N, In], w [In, Out], bias [Out]: the bias is written into the
    /// output rows first and the product added on top by sgemm (beta = 1), so the affine
    /// map costs no extra pass over the output.
    public static func affine(_ x: Tensor, _ w: Tensor, bias: Tensor) -> Tensor {
        precondition(x.rank == 2 && w.rank == 2 && bias.shape == [w.shape[1]],
                     "affine: shapes \(x.shape), \(w.shape), bias \(bias.shape) do not fit")
        let rows = x.shape[0], cols = w.shape[1]
        var out = Tensor(uninitializedShape: [rows, cols])
        let dst = out.storage.pointer, b = bias.storage.pointer
        for r in 0..<rows { (dst + r * cols).update(from: b, count: cols) }
        gemm(x, w, into: &out, transposeA: false, transposeB: false, beta: 1)
        return out
    }
}

/// What OpenBLAS runs with, for the chapters and benchmarks to report.
public enum BLASInfo {
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// The core whose kernels OpenBLAS runs ("SkylakeX", "Haswell", "Prescott", ...).
    public static var core: String { String(cString: flowgan_blas_core()) }

    /// How that core was chosen (see Sources/BLASKernels/BLASKernels.c).
    public enum Origin: String, Sendable {
        case openBLAS = "OpenBLAS's own choice"
        case environment = "set by OPENBLAS_CORETYPE"
        case engine = "chosen by the engine from the CPU's features"
        case engineRejected = "OpenBLAS's own choice (the engine's failed its self-check)"
    }

    public static var origin: Origin {
        switch flowgan_blas_core_origin() {
        case 1: return .environment
        case 2: return .engine
        case 3: return .engineRejected
        default: return .openBLAS
        }
    }

    /// The core OpenBLAS had picked when the engine chose another, else nil.
    public static var detectedCore: String? {
        let name = String(cString: flowgan_blas_detected_core())
        return name.isEmpty ? nil : name
    }

    /// One line for a program to print when it starts, e.g. "BLAS: OpenBLAS core SkylakeX
    /// (chosen by the engine from the CPU's features; OpenBLAS had picked Prescott), 2 threads".
    public static var summary: String {
        var text = "BLAS: OpenBLAS core \(core) (\(origin.rawValue)"
        if origin == .engine, let detectedCore { text += "; OpenBLAS had picked \(detectedCore)" }
        if origin == .environment, let asked = unknownRequestedCore {
            text = "BLAS: OpenBLAS core \(core) (OPENBLAS_CORETYPE=\(asked) names no core OpenBLAS knows; it chose \(core) itself"
        }
        return text + "), \(threadCount) thread\(threadCount == 1 ? "" : "s")"
    }

    /// OPENBLAS_CORETYPE when it names a core other than the one running: OpenBLAS ignores
    /// a name it does not know (a typo, "junk") and picks by the CPU, as without it.
    public static var unknownRequestedCore: String? {
        guard let asked = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !asked.isEmpty else { return nil }
        return asked.caseInsensitiveCompare(core) == .orderedSame ? nil : asked
    }
}

/// How OpenBLAS's worker threads wait between calls.
///
/// After each multithreaded call, OpenBLAS's workers spin for about 2^28 cycles (a tenth
/// of a second) before they sleep, in case another call follows at once. A training step
/// alternates GEMMs with elementwise passes (ReLU, batch norm, Adam) that this engine
/// splits across the cores itself, so a spinning worker takes a core away from those
/// passes: measured on a Zen 4 EPYC, the MLP benchmark's step went from 0.65-0.70 of
/// sgemm to 0.81 with workers that sleep at once (2^4 cycles), and the NICE MLE step from
/// 554 to 691 images/s. Sleeping at once has its own cost, a futex wake-up and a context
/// switch at every call: on a Zen 5 EPYC with AVX-512 kernels, where a step's GEMMs take
/// half as long, a spin of 2^18 cycles (about 0.1 ms, long enough to bridge the gap
/// between the products of one layer, short enough to sleep through an elementwise
/// pass) measured 2-6% faster than 2^4 in alternating runs (MLE step 55.5-57.0 against
/// 57.9-58.6 ms, hybrid iteration 312-324 against 334-336 ms). OpenBLAS reads the wait,
/// as the exponent `OPENBLAS_THREAD_TIMEOUT` (4 to 30), from the environment when the
/// library loads, before `main` runs; so, unless the user has set it, this sets it to 18, has
/// OpenBLAS read its environment again and restarts its thread pool, once, before the
/// first BLAS call. The three functions it needs are exported by libopenblas but not
/// declared in cblas.h, so they are looked up at run time: with another BLAS, or an
/// OpenBLAS without them, nothing changes.
public enum BLASThreads {
    /// The exponent of the spin wait in effect (nil when OpenBLAS's own default is kept).
    public static var timeoutExponent: Int? { configured }

    /// Applies the short wait; cheap after the first call. LinearAlgebra and gemm call it.
    @inline(__always)
    public static func configure() { _ = configured }

    private static let configured: Int? = {
        let variable = "OPENBLAS_THREAD_TIMEOUT"
        if let text = ProcessInfo.processInfo.environment[variable] { return Int(text) }
        typealias Call = @convention(c) () -> Int32
        typealias Procedure = @convention(c) () -> Void
        let handle = dlopen(nil, RTLD_NOW)
        guard let readEnvironment = dlsym(handle, "openblas_read_env"),
              let shutdown = dlsym(handle, "blas_thread_shutdown_"),
              let start = dlsym(handle, "blas_thread_init") else { return nil }
        setenv(variable, String(spinExponent), 1)
        unsafeBitCast(readEnvironment, to: Procedure.self)()
        _ = unsafeBitCast(shutdown, to: Call.self)()
        _ = unsafeBitCast(start, to: Call.self)()
        return spinExponent
    }()

    private static let spinExponent = 18
}
