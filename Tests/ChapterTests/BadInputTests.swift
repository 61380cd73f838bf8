import Foundation
import Testing
import TestSupport
import TensorCore
import NeuralLayers
import Flows
import Training
import Checkpoints

/// The chapters as a user runs them, with bad flags and bad files: each must stop with a
/// one-line message naming what is wrong and a non-zero exit that is not a trap
/// (ArgumentParser's 64 for a bad value, 1 for a file or folder that cannot be used), before
/// any training. The binaries are the ones built beside this test bundle.
@Suite("Chapters answer bad input with a message")
struct BadInputTests {
    /// Runs the built program `name` with `arguments` in `folder`; returns its exit
    /// status and the text of its standard error.
    static func run(_ name: String, _ arguments: [String], in folder: String? = nil) throws -> (status: Int32, errors: String) {
        let binary = try #require(builtProgram(name), "\(name) is not built beside the tests; run `swift build` first")
        let (status, errors) = try runProgram(binary, arguments, in: folder, readErrors: true)
        return (status, String(decoding: errors, as: UTF8.self))
    }

    /// The first line of `text` that says "Error".
    static func errorLine(_ text: String) -> String {
        text.split(separator: "\n").first { $0.contains("Error") }.map(String.init) ?? text
    }

    @Test("out-of-range values are refused before any work, naming the option", arguments: [
        ("chapter02-coupling-layers", ["--batch-size", "20000"], "--batch-size"),
        ("chapter02-coupling-layers", ["--couplings", "0"], "--couplings"),
        ("chapter02-coupling-layers", ["--learning-rate", "-1"], "--learning-rate"),
        ("chapter04-wgan-critic", ["--grid-iterations", "0"], "--grid-iterations"),
        ("chapter04-wgan-critic", ["--penalty-weight", "-1"], "--penalty-weight"),
        ("chapter04-wgan-critic", ["--grid-penalty-weight", "-0.5"], "--grid-penalty-weight"),
        ("chapter05-hybrid", ["--toy-hidden", "0"], "--toy-hidden"),
        ("chapter03-realnvp", ["--epochs", "9223372036854775807"], "--epochs"),
        ("chapter05-hybrid", ["--epochs", "9223372036854775807"], "--epochs"),
        ("chapter05-hybrid", ["--iterations", "9223372036854775807"], "--iterations"),
        ("chapter04-wgan-critic", ["--toy-iterations", "0"], "--toy-iterations"),
        ("chapter04-wgan-critic", ["--toy-learning-rate", "0"], "--toy-learning-rate"),
        ("chapter05-hybrid", ["--toy-learning-rate", "5"], "--toy-learning-rate"),
        ("chapter06-evaluation", ["--ais-sigma", "0"], "--ais-sigma"),
        ("chapter06-evaluation", ["--ais-steps", "0"], "--ais-steps"),
        ("chapter01-change-of-variables", ["--samples", "99999999999"], "--samples"),
        // A planar flow that is not invertible (u·w = -1.05), and one that is not two numbers.
        ("chapter01-change-of-variables", ["--planar-u=-0.5,0.2"], "--planar-u"),
        ("chapter01-change-of-variables", ["--planar-u", "1.2"], "--planar-u"),
        ("chapter06-evaluation", ["--samples", "5"], "--samples"),
        ("flowgan-bench", ["mlp", "--batch-size", "100000000"], "--batch-size"),
        ("chapter05-hybrid", ["--seed", "18446744073709551616"], "--seed"),
        // A λ that passed and then failed at iteration 0; empty folder names.
        ("chapter05-hybrid", ["--lambda", "1e-45"], "--lambda"),
        ("chapter02-coupling-layers", ["--out", ""], "--out"),
        ("chapter03-realnvp", ["--data-dir", ""], "--data-dir"),
        ("chapter05-hybrid", ["--full", "--iterations", "3"], "--full"),
        ("chapter01-change-of-variables", ["--seed", "-1"], "--seed"),
    ])
    func outOfRange(program: String, arguments: [String], option: String) throws {
        let (status, errors) = try Self.run(program, arguments)
        #expect(status == 64, "\(program) \(arguments): exit \(status)")
        #expect(Self.errorLine(errors).contains(option), "\(errors)")
    }

    @Test("every chapter's --help names its presets and every setting with its range, and exits 0 (after checking its presets)",
          arguments: ["chapter01-change-of-variables", "chapter02-coupling-layers", "chapter03-realnvp",
                      "chapter04-wgan-critic", "chapter05-hybrid", "chapter06-evaluation"])
    func help(program: String) throws {
        let binary = try #require(builtProgram(program), "\(program) is not built beside the tests; run `swift build` first")
        let (status, output) = try runProgram(binary, ["--help"])
        let text = String(decoding: output, as: UTF8.self)
        #expect(status == 0, "\(program) --help: exit \(status)")
        #expect(text.contains("PRESETS") && text.contains("--quick") && text.contains("SETTINGS") && text.contains("--seed"), "\(text)")
        // Every setting line shows its accepted values: "--name <range>" or a flag.
        let settingLines = text.split(separator: "\n").filter { $0.hasPrefix("  --") }
        #expect(settingLines.count >= 4, "\(program) lists only \(settingLines.count) options")
    }

