import TensorCore

// Convolution and its two adjoints. Convolution is bilinear in (x, w), and each of the
// three maps below is the VJP of the others:
//   y  = conv2d(x, w)
//   dx = conv2dTransposeInput(dy, w)    with <y, dy> = <x, dx>
//   dw = conv2dTransposeWeight(x, dy)   with <y, dy> = <w, dw>
// so the gradient of any of them is a combination of the three, and second-order
// gradients through convolutional critics come for free.
//
// conv2d and conv2dTransposeWeight both multiply by the im2col matrix of their first
// argument (`Tensor.convolutionColumns`). Training differentiates once: there a
// convolution's VJP is `Tensor.conv2dAdjoints`, which rebuilds x's columns a few images
// at a time instead of keeping the batch's. When the backward pass is itself recorded
// (the WGAN-GP penalty), the VJPs are the three differentiable operations, and the VJP of
// conv2dTransposeInput builds the columns of its incoming gradient once for both products.

extension Variable {
    public static func conv2d(_ x: Variable, _ w: Variable, stride: Int = 1, padding: Int = 0) -> Variable {
        conv2d(x, w, stride: stride, padding: padding, columns: nil)
    }

    public static func conv2dTransposeWeight(_ x: Variable, _ dy: Variable, weightShape: [Int],
                                             stride: Int, padding: Int) -> Variable {
        conv2dTransposeWeight(x, dy, weightShape: weightShape, stride: stride, padding: padding, columns: nil)
    }

    /// `columns`, when given, is x's `Tensor.convolutionColumns` for this geometry.
    static func conv2d(_ x: Variable, _ w: Variable, stride: Int, padding: Int, columns: Tensor?) -> Variable {
        let value = Tensor.conv2d(x.value, w.value, stride: stride, padding: padding, columns: columns)
        return record(value, inputs: [x, w]) { g, _, needs in
            guard GradientRecording.isEnabled else {
                // A first-order pass (training): both adjoints in one sweep over slices of
                // images, the same numbers as the two operations below without their
                // batch-sized im2col matrices.
                let (dx, dw) = Tensor.conv2dAdjoints(x.value, w.value, g.value, stride: stride, padding: padding,
                                                     input: needs[0], weight: needs[1])
                return [dx.map { Variable($0) }, dw.map { Variable($0) }]
            }
            return [needs[0] ? conv2dTransposeInput(g, w, inputShape: x.shape, stride: stride, padding: padding) : nil,
                    needs[1] ? conv2dTransposeWeight(x, g, weightShape: w.shape, stride: stride, padding: padding,
                                                     columns: columns) : nil]
        }
    }

    public static func conv2dTransposeInput(_ dy: Variable, _ w: Variable, inputShape: [Int],
                                            stride: Int, padding: Int) -> Variable {
        let value = Tensor.conv2dTransposeInput(dy.value, w.value, inputShape: inputShape,
                                                stride: stride, padding: padding)
        return record(value, inputs: [dy, w]) { g, _, needs in
            let columns = needs[0] || needs[1]
                ? Tensor.convolutionColumns(g.value, weightShape: w.shape, stride: stride, padding: padding) : nil
            return [needs[0] ? conv2d(g, w, stride: stride, padding: padding, columns: columns) : nil,
                    needs[1] ? conv2dTransposeWeight(g, dy, weightShape: w.shape, stride: stride, padding: padding,
                                                     columns: columns) : nil]
        }
    }

    /// `columns`, when given, is x's `Tensor.convolutionColumns` for this geometry.
    static func conv2dTransposeWeight(_ x: Variable, _ dy: Variable, weightShape: [Int],
                                      stride: Int, padding: Int, columns: Tensor?) -> Variable {
        let columns = columns ?? Tensor.convolutionColumns(x.value, weightShape: weightShape, stride: stride, padding: padding)
        let value = Tensor.conv2dTransposeWeight(x.value, dy.value, weightShape: weightShape,
                                                 stride: stride, padding: padding, columns: columns)
        return record(value, inputs: [x, dy]) { g, _, needs in
            [needs[0] ? conv2dTransposeInput(dy, g, inputShape: x.shape, stride: stride, padding: padding) : nil,
             needs[1] ? conv2d(x, g, stride: stride, padding: padding, columns: columns) : nil]
        }
    }
}
