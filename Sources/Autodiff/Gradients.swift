import TensorCore

/// The gradients of a scalar `output` with respect to each of `targets`.
///
/// Reverse mode: the variables that lie on a path from a target to the output are put in
/// topological order, the output receives the seed gradient 1 (or `seed`), and each
/// recorded operation, visited from the output back, passes its gradient to its inputs
/// through its VJP; gradients reaching a variable along several paths are added.
/// Operations off every path to a target are skipped.
///
/// With `createGraph: true` the backward pass is itself recorded, so the returned
/// gradients are variables that can be differentiated again (double backpropagation).
/// A target the output does not depend on gets a zero gradient.
public func gradients(of output: Variable, withRespectTo targets: [Variable],
                      seed: Tensor? = nil, createGraph: Bool = false) -> [Variable] {
    var result = [Variable?](repeating: nil, count: targets.count)
    backpropagate(output, to: targets, seed: seed, createGraph: createGraph) { i, gradient in result[i] = gradient }
    return result.map { $0! }
}

/// Reverse mode like `gradients(of:withRespectTo:)`, handing each target's gradient to
/// `body(index, gradient)` as soon as it is complete, while the backward pass goes on.
///
/// A variable's gradient is complete once every operation that used it has passed its
/// share back, which in reverse topological order is the moment the pass reaches it. An
/// optimiser can then update a parameter while its gradient (and the parameter, just read
/// by the same operation's VJP) are still in cache. Targets the output does not depend on
/// are handed a zero gradient at the end. `body` may change a target's value: no
/// operation left in the pass reads it.
public func forEachGradient(of output: Variable, withRespectTo targets: [Variable],
                            _ body: (Int, Variable) -> Void) {
    backpropagate(output, to: targets, seed: nil, createGraph: false, body)
}

// [book:reference-backpropagation]
/// Reverse mode in its plainest form, to read beside micrograd's `backward()`: put the
/// variables between the targets and the output in topological order, give the output
/// the gradient 1, and walk the order backwards, each operation passing its gradient to
/// its inputs through its VJP; gradients arriving along several paths are added.
///
/// This is the definition `backpropagate` (Gradients+FastPath.swift, what training
/// runs) must agree with; the tests check that it does, on graphs where every one of its
/// optimisations fires.
public func referenceGradients(of output: Variable, withRespectTo targets: [Variable]) -> [Tensor] {
    let order = pathsToTargets(from: output, targets: targets)
    var gradient: [ObjectIdentifier: Tensor] = [ObjectIdentifier(output): Tensor(ones: output.shape)]
    GradientRecording.withoutRecording {
        for variable in order.reversed() {
            guard let node = variable.node, let g = gradient[ObjectIdentifier(variable)] else { continue }
            let needed = node.inputs.map { order.contains($0) }
            let shares = node.backward(Variable(g), variable, needed)
            for (input, share) in zip(node.inputs, shares) {
                guard let share, order.contains(input) else { continue }
                let id = ObjectIdentifier(input)
                gradient[id] = gradient[id].map { $0 + share.value } ?? share.value
            }
        }
    }
    return targets.map { gradient[ObjectIdentifier($0)] ?? Tensor(zeros: $0.shape) }
}
// [/book:reference-backpropagation]

/// The variables on some path from a target to `output`, in topological order (inputs
/// before the operations that use them), as an ordered set.
struct GraphOrder {
    var list: [Variable] = []
    var members: Set<ObjectIdentifier> = []
    func contains(_ v: Variable) -> Bool { members.contains(ObjectIdentifier(v)) }
    func reversed() -> ReversedCollection<[Variable]> { list.reversed() }
}

func pathsToTargets(from output: Variable, targets: [Variable]) -> GraphOrder {
    let targetIDs = Set(targets.map(ObjectIdentifier.init))
    // Iterative depth-first search: post-order gives a topological order, and a variable
    // leads to a target if it is one or one of its inputs does.
    var leads: [ObjectIdentifier: Bool] = [:]
    var order = GraphOrder()
    var stack: [(Variable, Int)] = [(output, 0)]
    while let (variable, next) = stack.popLast() {
        let id = ObjectIdentifier(variable)
        let inputs = variable.node?.inputs ?? []
        if next < inputs.count {
            stack.append((variable, next + 1))
            let input = inputs[next]
            if input.requiresGradient && leads[ObjectIdentifier(input)] == nil {
                stack.append((input, 0))
            }
            continue
        }
        if leads[id] != nil { continue }
        let reaches = targetIDs.contains(id) || inputs.contains { leads[ObjectIdentifier($0)] == true }
        leads[id] = reaches
        if reaches {
            order.list.append(variable)
            order.members.insert(id)
        }
    }
    return order
}

/// The full Jacobian ∂f/∂x of a map between flat vectors, [outputs, inputs], row by row:
/// one backward pass per output coordinate, seeded with that coordinate's unit vector.
/// For the course's checks (log-determinants, singular values), not for training.
public func jacobian(of f: (Variable) -> Variable, at point: Tensor) -> Tensor {
    let x = Variable(point, requiresGradient: true)
    let y = f(x)
    let outputs = y.value.count, inputs = point.count
    var result = Tensor(uninitializedShape: [outputs, inputs])
    let rows = result.unsafeWritePointer()
    for i in 0..<outputs {
        var seed = Tensor(zeros: y.shape)
        seed.withUnsafeMutableBufferPointer { $0[i] = 1 }
        let row = gradients(of: y, withRespectTo: [x], seed: seed)[0].value
        (rows + i * inputs).update(from: row.unsafeReadPointer, count: inputs)
    }
    return result
}