    /// A gnuplot that never finishes and leaves a child behind holding its output (a stand-in
    /// put first on the PATH): before the time limit, chapter 01 hung for ever and never
    /// wrote its results. Now each figure is stopped after FLOWGAN_GNUPLOT_SECONDS, with a
    /// note, and the run finishes with its results.
    @Test("a hanging gnuplot is stopped after its time limit, and the chapter still writes its results",
          .timeLimit(.minutes(1)))
    func hangingGnuplot() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let fake = try scratch.write(Array("#!/bin/sh\nsleep 300 &\nsleep 300\n".utf8), to: "bin/gnuplot")
        chmod(fake, 0o755)
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = scratch.file("bin") + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["FLOWGAN_GNUPLOT_SECONDS"] = "1"
        let binary = try #require(builtProgram("chapter01-change-of-variables"))
        let started = Date()
        let (status, errors) = try runProgram(binary, ["--quick", "--out", scratch.file("out")], environment: environment,
                                              readErrors: true)
        let text = String(decoding: errors, as: UTF8.self)
        #expect(status == 0, "\(text)")
        #expect(text.contains("did not finish within 1 s and was stopped"), "\(text)")
        #expect(FileManager.default.fileExists(atPath: scratch.file("out/ch01-results.json")))
        #expect(Date().timeIntervalSince(started) < 40)
    }

    @Test("chapter 02 stops on a loss that is not finite instead of writing NaN log-likelihoods (learning rate 1)")
    func nonFiniteToyLoss() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let (status, errors) = try Self.run("chapter02-coupling-layers", ["--quick", "--learning-rate", "1", "--out", scratch.path])
        #expect(status == 1)
        #expect(Self.errorLine(errors).contains("try a smaller --learning-rate"), "\(errors)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("ch02-results.json")))
    }

    @Test("chapter 03 --resume with no checkpoint yet starts from the beginning with a note (it failed)")
    func resumeWithoutCheckpoint() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let (status, errors) = try Self.run("chapter03-realnvp", ["--quick", "--resume", "--iterations", "2", "--evaluate-every", "1",
                                                                  "--validation-images", "100", "--test-images", "100",
                                                                  "--out", scratch.file("out"), "--checkpoint-dir", scratch.file("models")])
        #expect(status == 0, "\(errors)")
        #expect(errors.contains("not found: training starts from the beginning"), "\(errors)")
    }

    @Test("a negative number after an option is read as its value (it said 'Missing value')")
    func negativeAfterOption() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // u·w = -0.6·2.5 + 1.2 = -0.3: an invertible flow, so the run goes through.
        let (status, errors) = try Self.run("chapter01-change-of-variables", ["--quick", "--planar-u", "-0.6,1.2", "--out", scratch.path])
        #expect(status == 0, "\(errors)")
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.file("ch01-results.json")))) as? [String: Any]
        #expect(abs((results?["planar_u_dot_w"] as? Double ?? 0) + 0.3) < 1e-6)
    }

    @Test("--out naming a dangling symbolic link says so")
    func danglingLink() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let link = scratch.file("out")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: scratch.file("nowhere"))
        let (status, errors) = try Self.run("chapter02-coupling-layers", ["--quick", "--out", link])
        #expect(status == 1)
        #expect(Self.errorLine(errors).contains("is a symbolic link to \(scratch.file("nowhere")), which does not exist"), "\(errors)")
    }

    @Test("an OPENBLAS_CORETYPE that names no core is reported as such, not as the core it chose")
    func unknownCore() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = "junk"
        let binary = try #require(builtProgram("chapter01-change-of-variables"))
        // --help stops before the run starts; a bad value stops before it too. So a quick run.
        let (status, output) = try runProgram(binary, ["--quick", "--out", scratch.path], environment: environment)
        let firstLine = String(decoding: output, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        #expect(status == 0)
        #expect(firstLine.contains("OPENBLAS_CORETYPE=junk names no core OpenBLAS knows"), "\(firstLine)")
    }

    @Test("chapter 01 runs for a seed whose random 16-D planar flow was not invertible (it trapped)")
    func plannedSeed() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let (status, errors) = try Self.run("chapter01-change-of-variables", ["--quick", "--seed", "43", "--out", scratch.path])
        #expect(status == 0, "\(errors)")
    }

    @Test("a negative value after an option is read as the option's value and refused for what it is")
    func negativeValue() throws {
        let (status, errors) = try Self.run("chapter01-change-of-variables", ["--seed", "-1"])
        #expect(status == 64)
        #expect(Self.errorLine(errors).contains("--seed must be a whole number"), "\(errors)")
    }

    @Test("the largest seed runs a chapter to the end and is recorded exactly (it trapped when converted to Int)")
    func largestSeed() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let (status, errors) = try Self.run("chapter01-change-of-variables", ["--quick", "--seed", "18446744073709551615", "--out", scratch.path])
        #expect(status == 0, "\(errors)")
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.file("ch01-results.json")))) as? [String: Any]
        #expect(results?["seed"] as? String == "18446744073709551615")
    }

    @Test("an output or checkpoint folder that is a file is reported at the start", arguments: ["--out", "--checkpoint-dir"])
    func folderIsAFile(option: String) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let file = try scratch.write([1], to: "taken")
        var arguments = ["--quick", option, file]
        if option == "--checkpoint-dir" { arguments += ["--out", scratch.file("out")] }
        let (status, errors) = try Self.run("chapter05-hybrid", arguments, in: scratch.path)
        #expect(status == 1)
        #expect(Self.errorLine(errors).contains("\(option) \(file): is a file, not a folder"), "\(errors)")
    }

    /// A folder `mnist/` of IDX files with `train` training and `test` test images of
    /// `side` x `side` pixels (all zero), labels cycling 0-9.
    static func idxFolder(in scratch: ScratchFolder, train: Int, test: Int, side: Int) throws -> String {
        func images(_ n: Int) -> [UInt8] {
            [0, 0, 8, 3] + [n, side, side].flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
                + [UInt8](repeating: 0, count: n * side * side)
        }
        func labels(_ n: Int) -> [UInt8] {
            [0, 0, 8, 1] + (0..<4).map { UInt8(truncatingIfNeeded: n >> (24 - 8 * $0)) } + (0..<n).map { UInt8($0 % 10) }
        }
        try scratch.write(images(train), to: "data/mnist/train-images-idx3-ubyte")
        try scratch.write(labels(train), to: "data/mnist/train-labels-idx1-ubyte")
        try scratch.write(images(test), to: "data/mnist/t10k-images-idx3-ubyte")
        try scratch.write(labels(test), to: "data/mnist/t10k-labels-idx1-ubyte")
        return scratch.file("data")
    }

    @Test("an IDX data set of 14x14 images, or of too few images, is refused when loaded, saying what is needed",
          arguments: [(2000, 500, 14, "28x28"), (2000, 1000, 28, "at least 6000"), (6000, 200, 28, "at least 1000")])
    func smallOrOddData(train: Int, test: Int, side: Int, expected: String) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let data = try Self.idxFolder(in: scratch, train: train, test: test, side: side)
        let (status, errors) = try Self.run("chapter03-realnvp", ["--quick", "--data-dir", data, "--out", scratch.file("out"),
                                                                  "--checkpoint-dir", scratch.file("checkpoints")])
        #expect(status == 1)
        #expect(Self.errorLine(errors).contains(expected), "\(errors)")
    }
}

