import Dispatch
import Foundation

/// Splits `0..<count` into contiguous chunks and runs `body(range)` on each, using all
/// cores when the work is large enough to pay for the hand-off (about 10 microseconds),
/// and inline otherwise.
///
/// - Parameter grain: the smallest number of items worth giving a thread of its own.
@inlinable
public func parallelChunks(_ count: Int, grain: Int = 1 << 16, _ body: (Range<Int>) -> Void) {
    let workers = min(Parallelism.coreCount, max(1, count / grain))
    if workers <= 1 {
        body(0..<count)
        return
    }
    // Chunks are multiples of 16 elements so vectorised loops keep aligned, full blocks.
    let chunk = ((count + workers - 1) / workers + 15) & ~15
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        let start = w * chunk
        let end = min(count, start + chunk)
        if start < end { body(start..<end) }
    }
}

public enum Parallelism {
    /// The number of threads the elementwise kernels split work across: the machine's
    /// cores, or `FLOWGAN_THREADS` when set (OpenBLAS has its own `OPENBLAS_NUM_THREADS`).
    public static let coreCount: Int = {
        if let text = ProcessInfo.processInfo.environment["FLOWGAN_THREADS"], let n = Int(text), n >= 1 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
}
