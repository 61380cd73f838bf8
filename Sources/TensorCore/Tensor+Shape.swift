// Rearrangements: permutation of axes, concatenation and slicing along an axis, and the
// strided selection (every other feature) that splits a vector for a coupling layer.

extension Tensor {
    /// Normalises a possibly negative axis and checks it.
    public func axisIndex(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "axis \(axis) out of range for shape \(shape)")
        return a
    }

    /// The sizes before, along, and after `axis`: the tensor seen as [outer, n, inner].
    func split3(_ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Reorders the axes: result axis i is input axis `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "permutation \(order) for shape \(shape)")
        if order == Array(0..<rank) { return self }
        var inputStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inputStrides[i] = inputStrides[i + 1] * shape[i + 1] }
        let outShape = order.map { shape[$0] }
        let strides = order.map { inputStrides[$0] }
        let out = Tensor(uninitializedShape: outShape)
        let src = storage.pointer, dst = out.storage.pointer
        let inner = outShape.last!, innerStride = strides.last!
        let outerShape = Array(outShape.dropLast())
        // The output is written row by row (its last axis); rows are split across cores,
        // each chunk starting from the input offset of its first row. A last axis that
        // stays last is a contiguous run in the input too, copied in one call.
        parallelChunks(count / max(inner, 1), grain: max(1, (1 << 15) / max(inner, 1))) { rows in
            var index = [Int](repeating: 0, count: outerShape.count)
            var offset = 0, remainder = rows.lowerBound
            for axis in stride(from: outerShape.count - 1, through: 0, by: -1) {
                index[axis] = remainder % outerShape[axis]
                remainder /= outerShape[axis]
                offset += index[axis] * strides[axis]
            }
            for row in rows {
                let d = dst + row * inner
                if innerStride == 1 {
                    d.update(from: src + offset, count: inner)
                } else {
                    for j in 0..<inner { d[j] = src[offset + j * innerStride] }
                }
                var axis = outerShape.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    offset += strides[axis]
                    if index[axis] < outerShape[axis] { break }
                    offset -= strides[axis] * outerShape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return out
    }

    /// The transpose of a matrix.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a matrix, got shape \(shape)")
        return permuted([1, 0])
    }

    /// Joins tensors along `axis`; all other axes must agree.
    public static func concatenate(_ parts: [Tensor], alongAxis axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate of no tensors")
        let a = parts[0].axisIndex(axis)
        for p in parts {
            precondition(p.rank == parts[0].rank && p.shape.enumerated().allSatisfy { $0.offset == a || $0.element == parts[0].shape[$0.offset] },
                         "concatenate: shapes \(parts[0].shape) and \(p.shape) differ off axis \(axis)")
        }
        var shape = parts[0].shape
        shape[a] = parts.map { $0.shape[a] }.reduce(0, +)
        let out = Tensor(uninitializedShape: shape)
        let (outer, total, inner) = out.split3(a)
        var start = 0
        for p in parts {
            let n = p.shape[a]
            let src = p.storage.pointer, dst = out.storage.pointer
            for o in 0..<outer {
                (dst + (o * total + start) * inner).update(from: src + o * n * inner, count: n * inner)
            }
            start += n
        }
        return out
    }

    /// The elements with index in `range` along `axis`.
    public func slice(_ range: Range<Int>, alongAxis axis: Int) -> Tensor {
        stridedSelect(alongAxis: axis, start: range.lowerBound, step: 1, count: range.count)
    }

    /// Elements start, start + step, ... (`count` of them) along `axis`; with step 2 and
    /// start 0 or 1, the even or odd features.
    public func stridedSelect(alongAxis axis: Int, start: Int, step: Int, count n: Int? = nil) -> Tensor {
        let a = axisIndex(axis)
        let (outer, length, inner) = split3(a)
        let n = n ?? (length - start + step - 1) / step
        precondition(start >= 0 && step > 0 && n >= 0 && (n == 0 || start + (n - 1) * step < length),
                     "selection start \(start) step \(step) count \(n) out of range for axis of length \(length)")
        var shape = self.shape
        shape[a] = n
        let out = Tensor(uninitializedShape: shape)
        let src = storage.pointer, dst = out.storage.pointer
        for o in 0..<outer {
            if inner == 1 {
                // Single values (the even/odd features of [N, D]): a plain strided loop,
                // not a copy call per value.
                let from = src + o * length + start, to = dst + o * n
                for j in 0..<n { to[j] = from[j * step] }
                continue
            }
            for j in 0..<n {
                (dst + (o * n + j) * inner).update(from: src + (o * length + start + j * step) * inner, count: inner)
            }
        }
        return out
    }

    /// The adjoint of `stridedSelect`: a tensor of zeros with `length` entries along
    /// `axis`, with this tensor's entries placed at start, start + step, ...
    public func stridedScatter(alongAxis axis: Int, start: Int, step: Int, length: Int) -> Tensor {
        let a = axisIndex(axis)
        let n = split3(a).1
        precondition(start >= 0 && step > 0 && (n == 0 || start + (n - 1) * step < length),
                     "scatter of \(n) entries from \(start) by \(step) does not fit length \(length)")
        var shape = self.shape
        shape[a] = length
        let out = Tensor(zeros: shape)
        place(into: out, axis: a, start: start, step: step)
        return out
    }

    /// Copies this tensor's entries along axis `a` to positions start, start + step, ...
    /// of `out`, which has this shape except along `a`.
    private func place(into out: Tensor, axis a: Int, start: Int, step: Int) {
        let (outer, n, inner) = split3(a)
        let length = out.shape[a]
        let src = storage.pointer, dst = out.storage.pointer
        for o in 0..<outer {
            if inner == 1 {
                let from = src + o * n, to = dst + o * length + start
                for j in 0..<n { to[j * step] = from[j] }
                continue
            }
            for j in 0..<n {
                (dst + (o * length + start + j * step) * inner).update(from: src + (o * n + j) * inner, count: inner)
            }
        }
    }

    /// Interleaves `parts` along `axis`: part p fills positions p, p + k, p + 2k, ... of
    /// the result (k parts), so it inverts `stridedSelect(start: p, step: k)` for every
    /// p at once. Part p must have exactly the entries those positions need.
    public static func interleaved(_ parts: [Tensor], alongAxis axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "interleaved of no tensors")
        let a = parts[0].axisIndex(axis)
        let k = parts.count
        let length = parts.map { $0.shape[a] }.reduce(0, +)
        var shape = parts[0].shape
        shape[a] = length
        for (p, part) in parts.enumerated() {
            var expected = shape
            expected[a] = (length - p + k - 1) / k
            precondition(part.shape == expected, "interleaved: part \(p) has shape \(part.shape), expected \(expected)")
        }
        let out = Tensor(uninitializedShape: shape)
        for (p, part) in parts.enumerated() { part.place(into: out, axis: a, start: p, step: k) }
        return out
    }
}
