/// A dense Float32 array with a shape, stored contiguously in row-major order.
///
/// `Tensor` has value semantics: copies share storage until one of them is written,
/// and then the writer gets its own buffer (copy-on-write). Images are NCHW.
public struct Tensor {
    public private(set) var shape: [Int]
    @usableFromInline private(set) var storage: TensorStorage

    /// The number of elements, the product of `shape`.
    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// A tensor whose values are left for the caller to fill (used by kernels).
    public init(uninitializedShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: shape.reduce(1, *))
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(uninitializedShape: shape)
        let p = storage.pointer
        for i in 0..<count { p[i] = value }
    }

    public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }
    public init(ones shape: [Int]) { self.init(repeating: 1, shape: shape) }

    /// A tensor from values in row-major order; `values.count` must match `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count,
                     "\(values.count) values do not fill shape \(shape)")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { src in
            storage.pointer.update(from: src.baseAddress!, count: values.count)
        }
    }

    /// A rank-0 tensor holding one number.
    public init(scalar: Float) { self.init(shape: [], values: [scalar]) }

    /// The values in row-major order.
    public var values: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The single value of a tensor with one element.
    public var scalar: Float {
        precondition(count == 1, "scalar of a tensor of shape \(shape)")
        return storage.pointer[0]
    }

    /// A read-only pointer to the elements, for kernels outside TensorCore; valid while
    /// this tensor is alive.
    public var unsafeReadPointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }

    /// A pointer to write the elements through, for kernels outside TensorCore. Shared
    /// storage is copied first (copy-on-write), so a write never reaches another tensor;
    /// valid while this tensor is alive and not copied again.
    public mutating func unsafeWritePointer() -> UnsafeMutablePointer<Float> {
        makeUnique()
        return storage.pointer
    }

    /// Read-only access to the elements.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Write access; copies the storage first if another tensor shares it.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    @usableFromInline
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = TensorStorage(uninitializedCount: count)
            copy.pointer.update(from: storage.pointer, count: count)
            storage = copy
        }
    }

    /// Element access by a full multi-index (slow; for tests and small code).
    public subscript(index: Int...) -> Float {
        get { storage.pointer[flatIndex(index)] }
        set { makeUnique(); storage.pointer[flatIndex(index)] = newValue }
    }

    func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) for shape \(shape)")
        var flat = 0
        for (i, n) in Swift.zip(index, shape) {
            precondition(i >= 0 && i < n, "index \(index) out of range for shape \(shape)")
            flat = flat * n + i
        }
        return flat
    }

    /// The same values under another shape with the same number of elements (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var shape = newShape
        if let unknown = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != unknown }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(self.shape) to \(newShape)")
            shape[unknown] = count / known
        }
        precondition(shape.reduce(1, *) == count, "cannot reshape \(self.shape) to \(newShape)")
        var result = self
        result.shape = shape
        return result
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = values.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), values: [\(shown)\(count > 8 ? ", ..." : "")])"
    }
}

/// Checks that two shapes are equal, stopping with both named when they are not.
@inline(__always)
public func checkSameShape(_ a: [Int], _ b: [Int], _ operation: StaticString) {
    precondition(a == b, "\(operation): shapes \(a) and \(b) do not match")
}
