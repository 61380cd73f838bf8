import Foundation
import Testing
import TestSupport
import BLASKernels
@testable import TensorCore

/// The choice of OpenBLAS kernels (Sources/BLASKernels): the CPU's features read against
/// /proc/cpuinfo, the self-check against products that are right and wrong, and whole
/// programs started with and without OPENBLAS_CORETYPE.
@Suite("OpenBLAS kernels chosen by the CPU's features")
struct BLASKernelsTests {
    /// The flags the kernel lists for the first CPU, an oracle independent of cpuid.
    static func cpuFlags() -> Set<String>? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return nil }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    @Test("the core for this CPU follows the flags in /proc/cpuinfo")
    func coreForCPU() throws {
        let flags = try #require(Self.cpuFlags(), "no flags line in /proc/cpuinfo")
        let chosen = flowgan_blas_core_for_cpu().map { String(cString: $0) }
        let avx512 = ["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"].allSatisfy(flags.contains)
        let avx2 = flags.contains("avx2") && flags.contains("fma")
        #expect(chosen == (avx512 && avx2 ? "SkylakeX" : avx2 ? "Haswell" : nil))
    }

    @Test("OpenBLAS's generic cores are told from its AVX2 and AVX-512 ones")
    func genericCores() {
        for core in ["Prescott", "Core2", "Nehalem", "Sandybridge", "Barcelona", "Unknown", "Atom"] {
            #expect(flowgan_blas_core_is_generic(core) == 1, "\(core)")
        }
        for core in ["Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", "skylakex"] {
            #expect(flowgan_blas_core_is_generic(core) == 0, "\(core)")
        }
    }

    @Test("the self-check passes the kernels in use and rejects a wrong product")
    func selfCheck() {
        #expect(flowgan_blas_self_check() == 1)
        // A 7x5 product with k = 300 summed in float in reverse order: a legitimate
        // rounding, which must pass. The allowed error is 2γ_k Σ|a||b| ≈ 2 · 1.8e-5 · 75 ≈
        // 3e-3 here (entries near ±6), so one entry off by 0.05 must fail, and so must a
        // transposed reading of a.
        let (m, n, k) = (7, 5, 300)
        let a = sampleTensor([m, k], seed: 3).values, b = sampleTensor([k, n], seed: 4).values
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in (0..<k).reversed() { c[i * n + j] += a[i * k + p] * b[p * n + j] } } }
        #expect(flowgan_blas_product_agrees(Int32(m), Int32(n), Int32(k), 0, 0, a, b, c) == 1)
        var wrong = c
        wrong[17] += 0.05
        #expect(flowgan_blas_product_agrees(Int32(m), Int32(n), Int32(k), 0, 0, a, b, wrong) == 0)
        #expect(flowgan_blas_product_agrees(Int32(m), Int32(n), Int32(k), 1, 0, a, b, c) == 0)
    }

    /// Runs `flowgan-bench blas --json` (built beside the test bundle) with `environment`
    /// changed, and returns its fields.
    static func benchBLAS(setting: [String: String], removing: [String]) throws -> [String: String] {
        let binary = try #require(builtProgram("flowgan-bench"), "flowgan-bench is not built beside the tests; run `swift build` first")
        var environment = ProcessInfo.processInfo.environment
        for name in removing { environment[name] = nil }
        environment.merge(setting) { $1 }
        let (status, output) = try runProgram(binary, ["blas", "--json"], environment: environment)
        try #require(status == 0, "flowgan-bench blas exited \(status)")
        let object = try JSONSerialization.jsonObject(with: output) as? [String: Any]
        return try #require(object).compactMapValues { $0 as? String }
    }

    static let engineVariables = ["OPENBLAS_CORETYPE", "FLOWGAN_BLAS_CORE_CHOSEN", "FLOWGAN_BLAS_CORE_DETECTED"]

    @Test("with OPENBLAS_CORETYPE unset, a CPU with AVX2 runs AVX2 or wider kernels",
          .enabled(if: flowgan_blas_core_for_cpu() != nil, "this CPU has no AVX2 and FMA: nothing to choose"))
    func unsetGivesAFastCore() throws {
        let fields = try Self.benchBLAS(setting: [:], removing: Self.engineVariables)
        let core = try #require(fields["blas_core"])
        #expect(flowgan_blas_core_is_generic(core) == 0, "OpenBLAS runs \(core) on a CPU with AVX2")
        #expect(fields["self_check"] == "agrees")
        if fields["blas_core_origin"] == BLASInfo.Origin.engine.rawValue {
            #expect(fields["blas_core_detected"].map { flowgan_blas_core_is_generic($0) == 1 } == true)
        }
    }

    @Test("a value of OPENBLAS_CORETYPE set by the user is kept", arguments: ["Prescott", "Haswell"])
    func userValueKept(core: String) throws {
        let fields = try Self.benchBLAS(setting: ["OPENBLAS_CORETYPE": core], removing: Self.engineVariables)
        #expect(fields["blas_core"] == core)
        #expect(fields["blas_core_origin"] == BLASInfo.Origin.environment.rawValue)
    }
}
