import TensorCore

// Convolution and its two adjoints. Convolution is bilinear in (x, w), and each of the
// three maps below is the VJP of the others:
//   y  = conv2d(x, w)
//   dx = conv2dTransposeInput(dy, w)    with <y, dy> = <x, dx>
//   dw = conv2dTransposeWeight(x, dy)   with <y, dy> = <w, dw>
// so the gradient of any of them is a combination of the three, and second-order
// gradients through convolutional critics come for free.

extension Variable {
    public static func conv2d(_ x: Variable, _ w: Variable, stride: Int = 1, padding: Int = 0) -> Variable {
        let value = Tensor.conv2d(x.value, w.value, stride: stride, padding: padding)
        return record(value, inputs: [x, w]) { g, _, needs in
            [needs[0] ? conv2dTransposeInput(g, w, inputShape: x.shape, stride: stride, padding: padding) : nil,
             needs[1] ? conv2dTransposeWeight(x, g, weightShape: w.shape, stride: stride, padding: padding) : nil]
        }
    }

    public static func conv2dTransposeInput(_ dy: Variable, _ w: Variable, inputShape: [Int],
                                            stride: Int, padding: Int) -> Variable {
        let value = Tensor.conv2dTransposeInput(dy.value, w.value, inputShape: inputShape,
                                                stride: stride, padding: padding)
        return record(value, inputs: [dy, w]) { g, _, needs in
            [needs[0] ? conv2d(g, w, stride: stride, padding: padding) : nil,
             needs[1] ? conv2dTransposeWeight(g, dy, weightShape: w.shape, stride: stride, padding: padding) : nil]
        }
    }

    public static func conv2dTransposeWeight(_ x: Variable, _ dy: Variable, weightShape: [Int],
                                             stride: Int, padding: Int) -> Variable {
        let value = Tensor.conv2dTransposeWeight(x.value, dy.value, weightShape: weightShape,
                                                 stride: stride, padding: padding)
        return record(value, inputs: [x, dy]) { g, _, needs in
            [needs[0] ? conv2dTransposeInput(dy, g, inputShape: x.shape, stride: stride, padding: padding) : nil,
             needs[1] ? conv2d(x, g, stride: stride, padding: padding) : nil]
        }
    }
}
