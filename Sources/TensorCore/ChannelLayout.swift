// Per-channel batch statistics and normalisation over raw storage: the tensor kernels of
// batch normalisation (Autodiff's `batchNorm` and NeuralLayers' `BatchNorm` use them).

/// The per-channel mean and (biased) variance of one batch.
public struct BatchStatistics {
    public let mean: Tensor
    public let variance: Tensor
}

/// A tensor seen as [outer, channels, inner] with channels on axis 1.
public struct ChannelLayout {
    public let outer: Int, channels: Int, inner: Int
    public let rank: Int

    public init(_ shape: [Int]) {
        precondition(shape.count >= 2, "channel layout needs [N, C, ...], got \(shape)")
        outer = shape[0]
        channels = shape[1]
        inner = shape[2...].reduce(1, *)
        rank = shape.count
    }

    public var valuesPerChannel: Int { outer * inner }
    /// Every axis but the channel axis.
    public var reducedAxes: [Int] { [0] + Array(2..<rank) }
    /// [1, C, 1, ...]: a per-channel tensor laid out to broadcast against the input.
    public var broadcastShape: [Int] { [1, channels] + [Int](repeating: 1, count: rank - 2) }

    /// Per-channel mean and biased variance, in two passes accumulated in Double.
    public func statistics(_ x: Tensor) -> BatchStatistics {
        checkSameShape([x.count], [outer * channels * inner], "batch statistics input size")
        return statistics(of: x.storage.pointer)
    }

