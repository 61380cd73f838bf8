/// A named stream of random numbers: each use of randomness in the course draws from a
/// stream of its own (a PCG increment), so that adding draws to one use never shifts
/// another, and a name says which use a number belongs to. The library's streams are
/// declared here; each chapter declares its own beside its code, with numbers of its own.
public struct RandomStream: Hashable, Sendable {
    public let number: UInt64
    public init(_ number: UInt64) { self.number = number }

    /// Dequantisation noise of training batches.
    public static let trainingNoise = RandomStream(1001)
    /// The order in which each epoch visits the training set (seeded by seed + epoch).
    public static let batchOrder = RandomStream(2002)
    /// Dequantisation noise of exact-NLL evaluations (with `evaluationSeed`, the same for
    /// every evaluation, so that two evaluations of the same images compare).
    public static let evaluationNoise = RandomStream(3003)
    /// Critic batches, the gradient penalty's interpolation weights and generator latents.
    public static let adversarial = RandomStream(4004)

    /// The seed of the evaluation streams: fixed, whatever the run's seed.
    public static let evaluationSeed: UInt64 = 12345
}

extension RandomGenerator {
    /// A generator of a named stream.
    public init(seed: UInt64, stream: RandomStream) {
        self.init(seed: seed, stream: stream.number)
    }

    /// The dequantisation noise every exact-NLL evaluation starts from.
    public static var evaluationNoise: RandomGenerator {
        RandomGenerator(seed: RandomStream.evaluationSeed, stream: .evaluationNoise)
    }
}
