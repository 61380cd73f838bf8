import TensorCore
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A node of a define-by-run computation graph: a tensor value, and, when it was
/// computed from variables that require gradients, the rule that sends a gradient back
/// to those inputs.
///
/// Every operation on variables computes its value immediately and, while recording is
/// on, remembers its inputs and its vector-Jacobian product (VJP): the function
/// g ↦ gᵀ ∂output/∂input for each input. The VJPs are themselves written with
/// operations on variables, so when the backward pass runs with recording on
/// (`createGraph: true`), it builds a new graph that can be differentiated again:
/// gradients of gradients, which the WGAN gradient penalty needs.
public final class Variable {
    /// The value. Optimisers update parameters' values in place.
    public var value: Tensor
    /// Whether gradients flow to or through this variable.
    public let requiresGradient: Bool
    let node: GraphNode?

    /// A leaf: a parameter (`requiresGradient: true`) or a constant input.
    public init(_ value: Tensor, requiresGradient: Bool = false) {
        self.value = value
        self.requiresGradient = requiresGradient
        self.node = nil
    }

    init(value: Tensor, node: GraphNode) {
        self.value = value
        self.requiresGradient = true
        self.node = node
    }

    public var shape: [Int] { value.shape }
    /// Whether this variable was computed by a recorded operation.
    public var isLeaf: Bool { node == nil }

    /// Records an operation's result. `backward(gradient, output, needs)` returns one
    /// gradient per input (nil where `needs` is false or the input has no gradient).
    /// The output is passed back in, so a VJP may use it (exp, tanh, sigmoid) without a
    /// reference cycle.
    ///
    /// `accumulate(gradient, i, &sum)`, when given, may add input `i`'s share of the
    /// gradient into `sum` in place and return true (or return false and leave `sum`
    /// alone). The backward pass offers it when input `i` already holds a running sum
    /// and no graph of the gradients is being built; the default is `backward`'s new
    /// tensor added to the sum. Matrix products use it to accumulate with beta = 1.
    public static func record(_ value: Tensor, inputs: [Variable],
                              accumulate: ((_ gradient: Variable, _ input: Int, _ sum: inout Tensor) -> Bool)? = nil,
                              backward: @escaping (_ gradient: Variable, _ output: Variable,
                                                   _ needs: [Bool]) -> [Variable?]) -> Variable {
        if GradientRecording.isEnabled && inputs.contains(where: \.requiresGradient) {
            return Variable(value: value, node: GraphNode(inputs: inputs, backward: backward, accumulate: accumulate))
        }
        return Variable(value)
    }
}

final class GraphNode {
    let inputs: [Variable]
    let backward: (Variable, Variable, [Bool]) -> [Variable?]
    let accumulate: ((Variable, Int, inout Tensor) -> Bool)?

    init(inputs: [Variable], backward: @escaping (Variable, Variable, [Bool]) -> [Variable?],
         accumulate: ((Variable, Int, inout Tensor) -> Bool)? = nil) {
        self.inputs = inputs
        self.backward = backward
        self.accumulate = accumulate
    }
}

/// Whether operations record themselves for differentiation. On by default; the
/// backward pass turns it off unless asked to build a graph of the gradients.
///
/// The switch is per thread (POSIX thread-specific storage), so a graph built on one
/// thread is never affected by a backward pass running on another.
public enum GradientRecording {
    /// Thread-specific slot: empty (nil) means recording, a non-nil marker means off.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "cannot create the gradient-recording thread key")
        return key
    }()
    private static let offMarker = UnsafeMutableRawPointer(bitPattern: 1)!

    public static var isEnabled: Bool { pthread_getspecific(key) == nil }

    /// Runs `body` with recording on or off on this thread, restoring the previous state after.
    public static func with<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
        let saved = pthread_getspecific(key)
        pthread_setspecific(key, enabled ? nil : offMarker)
        defer { pthread_setspecific(key, saved) }
        return try body()
    }

    /// Runs `body` without recording: for evaluation and sampling.
    public static func withoutRecording<R>(_ body: () throws -> R) rethrows -> R {
        try with(false, body)
    }
}
