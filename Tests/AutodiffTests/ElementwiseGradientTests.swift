import Testing
import TestSupport
import TensorCore
import Autodiff

/// The elementwise functions of `Variable+Unary.swift`, each with inputs drawn inside
/// its domain (and, for the piecewise-linear ones, away from the kink at 0).
enum UnaryOperation: String, CaseIterable {
    case exp, log, log1p, softplus, sigmoid, tanh, relu, leakyRelu, leakyReluSlopeTenth
    case square, sqrt, negate

    func apply(_ x: Variable) -> Variable {
        switch self {
        case .exp: return x.exp()
        case .log: return x.log()
        case .log1p: return x.log1p()
        case .softplus: return x.softplus()
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        case .relu: return x.relu()
        case .leakyRelu: return x.leakyRelu()
        case .leakyReluSlopeTenth: return x.leakyRelu(slope: 0.1)
        case .square: return x.square()
        case .sqrt: return x.sqrt()
        case .negate: return -x
        }
    }

    func input(seed: UInt64) -> Tensor {
        let shape = [3, 4]
        switch self {
        case .log, .sqrt: return sampleTensor(shape, seed: seed, low: 0.5, high: 2)
        case .log1p: return sampleTensor(shape, seed: seed, low: -0.5, high: 1)
        case .softplus, .sigmoid, .tanh, .exp: return sampleTensor(shape, seed: seed, low: -2, high: 2)
        case .relu, .leakyRelu, .leakyReluSlopeTenth: return sampleAwayFromZero(shape, seed: seed)
        case .square, .negate: return sampleTensor(shape, seed: seed)
        }
    }
}

extension AutodiffTestSuite {
    @Suite("First-order gradients of elementwise functions")
    struct ElementwiseGradientTests {
        @Test("unary function matches central differences", arguments: UnaryOperation.allCases)
        func unary(_ operation: UnaryOperation) {
            expectFirstOrderGradients([operation.input(seed: 11)]) { operation.apply($0[0]) }
        }

        /// Operations between a variable and a plain Float.
        enum ScalarOperation: String, CaseIterable {
            case timesScalar, scalarTimes, plusScalar, minusScalar, scalarMinus, scalarOver, overScalar

            func apply(_ x: Variable) -> Variable {
                switch self {
                case .timesScalar: return x * 2.5
                case .scalarTimes: return -1.5 * x
                case .plusScalar: return x + 3
                case .minusScalar: return x - 0.75
                case .scalarMinus: return 2 - x
                case .scalarOver: return 1.5 / x
                case .overScalar: return x / 4
                }
            }
        }

        @Test("Float-with-Variable arithmetic matches central differences", arguments: ScalarOperation.allCases)
        func scalarArithmetic(_ operation: ScalarOperation) {
            // Positive inputs keep s / x away from its pole.
            let x = sampleTensor([2, 5], seed: 23, low: 0.5, high: 2)
            expectFirstOrderGradients([x]) { operation.apply($0[0]) }
        }

        /// Binary operations with both operands differentiated, over broadcasting shapes.
        struct BroadcastCase: CustomTestStringConvertible {
            let symbol: String
            let a: [Int], b: [Int]
            var testDescription: String { "\(a) \(symbol) \(b)" }

            func apply(_ x: Variable, _ y: Variable) -> Variable {
                switch symbol {
                case "+": return x + y
                case "-": return x - y
                case "*": return x * y
                default: return x / y
                }
            }
        }

        static let broadcastCases: [BroadcastCase] = [
            BroadcastCase(symbol: "*", a: [3, 4], b: [4]),
            BroadcastCase(symbol: "+", a: [2, 3, 4, 5], b: [1, 3, 1, 1]),
            BroadcastCase(symbol: "/", a: [3, 4], b: [3, 1]),
            BroadcastCase(symbol: "-", a: [4], b: [3, 4]),
            BroadcastCase(symbol: "*", a: [3, 1], b: [1, 4]),
            BroadcastCase(symbol: "/", a: [2, 1, 4], b: [3, 1]),
            BroadcastCase(symbol: "+", a: [3, 4], b: [3, 4]),
            BroadcastCase(symbol: "-", a: [2, 3, 4], b: [2, 1, 4]),
            BroadcastCase(symbol: "*", a: [2, 3], b: [2, 3]),
            BroadcastCase(symbol: "/", a: [2, 3], b: [2, 3]),
        ]

        @Test("broadcasting binary operation, both operands differentiated", arguments: broadcastCases)
        func broadcastBinary(_ operation: BroadcastCase) {
            let a = sampleTensor(operation.a, seed: 31)
            // Denominators in [0.5, 1.5]: far from 0, so the differences stay accurate.
            let b = sampleTensor(operation.b, seed: 37, low: 0.5, high: 1.5)
            expectFirstOrderGradients([a, b]) { operation.apply($0[0], $0[1]) }
        }

        @Test("reduced(toShape:) and broadcast(toShape:) are adjoint and differentiate correctly")
        func reduceAndBroadcast() {
            expectFirstOrderGradients([sampleTensor([2, 3, 4], seed: 41)]) { $0[0].reduced(toShape: [3, 1]) }
            expectFirstOrderGradients([sampleTensor([3, 1], seed: 43)]) { $0[0].broadcast(toShape: [2, 3, 4]) }
        }

        @Test("masked passes the gradient where the reference is positive, times the slope elsewhere")
        func masked() {
            let reference = Tensor(shape: [4], values: [1, -1, 0.5, -0.5])
            expectFirstOrderGradients([sampleTensor([4], seed: 47)]) {
                Variable.masked($0[0], positiveIn: reference, slope: 0.3)
            }
        }
    }
}
