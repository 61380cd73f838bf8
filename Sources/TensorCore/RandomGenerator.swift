import Foundation

/// A seedable random generator that gives the same stream on every machine.
///
/// The algorithm is PCG32 (O'Neill 2014, "PCG: A Family of Simple Fast Space-Efficient
/// Statistically Good Algorithms for Random Number Generation"), variant XSH-RR with
/// 64-bit state: `state = state * 6364136223846793005 + increment`, output
/// `rotr32(((state >> 18) ^ state) >> 27, state >> 59)` taken from the old state.
/// Seeding follows the reference `pcg32_srandom_r(initstate, initseq)`.
///
/// Distributions are built from it in documented, portable ways (no platform `random`).
public struct RandomGenerator {
    private var state: UInt64 = 0
    private let increment: UInt64

    /// The reference seeding: `seed` picks the starting point, `stream` the sequence.
    public init(seed: UInt64, stream: UInt64 = 54) {
        increment = (stream << 1) | 1
        _ = nextUInt32()
        state &+= seed
        _ = nextUInt32()
    }

    /// The generator's full state, for checkpoints: restoring it continues the stream exactly.
    public var snapshot: (state: UInt64, increment: UInt64) { (state, increment) }

    /// A generator continuing from a `snapshot`.
    public init(restoring snapshot: (state: UInt64, increment: UInt64)) {
        state = snapshot.state
        increment = snapshot.increment | 1
    }

    /// The next 32 random bits.
    public mutating func nextUInt32() -> UInt32 {
        let old = state
        state = old &* 6364136223846793005 &+ increment
        let xorShifted = UInt32(truncatingIfNeeded: ((old >> 18) ^ old) >> 27)
        let rotation = UInt32(truncatingIfNeeded: old >> 59)
        return (xorShifted >> rotation) | (xorShifted << ((~rotation &+ 1) & 31))
    }

    /// A uniform integer in `0..<bound`, without modulo bias (the reference's rejection
    /// of the low `2^32 mod bound` values).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0 && bound <= Int(UInt32.max), "bound \(bound) out of range")
        let b = UInt32(bound)
        let threshold = (~b &+ 1) % b
        while true {
            let r = nextUInt32()
            if r >= threshold { return Int(r % b) }
        }
    }

    /// Uniform on [0, 1): the top 24 bits scaled by 2^-24, exactly representable in Float.
    public mutating func nextUniform() -> Float {
        Float(nextUInt32() >> 8) * 0x1p-24
    }

    /// Uniform on the open interval (0, 1), for logarithms: (k + 0.5) · 2^-24 for the top
    /// 24 bits k, in Double. (In Float, k = 2^24 - 1 would round up to exactly 1, and a
    /// logistic draw would be infinite.)
    public mutating func nextOpenUniform() -> Double {
        RandomGenerator.openUniform(bits: nextUInt32() >> 8)
    }

    /// The open-interval uniform value of 24 random bits.
    public static func openUniform(bits k: UInt32) -> Double {
        (Double(k & 0xFF_FFFF) + 0.5) * 0x1p-24
    }

    /// The standard logistic value of an open-interval uniform u: log(u) - log(1 - u).
    public static func logistic(uniform u: Double) -> Float {
        Float(Foundation.log(u) - Foundation.log1p(-u))
    }

    /// A standard normal draw by the Box-Muller transform (one draw per two uniforms,
    /// computed in Double and rounded to Float).
    public mutating func nextNormal() -> Float {
        let u1 = nextOpenUniform()
        let u2 = Double(nextUniform())
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// A standard logistic draw, log(u) - log(1 - u): the inverse of the sigmoid.
    public mutating func nextLogistic() -> Float {
        RandomGenerator.logistic(uniform: nextOpenUniform())
    }

    /// A normal draw with standard deviation `std`, redrawn until it lies within two
    /// standard deviations of zero (TensorFlow's `truncated_normal`, used by the recipe).
    public mutating func nextTruncatedNormal(std: Float = 1) -> Float {
        while true {
            let x = nextNormal()
            if abs(x) <= 2 { return x * std }
        }
    }

    /// A uniformly random permutation of `0..<n` (Fisher-Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            p.swapAt(i, nextInt(below: i + 1))
        }
        return p
    }
}

extension Tensor {
    /// Uniform values on [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               generator: inout RandomGenerator) -> Tensor {
        fill(shape) { low + (high - low) * generator.nextUniform() }
    }

    /// Normal values with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                              generator: inout RandomGenerator) -> Tensor {
        fill(shape) { mean + std * generator.nextNormal() }
    }

    /// Standard logistic values.
    ///
    /// The same numbers as `nextLogistic()` drawn one after another: the random bits are
    /// drawn in order (the generator is sequential) and parked in the output, then the
    /// transform, two Double logarithms per value and the expensive part, runs split
    /// across cores.
    public static func logistic(_ shape: [Int], generator: inout RandomGenerator) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        let p = t.storage.pointer
        for i in 0..<t.count { p[i] = Float(bitPattern: generator.nextUInt32() >> 8) }
        parallelChunks(t.count, grain: 1 << 12) { range in
            for i in range { p[i] = RandomGenerator.logistic(uniform: RandomGenerator.openUniform(bits: p[i].bitPattern)) }
        }
        return t
    }

    /// Normal values redrawn outside two standard deviations.
    public static func truncatedNormal(_ shape: [Int], std: Float,
                                       generator: inout RandomGenerator) -> Tensor {
        fill(shape) { generator.nextTruncatedNormal(std: std) }
    }

    private static func fill(_ shape: [Int], _ next: () -> Float) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        let p = t.storage.pointer
        for i in 0..<t.count { p[i] = next() }
        return t
    }
}
