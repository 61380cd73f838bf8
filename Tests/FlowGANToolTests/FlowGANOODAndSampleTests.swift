import Foundation
import Testing
import TestSupport
import TensorCore
import Autodiff
import Datasets
import Flows
import Evaluation
import Figures
import Course
@testable import FlowGANTool

/// `flowgan ood` and `flowgan sample`: the detector's numbers against brute-force counts and
/// the symmetric case whose answers are known exactly; the samples' temperature against the
/// logistic prior's closed-form variance; the written grid against its layout and its seed.
@Suite("flowgan: out-of-distribution scores and samples")
struct FlowGANOODAndSampleTests {
    /// Values with ties, from a small set of levels so that ties happen often.
    static func tiedValues(_ n: Int, seed: UInt64) -> [Double] {
        var source = SplitMix64(state: seed)
        return (0..<n).map { _ in Double(source.next(below: 25)) / 4 }
    }

    @Test("AUROC and accepted shares equal their brute-force counts over all pairs, ties included")
    func detectorAgainstBruteForce() {
        for seed in UInt64(1)...5 {
            let inNLLs = Self.tiedValues(57, seed: seed), outNLLs = Self.tiedValues(43, seed: seed + 100).map { $0 + 1 }
            let study = OODStudy(inNLLs: inNLLs, outNLLs: outNLLs)
            var wins = 0.0
            for a in outNLLs { for b in inNLLs { wins += a > b ? 1 : (a == b ? 0.5 : 0) } }
            #expect(abs(study.auroc - wins / Double(inNLLs.count * outNLLs.count)) < 1e-12)
            for p in [50.0, 95, 99] {
                // The threshold: the smallest in-distribution value with at least p% of them at or below it.
                let threshold = inNLLs.sorted().first { v in Double(inNLLs.filter { $0 <= v }.count) >= p / 100 * Double(inNLLs.count) }!
                let accepted = Double(outNLLs.filter { $0 <= threshold }.count) / Double(outNLLs.count)
                #expect(study.acceptedShare(atInPercentile: p) == accepted, "p = \(p), seed \(seed)")
            }
        }
        // Far apart: a perfect detector and no out-of-distribution image accepted; swapped: the opposite.
        let low = (0..<20).map(Double.init), high = (0..<20).map { Double($0) + 100 }
        #expect(OODStudy(inNLLs: low, outNLLs: high).auroc == 1)
        #expect(OODStudy(inNLLs: low, outNLLs: high).acceptedShare(atInPercentile: 99) == 0)
        #expect(OODStudy(inNLLs: high, outNLLs: low).auroc == 0)
        #expect(OODStudy(inNLLs: high, outNLLs: low).acceptedShare(atInPercentile: 50) == 1)
    }

    @Test("ood on the command line: a second data set made of the same images scores exactly as the first (AUROC 0.5, 95% accepted), and the means are evaluateNLL's")
    func oodOnTheCommandLine() throws {
        let scratch = try FlowGANCommandLineTests.folderOfCheckpoints()
        defer { scratch.remove() }
        // A data folder whose "fashion-mnist" is MNIST itself.
        let data = scratch.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let mnist = (repositoryDataFolder as NSString).appendingPathComponent("mnist")
        try FileManager.default.createSymbolicLink(atPath: (data as NSString).appendingPathComponent("mnist"), withDestinationPath: mnist)
        try FileManager.default.createSymbolicLink(atPath: (data as NSString).appendingPathComponent("fashion-mnist"), withDestinationPath: mnist)
        let out = scratch.file("out")
        let (status, output) = try FlowGANCommandLineTests.run(["ood", "--checkpoint-dir", scratch.path, "--data-dir", data,
                                                                  "--images", "100", "--out", out])
        #expect(status == 0, "\(output)")
        let report = try readResults(OODReport.self, from: (out as NSString).appendingPathComponent("flowgan-ood-ch05-mle-mnist.json"))
        #expect(report.inDataset == "mnist" && report.outDataset == "fashion-mnist" && report.images == 100)
        #expect(report.auroc == 0.5)
        #expect(report.acceptedAtInP95 == 0.95 && report.acceptedAtInP99 == 0.99 && report.outLikelierThanInMedian == 0.5)
        let inSet = try #require(report.sets["in"]), outSet = try #require(report.sets["out"])
        #expect(inSet.meanNllNats == outSet.meanNllNats)

        // The oracle: the library's evaluateNLL of each image on its own, through a model built here.
        let test = try DatasetSplits.load(.mnist, search: DataSearch(explicitDirectory: repositoryDataFolder)).test.slice(0..<100)
        let flow = FlowGANToolTests.tinyFlow()
        let nlls = (0..<100).map { evaluateNLL(flow, images: test.images.slice($0..<($0 + 1), alongAxis: 0)).mean }
        let expected = nlls.reduce(0, +) / 100
        #expect(abs(inSet.meanNllNats - expected) <= 1e-4 * abs(expected), "\(inSet.meanNllNats) vs \(expected)")
        #expect(abs(inSet.meanPriorTerm + inSet.meanVolumeTerm - inSet.meanNllNats) <= 1e-3 * abs(expected))
        // Background pixels counted from the bytes: a pixel is 0 exactly when its byte is 0.
        let zeros = Double(test.images.values.filter { $0 * 255 < 0.5 }.count) / 100
        #expect(abs(inSet.meanBackgroundPixels - zeros) < 1e-9)
        for file in ["flowgan-ood-ch05-mle-mnist.gp", "flowgan-ood-ch05-mle-mnist.dat"] {
            #expect(FileManager.default.fileExists(atPath: (out as NSString).appendingPathComponent(file)), "\(file)")
        }
    }

