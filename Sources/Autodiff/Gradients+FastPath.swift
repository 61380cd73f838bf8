import TensorCore

// The fast path of reverse mode, kept apart from its definition (`referenceGradients` in
// Gradients.swift, the one to read first). What makes training fast lives in three
// places, each behind its own file so that `Variable` and the reference backprop read
// like micrograd:
// - here: gradients handed to the optimiser as soon as they are complete, and running
//   sums added to in place instead of into new buffers;
// - TensorCore/TensorStorage.swift: the buffer pool that recycles tensors of the shapes a
//   training loop allocates again at every step;
// - BLASKernels (C): the choice of OpenBLAS's kernels for this CPU before `main` runs
//   (OpenBLAS's own threads follow OPENBLAS_NUM_THREADS; the elementwise kernels,
//   TensorCore/Parallel.swift, follow FLOWGAN_THREADS).
// The tests check the fast path equal to the reference on graphs where each of its
// optimisations fires (Tests/AutodiffTests/ReferenceBackpropagationTests.swift).

/// The reverse mode that training runs: `referenceGradients` plus three optimisations,
/// each tested equal to it. (1) Each target's gradient is handed to `deliver` as soon as
/// it is complete, so an optimiser can update it while it is in cache. (2) A running sum
/// no one else holds is added to in place (`isKnownUniquelyReferenced`), and (3) an
/// operation that can add its share straight into such a sum (`node.accumulate`, a
/// product with beta = 1) does so without a separate buffer. With `createGraph` the
/// pass is itself recorded, for double backpropagation.
func backpropagate(_ output: Variable, to targets: [Variable], seed: Tensor?, createGraph: Bool,
                   _ deliver: (Int, Variable) -> Void) {
    if seed == nil {
        precondition(output.value.count == 1,
                     "gradients(of:) needs a scalar output or a seed; got shape \(output.shape)")
    }
    let order = pathsToTargets(from: output, targets: targets)
    var targetIndices: [ObjectIdentifier: [Int]] = [:]
    for (i, target) in targets.enumerated() { targetIndices[ObjectIdentifier(target), default: []].append(i) }
    var delivered = [Bool](repeating: false, count: targets.count)
    GradientRecording.with(createGraph && GradientRecording.isEnabled) {
        var accumulated: [ObjectIdentifier: Variable] = [:]
        accumulated[ObjectIdentifier(output)] = Variable(seed ?? Tensor(ones: output.shape))
        for variable in order.reversed() {
            let id = ObjectIdentifier(variable)
            guard let gradient = accumulated[id] else { continue }
            // Every use of this variable lies later in the order and has been visited.
            if let indices = targetIndices[id] {
                for i in indices { deliver(i, gradient); delivered[i] = true }
            }
            accumulated[id] = nil
            guard let node = variable.node else { continue }
            var needs = node.inputs.map { order.contains($0) }
            if !createGraph, let accumulate = node.accumulate {
                // An input that already holds a running sum no one else sees may have this
                // operation's share added straight into it (a product with beta = 1).
                for (i, input) in node.inputs.enumerated() where needs[i] {
                    let key = ObjectIdentifier(input)
                    guard var sum = accumulated.removeValue(forKey: key) else { continue }
                    if isKnownUniquelyReferenced(&sum) && accumulate(gradient, i, &sum.value) { needs[i] = false }
                    accumulated[key] = sum
                }
                if !needs.contains(true) { continue }
            }
            let inputGradients = node.backward(gradient, variable, needs)
            for (i, (input, inputGradient)) in zip(node.inputs, inputGradients).enumerated() {
                guard let inputGradient, needs[i] else { continue }
                precondition(inputGradient.shape == input.shape,
                             "a VJP returned shape \(inputGradient.shape) for an input of shape \(input.shape)")
                let key = ObjectIdentifier(input)
                if var existing = accumulated.removeValue(forKey: key) {
                    // Without a graph to build, add into the running sum in place when no
                    // one else holds it (a VJP may hand the same variable to two inputs,
                    // or a gradient may already have been delivered): no new buffer, the
                    // same sums.
                    if !createGraph && isKnownUniquelyReferenced(&existing) {
                        existing.value.add(inputGradient.value)
                    } else {
                        existing = existing + inputGradient
                    }
                    accumulated[key] = existing
                } else {
                    accumulated[key] = inputGradient
                }
            }
        }
        for (i, target) in targets.enumerated() where !delivered[i] {
            deliver(i, Variable(Tensor(zeros: target.shape)))
        }
    }
}
