import Foundation
import Testing
import TestSupport
@testable import FlowGANTool

/// `flowgan check` on the committed seed runs (each number must read back as the value the
/// range scripts recorded for that seed, and fall inside its own range) and on doctored
/// copies (a number moved out of range, a --quick run, a truncated file).
@Suite("flowgan check")
struct FlowGANCheckTests {
    static let root = (repositoryDataFolder as NSString).deletingLastPathComponent
    static func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }
    static let rangesFiles = ["Figures/chapter-seeds/ranges.json", "Figures/ch05-seeds/ranges.json"].map(path)

    /// Each seed's results files, as the range scripts read them.
    static func seedFiles() -> [(seed: Int, file: String)] {
        var files: [(Int, String)] = (2...6).map { (0, path("Figures/ch0\($0)-results.json")) }
        for seed in 1...3 {
            files += (2...4).map { (seed, path("Figures/chapter-seeds/ch0\($0)-seed-\(seed)/ch0\($0)-results.json")) }
            files += (5...6).map { (seed, path("Figures/ch05-seeds/seed-\(seed)/ch0\($0)-results.json")) }
        }
        return files.filter { FileManager.default.fileExists(atPath: $0.1) }
    }

    @Test("every number read from a committed seed's file is the value the range scripts recorded for that seed, and inside its range")
    func committedSeedsReadBack() throws {
        var checked = 0
        for rangesFile in Self.rangesFiles {
            let ranges = try SeedRanges(path: rangesFile)
            let top = try #require(try readJSON(rangesFile) as? [String: Any])
            let seeds = try #require(top["seeds"] as? [Int])
            let numbers = try #require(top["numbers"] as? [String: [String: Any]])
            for (seed, file) in Self.seedFiles() {
                let name = (file as NSString).lastPathComponent
                guard ranges.appliesTo[name] != nil, let position = seeds.firstIndex(of: seed) else { continue }
                let results = try readJSON(file)
                #expect(ranges.mismatch(of: results, settings: ranges.appliesTo[name]!) == nil, "\(file)")
                for line in try ranges.check(results, file: name) {
                    let recorded = try #require((numbers[line.name]?["per_seed"] as? [Any])?[position] as? NSNumber).doubleValue
                    #expect(abs(line.value - recorded) <= 1e-12 * max(1, abs(recorded)), "\(line.name), seed \(seed)")
                    #expect(line.inside, "\(line)")
                    checked += 1
                }
            }
        }
        // 4 seeds of chapters 02-04 (16 + 2 + 12 numbers) and of 05-06 (13 + 28).
        #expect(checked == 4 * (16 + 2 + 12 + 13 + 28), "\(checked) numbers checked")
    }

    /// Runs `flowgan check` on a copy of `relative` changed by `edit`.
    static func checkDoctored(_ relative: String, _ edit: (inout [String: Any]) -> Void) throws -> (status: Int32, output: String, errors: String) {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        var results = try #require(try readJSON(path(relative)) as? [String: Any])
        edit(&results)
        let copy = scratch.file((relative as NSString).lastPathComponent)
        try JSONSerialization.data(withJSONObject: results).write(to: URL(fileURLWithPath: copy))
        let arguments = ["check", copy] + rangesFiles.flatMap { ["--ranges", $0] }
        let (status, output) = try FlowGANCommandLineTests.run(arguments)
        let (_, errors) = try FlowGANCommandLineTests.run(arguments, readErrors: true)
        return (status, output, errors)
    }

    @Test("a doctored file: the number moved out of its range is reported outside, by how much; the others stay inside")
    func doctoredNumber() throws {
        let (status, output, _) = try Self.checkDoctored("Figures/ch03-results.json") { $0["test_nll_nats"] = -3000.0 }
        #expect(status == 0)
        #expect(output.contains("ch03_test_nll_nats: -3000, range -3204.5 to -3201.2"), "\(output)")
        #expect(output.contains("OUTSIDE, above by 201.2"), "\(output)")
        #expect(output.contains("ch03_test_bits_per_dim") && output.contains("1 of 2 numbers outside the book's ranges: ch03_test_nll_nats"), "\(output)")
        let (_, moved, _) = try Self.checkDoctored("Figures/ch05-results.json") { results in
            var mle = results["mle"] as! [String: Any]
            mle["test_nll_nats"] = (mle["test_nll_nats"] as! Double) - 100
            results["mle"] = mle
        }
        // MLE's NLL moved 100 nats down: its own number and the hybrid-minus-MLE difference leave their ranges.
        #expect(moved.contains("2 of 13 numbers outside the book's ranges: hybrid_minus_mle_nats, mle_test_nll_nats"), "\(moved)")
    }

    @Test("a --quick run, a missing key and a truncated file are refused in one line with exit status 1")
    func refusedFiles() throws {
        let quick = try Self.checkDoctored("Figures/ch03-results.json") { $0["quick"] = true }
        #expect(quick.status == 1 && quick.errors.contains("its quick is true, not false"), "\(quick.errors)")
        #expect(quick.errors.split(separator: "\n").count == 1)
        let missing = try Self.checkDoctored("Figures/ch03-results.json") { $0.removeValue(forKey: "test_bits_per_dim") }
        #expect(missing.status == 1 && missing.errors.contains("has no value for ch03_test_bits_per_dim"), "\(missing.errors)")
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let truncated = scratch.file("ch03-results.json")
        let text = try String(contentsOfFile: Self.path("Figures/ch03-results.json"), encoding: .utf8)
        try String(text.prefix(text.count / 2)).write(toFile: truncated, atomically: true, encoding: .utf8)
        let (status, errors) = try FlowGANCommandLineTests.run(["check", truncated], readErrors: true)
        #expect(status == 1 && errors.hasPrefix("Error: ") && errors.contains("not valid JSON"), "\(errors)")
    }
}