    @Test("ood's bad options: one line and exit status 64", arguments: [
        (["ood", "--images", "5"], "--images"),
        (["ood", "--against", "cifar10"], "--against"),
    ])
    func oodBadOptions(arguments: [String], mention: String) throws {
        let scratch = try FlowGANCommandLineTests.folderOfCheckpoints()
        defer { scratch.remove() }
        let (status, errors) = try FlowGANCommandLineTests.run(arguments + ["--checkpoint-dir", scratch.path], readErrors: true)
        #expect(status == 64, "\(errors)")
        #expect(errors.split(separator: "\n").count == 1 && errors.contains(mention), "\(errors)")
    }

    @Test("samples at temperature T encode back to latents of the logistic prior's variance T²π²/3")
    func temperatureScalesTheLatentSpread() {
        let flow = FlowGANToolTests.tinyFlow()
        for temperature: Float in [1, 0.5] {
            var generator = RandomGenerator(seed: 11, stream: .toolSamples)
            let samples = drawSamples(flow, count: 40, temperature: temperature, generator: &generator)
            let z = GradientRecording.withoutRecording { flow.flow.forward(Variable(samples)).output.value.values.map(Double.init) }
            let mean = z.reduce(0, +) / Double(z.count)
            let variance = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(z.count - 1)
            let expected = Double(temperature * temperature) * Double.pi * Double.pi / 3
            // 31,360 draws: the variance's relative standard error is about 2%.
            #expect(abs(variance / expected - 1) < 0.1, "T = \(temperature): variance \(variance), expected \(expected)")
        }
    }

    @Test("sample writes a grid of --count cells laid out in columns, the same bytes for the same seed, others for another seed or temperature")
    func sampleOnTheCommandLine() throws {
        let scratch = try FlowGANCommandLineTests.folderOfCheckpoints()
        defer { scratch.remove() }
        func grid(_ extra: [String], folder: String) throws -> PixelImage {
            let out = scratch.file(folder)
            let (status, output) = try FlowGANCommandLineTests.run(["sample", "--checkpoint-dir", scratch.path, "--count", "9",
                                                                      "--out", out] + extra)
            #expect(status == 0, "\(output)")
            #expect(FileManager.default.fileExists(atPath: (out as NSString).appendingPathComponent("flowgan-samples-ch05-mle.gp")))
            return try PNGFile.readChecked((out as NSString).appendingPathComponent("flowgan-samples-ch05-mle-grid.png"), channels: 1).image
        }
        let a = try grid(["--seed", "3", "--temperature", "0.5"], folder: "a")
        // 9 samples: 3 columns and 3 rows of 28x28 cells drawn at scale 2 with a 1-pixel border.
        #expect(a.width == 3 * (56 + 1) + 1 && a.height == 3 * (56 + 1) + 1)
        #expect(try grid(["--seed", "3", "--temperature", "0.5"], folder: "b").pixels == a.pixels)
        #expect(try grid(["--seed", "4", "--temperature", "0.5"], folder: "c").pixels != a.pixels)
        #expect(try grid(["--seed", "3", "--temperature", "1"], folder: "d").pixels != a.pixels)
        // The first cell is the flow's inverse at T z, z the first draw of the tool's stream for seed 3.
        let flow = FlowGANToolTests.tinyFlow()
        var generator = RandomGenerator(seed: 3, stream: .toolSamples)
        let z = flow.prior.sample(9, shape: flow.latentShape, generator: &generator, temperature: 0.5)
        let x = GradientRecording.withoutRecording { flow.flow.inverse(Variable(z)).output.value }
        var largest = 0
        for i in 0..<28 {
            for j in 0..<28 {
                let expected = Int((min(max(x.values[i * 28 + j], 0), 1) * 255).rounded())
                largest = max(largest, abs(Int(a.pixels[(1 + 2 * i) * a.width + 1 + 2 * j]) - expected))
            }
        }
        #expect(largest <= 1, "largest difference \(largest) grey levels")
    }
}
