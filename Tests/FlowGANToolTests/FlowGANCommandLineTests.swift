import Foundation
import Testing
import TestSupport
import TensorCore
import Flows
import Checkpoints
import Training
import Evaluation
import Figures
@testable import FlowGANTool

/// `flowgan` as a student runs it: files of the wrong kind named as models, bad flags and
/// bad images, each one line "Error: ..." and exit status 64 (an option) or 1 (a model or file); and a scored digit whose
/// printed NLL is the library's. The binary is the one `swift build` put beside the tests.
@Suite("flowgan on the command line")
struct FlowGANCommandLineTests {
    /// A folder holding a tiny chapter-05 model, its training state, and a classifier cache.
    static func folderOfCheckpoints() throws -> ScratchFolder {
        let scratch = try ScratchFolder()
        let flow = FlowGANToolTests.tinyFlow()
        try FlowGANToolTests.save(flow, in: scratch)
        let trainer = FlowTrainer(model: flow, learningRate: 1e-4, beta1: 0.5, beta2: 0.9, batchSize: 10, seed: 0)
        try trainer.saveCheckpoint(to: scratch.file("ch05-mle-training.safetensors"), description: "tiny")
        var generator = RandomGenerator(seed: 0)
        try saveModel(DigitClassifier(generator: &generator), metadata: ["model": DigitClassifier.kind, "dataset": "mnist"],
                      to: scratch.file(classifierCacheFileName(.mnist)))
        return scratch
    }

    /// Runs the built `flowgan`; its exit status and its standard output, or with
    /// `readErrors` its standard error.
    static func run(_ arguments: [String], readErrors: Bool = false) throws -> (status: Int32, text: String) {
        let binary = try #require(builtProgram("flowgan"), "flowgan is not built beside the tests; run `swift build` first")
        let (status, text) = try runProgram(binary, arguments, readErrors: readErrors)
        return (status, String(decoding: text, as: UTF8.self))
    }

    @Test("the catalog tells a model from a training state and a classifier, and names the chapter of a missing model")
    func checkpointKinds() throws {
        let scratch = try Self.folderOfCheckpoints()
        defer { scratch.remove() }
        let catalog = try ModelCatalog(folder: scratch.path)
        #expect(catalog.models.map(\.entry.name) == ["ch05-mle"])
        #expect(try catalog.loadModel(nil).name == "ch05-mle")
        func message(_ name: String) -> String {
            do { _ = try catalog.loadModel(name); return "" } catch { return "\(error)" }
        }
        #expect(message("ch05-mle-training").contains("training state"))
        #expect(message(classifierCacheFileName(.mnist)).contains("classifier"))
        #expect(message("hybrid").contains("chapter05-hybrid"))
        #expect(message("nice").contains("chapter03-realnvp"))
    }

    @Test("bad models, flags and images: one line; exit status 64 for an option, 1 for a model or file", arguments: [
        (["sample", "--model", "hybrid"], "chapter05-hybrid", 1),
        (["sample", "--model", "ch05-mle-training"], "training state", 1),
        (["sample", "--model", "ch06-classifier-mnist"], "classifier", 1),
        (["sample", "--count", "0"], "--count", 64),
        (["sample", "--temperature", "-1"], "--temperature", 64),
        (["sample", "--count", "many"], "many", 64),
        (["score"], "--from-test", 64),
        (["score", "--from-test", "10000"], "--from-test", 64),
        (["interpolate", "test:0", "test:x"], "test:x", 64),
        (["extremes", "--count", "0"], "--count", 64),
        (["reconstruct", "--count", "100001"], "--count", 64),
        (["score", "NOT-THERE.png"], "no such file", 1),
    ])
    func badInput(arguments: [String], mention: String, expectedStatus: Int32) throws {
        let scratch = try Self.folderOfCheckpoints()
        defer { scratch.remove() }
        let arguments = arguments.map { $0 == "NOT-THERE.png" ? scratch.file($0) : $0 }
        let (status, errors) = try Self.run(arguments + ["--checkpoint-dir", scratch.path], readErrors: true)
        #expect(status == expectedStatus, "exit status \(status): \(errors)")
        let lines = errors.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: ") && lines[0].contains(mention), "\(errors)")
    }

    @Test("score prints the NLL evaluateNLL gives the converted digit, and the classifier's guess")
    func scoreOnTheCommandLine() throws {
        let scratch = try Self.folderOfCheckpoints()
        defer { scratch.remove() }
        let png = scratch.file("seven.png")
        try PNGFile.write(FlowGANToolTests.rectangle(width: 60, height: 80, background: 250, ink: 0, x: 20..<35, y: 10..<70), to: png)
        let (status, output) = try Self.run(["score", png, "--checkpoint-dir", scratch.path, "--data-dir", repositoryDataFolder,
                                                "--test-images", "50"])
        #expect(status == 0)
        let digit = try MNISTStyleDigit(grey: try PNGFile.readChecked(png, channels: 1).image, source: png)
        let expected = evaluateNLL(FlowGANToolTests.tinyFlow(), images: digit.pixels).mean
        #expect(output.contains(String(format: "ch05-mle: NLL %.1f nats", expected)), "\(output)")
        #expect(output.contains("among the first 50 MNIST test images"))
        #expect(output.contains("classifier (ch06-classifier-mnist): a "))
        // One line per conversion step.
        #expect(["polarity:", "levels:", "ink:", "scaled:", "centred:", "quantised"].allSatisfy { output.contains("  " + $0) })
    }
}
