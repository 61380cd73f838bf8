import TensorCore

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
    /// A name for parameters (used by optimisers, checkpoints and error messages).
    public var name: String
    let node: GraphNode?

    /// A leaf: a parameter (`requiresGradient: true`) or a constant input.
    public init(_ value: Tensor, requiresGradient: Bool = false, name: String = "") {
        self.value = value
        self.requiresGradient = requiresGradient
        self.name = name
        self.node = nil
    }

    init(value: Tensor, node: GraphNode) {
        self.value = value
        self.requiresGradient = true
        self.name = ""
        self.node = node
    }

    public var shape: [Int] { value.shape }
    /// Whether this variable was computed by a recorded operation.
    public var isLeaf: Bool { node == nil }

    /// Records an operation's result. `backward(gradient, output, needs)` returns one
    /// gradient per input (nil where `needs` is false or the input has no gradient).
    /// The output is passed back in, so a VJP may use it (exp, tanh, sigmoid) without a
    /// reference cycle.
    public static func record(_ value: Tensor, inputs: [Variable],
                              backward: @escaping (_ gradient: Variable, _ output: Variable,
                                                   _ needs: [Bool]) -> [Variable?]) -> Variable {
        if GradientRecording.isEnabled && inputs.contains(where: \.requiresGradient) {
            return Variable(value: value, node: GraphNode(inputs: inputs, backward: backward))
        }
        return Variable(value)
    }
}

final class GraphNode {
    let inputs: [Variable]
    let backward: (Variable, Variable, [Bool]) -> [Variable?]

    init(inputs: [Variable], backward: @escaping (Variable, Variable, [Bool]) -> [Variable?]) {
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether operations record themselves for differentiation. On by default; the
/// backward pass turns it off unless asked to build a graph of the gradients.
public enum GradientRecording {
    nonisolated(unsafe) public private(set) static var isEnabled = true

    /// Runs `body` with recording on or off, restoring the previous state after.
    public static func with<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
        let saved = isEnabled
        isEnabled = enabled
        defer { isEnabled = saved }
        return try body()
    }

    /// Runs `body` without recording: for evaluation and sampling.
    public static func withoutRecording<R>(_ body: () throws -> R) rethrows -> R {
        try with(false, body)
    }
}