    /// The statistics of the `outer` samples stored from `p` on.
    public func statistics(of p: UnsafePointer<Float>) -> BatchStatistics {
        var sums = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)
        let m = Double(valuesPerChannel)
        if inner == 1 {
            // [N, C]: accumulate rows into per-channel Float partials, a vectorised loop.
            // (Raw pointers: no bounds checks in the loops over channels.)
            let partial = UnsafeMutablePointer<Float>.allocate(capacity: 2 * channels)
            defer { partial.deallocate() }
            let mean = partial + channels
            partial.initialize(repeating: 0, count: channels)
            for n in 0..<outer { let row = p + n * channels; for c in 0..<channels { partial[c] += row[c] } }
            for c in 0..<channels { sums[c] = Double(partial[c]); mean[c] = Float(sums[c] / m) }
            partial.update(repeating: 0, count: channels)
            for n in 0..<outer {
                let row = p + n * channels
                for c in 0..<channels { let d = row[c] - mean[c]; partial[c] += d * d }
            }
            for c in 0..<channels { squares[c] = Double(partial[c]) }
        } else {
            for n in 0..<outer {
                for c in 0..<channels {
                    let q = p + (n * channels + c) * inner
                    var s: Float = 0
                    for i in 0..<inner { s += q[i] }
                    sums[c] += Double(s)
                }
            }
            let mean = sums.map { Float($0 / m) }
            for n in 0..<outer {
                for c in 0..<channels {
                    let q = p + (n * channels + c) * inner
                    var s: Float = 0
                    let mu = mean[c]
                    for i in 0..<inner { let d = q[i] - mu; s += d * d }
                    squares[c] += Double(s)
                }
            }
        }
        return BatchStatistics(mean: Tensor(shape: [channels], values: sums.map { Float($0 / m) }),
                               variance: Tensor(shape: [channels], values: squares.map { Float($0 / m) }))
    }

    /// y = gamma (x - mean) invStd + beta, per channel, in one pass.
    public func normalize(_ x: Tensor, mean: Tensor, invStd: Tensor, gamma: Tensor, beta: Tensor) -> Tensor {
        let y = Tensor(uninitializedShape: x.shape)
        normalize(from: x.storage.pointer, to: y.storage.pointer, mean: mean, invStd: invStd, gamma: gamma, beta: beta)
        return y
    }

    /// `normalise` of the `outer` samples stored from `src` on, written from `dst` on.
    public func normalize(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>,
                   mean: Tensor, invStd: Tensor, gamma: Tensor, beta: Tensor) {
        // Per channel: y = scale · x + shift with scale = gamma·invStd, shift = beta - scale·mean.
        let scale = (0..<channels).map { gamma.storage.pointer[$0] * invStd.storage.pointer[$0] }
        let shift = (0..<channels).map { beta.storage.pointer[$0] - scale[$0] * mean.storage.pointer[$0] }
        scale.withUnsafeBufferPointer { a in
            shift.withUnsafeBufferPointer { b in
                parallelChunks(outer, grain: max(1, (1 << 15) / max(channels * inner, 1))) { rows in
                    for n in rows {
                        if inner == 1 {
                            let s = src + n * channels, d = dst + n * channels
                            for c in 0..<channels { d[c] = a[c] * s[c] + b[c] }
                        } else {
                            for c in 0..<channels {
                                let s = src + (n * channels + c) * inner, d = dst + (n * channels + c) * inner
                                let sc = a[c], sh = b[c]
                                for i in 0..<inner { d[i] = sc * s[i] + sh }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The closed-form backward pass (see the formulas above `batchNorm`).
    public func backward(_ g: Tensor, x: Tensor, mean: Tensor, invStd: Tensor, gamma: Tensor,
                         needInput: Bool) -> (dx: Tensor?, dgamma: Tensor, dbeta: Tensor) {
        let gp = g.storage.pointer, xp = x.storage.pointer
        let mu = mean.values, inv = invStd.values
        var sumG = [Float](repeating: 0, count: channels)
        var sumGX = [Float](repeating: 0, count: channels)   // Σ g (x - mu)
        if inner == 1 {
            // Through raw pointers, so the loop over channels runs without bounds checks,
            // vectorised; each channel's sums still add the rows in order.
            sumG.withUnsafeMutableBufferPointer { sg in
                sumGX.withUnsafeMutableBufferPointer { sgx in
                    mu.withUnsafeBufferPointer { mup in
                        let sg = sg.baseAddress!, sgx = sgx.baseAddress!, mup = mup.baseAddress!
                        for n in 0..<outer {
                            let gr = gp + n * channels, xr = xp + n * channels
                            for c in 0..<channels { sg[c] += gr[c]; sgx[c] += gr[c] * (xr[c] - mup[c]) }
                        }
                    }
                }
            }
        } else {
            for n in 0..<outer {
                for c in 0..<channels {
                    let gr = gp + (n * channels + c) * inner, xr = xp + (n * channels + c) * inner
                    var s: Float = 0, sx: Float = 0
                    let m = mu[c]
                    for i in 0..<inner { s += gr[i]; sx += gr[i] * (xr[i] - m) }
                    sumG[c] += s; sumGX[c] += sx
                }
            }
        }
        let dbeta = Tensor(shape: [channels], values: sumG)
        let dgamma = Tensor(shape: [channels], values: (0..<channels).map { sumGX[$0] * inv[$0] })
        guard needInput else { return (nil, dgamma, dbeta) }
        // dx = a·g + b·x + c per channel, with a = gamma·inv, b = -a·inv²·ΣgX/M,
        // c = -a·ΣG/M - b·mu (expanding x̂ = (x - mu)·inv).
        let m = Float(valuesPerChannel)
        let gam = gamma.values
        let a = (0..<channels).map { gam[$0] * inv[$0] }
        let b = (0..<channels).map { -a[$0] * inv[$0] * inv[$0] * sumGX[$0] / m }
        let c = (0..<channels).map { -a[$0] * sumG[$0] / m - b[$0] * mu[$0] }
        let dx = Tensor(uninitializedShape: x.shape)
        let dp = dx.storage.pointer
        // a, b and c side by side, read through one pointer (no bounds checks in the loop).
        (a + b + c).withUnsafeBufferPointer { coefficients in
            let ap = coefficients.baseAddress!, bp = ap + channels, cp = ap + 2 * channels
            parallelChunks(outer, grain: max(1, (1 << 15) / max(channels * inner, 1))) { rows in
                for n in rows {
                    if inner == 1 {
                        let gr = gp + n * channels, xr = xp + n * channels, d = dp + n * channels
                        for k in 0..<channels { d[k] = ap[k] * gr[k] + bp[k] * xr[k] + cp[k] }
                    } else {
                        for k in 0..<channels {
                            let o = (n * channels + k) * inner
                            let ak = ap[k], bk = bp[k], ck = cp[k]
                            for i in 0..<inner { dp[o + i] = ak * gp[o + i] + bk * xp[o + i] + ck }
                        }
                    }
                }
            }
        }
        return (dx, dgamma, dbeta)
    }
}
