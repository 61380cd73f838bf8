import Foundation
import BLASKernels

/// The heap buffer behind a `Tensor`: `count` Float32 values, 64-byte aligned.
///
/// Buffers are recycled through `BufferPool`: a training loop allocates tensors of the
/// same few shapes at every step, and handing back a freed buffer of the right size
/// avoids both `malloc` and the page faults of fresh memory (large allocations are
/// `mmap`ed by glibc and would be faulted in again at every step).
public final class TensorStorage {
    public let count: Int
    /// Internal to TensorCore: code elsewhere reads through `Tensor.unsafeReadPointer` and
    /// writes through `Tensor.unsafeWritePointer()`, which copies shared storage first.
    @usableFromInline let pointer: UnsafeMutablePointer<Float>

    /// Uninitialised storage (a recycled buffer keeps whatever it held).
    public init(uninitializedCount count: Int) {
        self.count = count
        self.pointer = BufferPool.shared.take(count)
    }

    deinit { BufferPool.shared.give(pointer, count: count) }
}

/// A free list of buffers keyed by element count, bounded in total size.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()

    init() {
        // What the pool does not keep (beyond its bound) goes back to malloc, which by
        // default returns large blocks to the system at once, so the next step's tensors
        // of that size are page-faulted in again and zeroed by the kernel: 8% of Real
        // NVP's training step in a perf profile (AMD EPYC Zen 4). Ask it to keep them.
        flowgan_keep_freed_memory()
    }

    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    private let maximumPooledBytes = 1 << 30
    private let lock = NSLock()

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        lock.lock()
        if var list = free[n], let p = list.popLast() {
            free[n] = list
            pooledBytes -= n * 4
            lock.unlock()
            return p
        }
        lock.unlock()
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, 64, n * MemoryLayout<Float>.stride) == 0, let raw else {
            fatalError("out of memory allocating \(n) floats")
        }
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    func give(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let n = max(count, 1)
        lock.lock()
        if pooledBytes + n * 4 <= maximumPooledBytes {
            free[n, default: []].append(p)
            pooledBytes += n * 4
            lock.unlock()
        } else {
            lock.unlock()
            Foundation.free(p)
        }
    }
}
