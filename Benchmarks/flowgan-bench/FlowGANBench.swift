import ArgumentParser
import Foundation
import TensorCore
import BLASKernels
import Autodiff
import NeuralLayers

/// `flowgan-bench`: timings of the engine on the shapes the course trains. Run it in
/// release (`swift run -c release flowgan-bench mlp --json`).
@main
struct FlowGANBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowgan-bench",
        abstract: "Times the engine on the shapes of the Flow-GAN recipe.",
        discussion: """
        Each subcommand warms up, then times repeated steps and prints the rates it \
        measured. With --json it prints one JSON object on one line.
        """,
        subcommands: [BLASReport.self, MLPBenchmark.self, MLEBenchmark.self, RealNVPBenchmark.self, ConvolutionBenchmark.self, HybridBenchmark.self, KDEBenchmark.self, JacobianBenchmark.self])
}

/// Options shared by the benchmarks.
struct TimingOptions: ParsableArguments {
    @Option(help: "Steps run before timing starts.")
    var warmup: Int = 5

    @Option(help: "Steps timed.")
    var steps: Int = 30

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard (0...100_000).contains(warmup) else { throw ValidationError("--warmup must be in 0...100000, got \(warmup)") }
        guard (1...100_000).contains(steps) else { throw ValidationError("--steps must be in 1...100000, got \(steps)") }
    }
}

/// Seconds per call of `body`, the median over `repeats` timed calls after `warmup`.
func medianSeconds(warmup: Int, repeats: Int, _ body: () -> Void) -> Double {
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
}

/// Two computations timed in alternation, one call of each per round: the medians of
/// each one's seconds and the median of the per-round ratio first / second. This VM's
/// speed drifts by a third over tens of seconds; pairing the two calls within a round
/// keeps a drift from landing on one side of the comparison only.
func pairedMedianSeconds(warmup: Int, repeats: Int, _ first: () -> Void, _ second: () -> Void)
    -> (first: Double, second: Double, ratio: Double) {
    for _ in 0..<warmup { first(); second() }
    var a: [Double] = [], b: [Double] = []
    func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    for _ in 0..<repeats {
        a.append(seconds(first))
        b.append(seconds(second))
    }
    func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
    return (median(a), median(b), median(zip(a, b).map { $0 / $1 }))
}

/// `flowgan-bench blas`: which OpenBLAS kernels this process runs, and why.
struct BLASReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas",
        abstract: "Prints the OpenBLAS core in use, how it was chosen, and a self-check of its sgemm.")

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let cpuCore = flowgan_blas_core_for_cpu().map { String(cString: $0) } ?? "none"
        report([("benchmark", "blas"),
                ("core_for_cpu", cpuCore),
                ("self_check", flowgan_blas_self_check() == 1 ? "agrees" : "disagrees")], json: json)
    }
}

/// Prints `fields` as one JSON object or as aligned lines; every report ends with the
/// OpenBLAS core that ran and how it was chosen.
func report(_ fields: [(String, Any)], json: Bool) {
    let fields = fields + [("blas_core", BLASInfo.core), ("blas_core_origin", BLASInfo.origin.rawValue),
                           ("blas_core_detected", BLASInfo.detectedCore ?? "")]
    if json {
        let body = fields.map { key, value -> String in
            switch value {
            case let s as String: return "\"\(key)\": \"\(s)\""
            case let d as Double: return "\"\(key)\": \(String(format: "%.4g", d))"
            default: return "\"\(key)\": \(value)"
            }
        }
        print("{" + body.joined(separator: ", ") + "}")
    } else {
        for (key, value) in fields {
            let text = (value as? Double).map { String(format: "%.4g", $0) } ?? "\(value)"
            print(key.padding(toLength: 20, withPad: " ", startingAt: 0) + text)
        }
    }
}