/// Chapter 06 scores only models whose metadata says what they are.
@Suite("Chapter 06 checks the models it is given before any work")
struct ChapterSixInputTests {
    /// Writes ch05-mle/adv/hybrid.safetensors into `folder`: tiny NICE models whose
    /// metadata is chapter 05's, with `edit` applied to the one of `objective`.
    static func models(in folder: String, editing objective: String, _ edit: (inout [String: String]) -> Void) throws {
        for name in ["mle", "adv", "hybrid"] {
            var generator = RandomGenerator(seed: 1)
            let architecture = FlowArchitecture.nice(hidden: 4, depth: 0)
            let flow = architecture.build(generator: &generator)
            var metadata = architecture.metadata.merging(["objective": name, "chapter": "05", "dataset": "mnist",
                                                          "iterations": "3", "quick": "false", "seed": "0"]) { $1 }
            if name == objective { edit(&metadata) }
            try saveModel(flow, metadata: metadata, to: (folder as NSString).appendingPathComponent("ch05-\(name).safetensors"))
        }
    }

    @Test("a model saved under another objective's name, a quick model in a full run, or chapter 03's model: refused",
          arguments: [("objective", "adv", "trained with objective adv, not mle"),
                      ("quick", "true", "comes from a --quick run"),
                      ("chapter", "03", "does not record that chapter 05 trained it")])
    func refused(key: String, value: String, expected: String) throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        try Self.models(in: scratch.path, editing: "mle") { $0[key] = value }
        let (status, errors) = try BadInputTests.run("chapter06-evaluation", ["--checkpoint-dir", scratch.path, "--out", scratch.file("out"),
                                                                               "--data-dir", repositoryDataFolder])
        #expect(status == 1)
        #expect(BadInputTests.errorLine(errors).contains(expected), "\(errors)")
        // Refused before the classifier was trained (it would have been cached here).
        #expect(try !scratch.contents().contains { $0.hasPrefix("ch06-classifier") })
    }
}
