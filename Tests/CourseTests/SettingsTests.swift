import Foundation
import Testing
import TestSupport
import Course

/// A chapter's settings as the tests declare them: every kind of setting, two presets.
struct ToySettings: ChapterSettings, Equatable {
    enum Flavour: String, Codable, CaseIterable { case plain, fancy }
    var hidden = 128
    var rate: Float = 1e-3
    var flavour = Flavour.plain
    var fast = false
    var u: [Float] = [1, 2]
    var length: TrainingLength = .iterations(3000)
    var limit: Int?

    static let presets = [
        Preset("default", ToySettings(), help: "the default"),
        Preset("quick", ToySettings(hidden: 8, length: .iterations(40)), help: "small"),
        Preset("fancy", ToySettings(hidden: 64, flavour: .fancy), help: "what --flavour fancy starts from"),
    ]

    /// `--flavour fancy` starts from the fancy preset (as chapter 05's --dataset cifar10 does).
    static func preset(_ name: String, following settings: ToySettings) -> String {
        settings.flavour == .fancy && name == "default" ? "fancy" : name
    }
    static let table: [Setting<ToySettings>] = [
        .integer("hidden", \.hidden, 1...4096, "units"),
        .number("rate", \.rate, .above(0, atMost: 1), "learning rate"),
        Setting.choice("flavour", \.flavour, "which"),
        Setting.flag("fast", \.fast, "go fast").requiring { $0.flavour == .fancy ? nil : "--fast needs --flavour fancy" },
        Setting.numbers("u", \.u, count: 2, .within(-10...10), "a vector").requiring { $0.u[0] + $0.u[1] > -1 ? nil : "--u: the sum must be above -1" },
        .integer("limit", \.limit, 1...100, "a bound"),
    ] + Setting.trainingLength(\.length)
}

@Suite("One declaration per setting: the command line, help, errors and run names derive from it")
struct SettingsTests {
    let program = ChapterProgram<ToySettings>(command: "toy", shortName: "ch99", abstract: "a toy", discussion: "none",
                                              runOptions: [.resume])

    @Test("no arguments give the default preset; --quick gives the quick one; a given value wins over either")
    func presetsAndOverrides() throws {
        #expect(try program.parse([]).settings == ToySettings())
        let quick = try program.parse(["--quick"])
        #expect(quick.preset.name == "quick" && quick.settings.hidden == 8 && quick.settings.length == .iterations(40))
        // The order of the preset flag and the override does not matter: the override wins.
        for arguments in [["--hidden", "300", "--quick"], ["--quick", "--hidden=300"]] {
            let request = try program.parse(arguments)
            #expect(request.settings.hidden == 300 && request.settings.length == .iterations(40), "\(arguments)")
        }
        let all = try program.parse(["--rate", "0.5", "--flavour", "fancy", "--fast", "--u", "-0.5,3", "--limit", "7",
                                     "--epochs", "2", "--seed", "12", "--resume", "--out", "there"])
        #expect(all.settings == ToySettings(hidden: 64, rate: 0.5, flavour: .fancy, fast: true, u: [-0.5, 3],
                                            length: .epochs(2), limit: 7))
        #expect(all.preset.name == "fancy")
        #expect(all.seed == 12 && all.resume && all.out == "there")
        #expect(try program.parse(["--full"]).settings.length == .epochs(500))
        #expect(try program.parse(["--limit", "9"]).settings.limit == 9)
        #expect(try program.parse(["--quick", "--limit", "auto"]).settings.limit == nil)
    }

    @Test("a value can ask for the preset it starts from; the command line's values still win")
    func presetFollowingAValue() throws {
        let fancy = try program.parse(["--hidden", "7", "--flavour", "fancy"])
        #expect(fancy.preset.name == "fancy" && fancy.settings.hidden == 7 && fancy.settings.flavour == .fancy)
        // A preset named on the command line stays (the rule only replaces the default).
        #expect(try program.parse(["--quick", "--flavour", "fancy"]).preset.name == "quick")
    }

    @Test("a rule between settings sees every value, whatever their order on the command line")
    func rulesSeeFinalValues() throws {
        #expect(try program.parse(["--fast", "--flavour", "fancy"]).settings.fast)
        #expect(try program.parse(["--flavour", "fancy", "--fast"]).settings.fast)
        #expect(throws: SettingError.self) { try program.parse(["--fast"]) }
        // A rule runs only for a setting the command line gives: the fancy preset alone passes.
        #expect(try program.parse(["--fancy"]).settings.flavour == .fancy)
    }

    @Test("a bad value is refused in one sentence naming the setting", arguments: [
        (["--hidden", "0"], "--hidden must be in 1...4096, got 0"),
        (["--hidden", "1e3"], "--hidden"),
        (["--hidden", "99999999999999999999"], "--hidden"),
        (["--rate", "0"], "--rate must be in (0.0, 1.0]"),
        (["--rate", "nan"], "--rate"),
        (["--rate", "inf"], "--rate"),
        (["--flavour", "odd"], "--flavour must be one of plain, fancy"),
        (["--u", "1"], "--u takes 2 numbers"),
        (["--u", "-1,-1"], "--u: the sum must be above -1"),
        (["--limit", "0"], "--limit must be auto or in 1...100"),
        (["--seed", "-1"], "--seed must be a whole number"),
        (["--hidden"], "--hidden needs a value"),
        (["--fast=yes"], "--fast takes no value"),
        (["--nonsense", "3"], "unknown option '--nonsense'"),
        (["stray"], "unexpected argument 'stray'"),
        (["--iterations", "3", "--full"], "--iterations and --full both set the training length"),
        (["--hidden", "3", "--hidden", "4"], "--hidden is given twice"),
        (["--checkpoint-dir", "x"], "unknown option '--checkpoint-dir'"),
    ])
    func refused(arguments: [String], expected: String) {
        #expect(throws: SettingError.self) { try program.parse(arguments) }
        do { _ = try program.parse(arguments) } catch {
            #expect("\(error)".contains(expected), "\(arguments): \(error)")
            #expect(!"\(error)".contains("\n"))
        }
    }

    @Test("a side run is named by its preset, its seed and the values it changed; the default run has no name")
    func runNames() throws {
        func tag(_ arguments: [String]) throws -> String? {
            RunPlan(chapter: "ch99", changes: program.changes(of: try program.parse(arguments))).tag
        }
        #expect(try tag([]) == nil)
        #expect(try tag(["--hidden", "128"]) == nil)            // the default's own value
        #expect(try tag(["--quick"]) == "ch99-quick")
        #expect(try tag(["--quick", "--seed", "3", "--hidden", "300", "--flavour", "fancy", "--fast"])
                == "ch99-quick-seed-3-hidden-300-flavour-fancy-fast")
        #expect(try tag(["--u", "1.5,-2"]) == "ch99-u-1.5--2.0")
        #expect(try tag(["--resume"]) == nil)
    }

    @Test("the default run writes the book's folders; a side run its own; a folder given on the command line wins")
    func runFolders() throws {
        func plan(_ arguments: [String]) throws -> RunPlan {
            RunPlan(chapter: "ch99", changes: program.changes(of: try program.parse(arguments)))
        }
        #expect(try plan([]).outputFolderPath(nil) == "Figures")
        #expect(try plan([]).checkpointFolderPath(nil) == "Checkpoints")
        #expect(try plan(["--quick"]).outputFolderPath(nil) == "Runs/ch99-quick")
        #expect(try plan(["--quick"]).checkpointFolderPath(nil) == "Checkpoints/ch99-quick")
        #expect(try plan(["--seed", "5"]).outputFolderPath(nil) == "Runs/ch99-seed-5")
        #expect(try plan(["--quick"]).outputFolderPath("/tmp/mine") == "/tmp/mine")
        #expect(try plan([]).checkpointFolderPath("models") == "models")
        // A value with characters a folder name should not hold is made safe.
        #expect(RunPlan(chapter: "ch99", changes: ["u-1/2"]).tag == "ch99-u-1-2")
    }

    @Test("--help lists every setting with its range and its value in each preset")
    func help() {
        let text = program.helpText
        for setting in ToySettings.table {
            #expect(text.contains("--\(setting.name)"), "help lacks --\(setting.name)")
        }
        #expect(text.contains("--hidden <1...4096>"))
        #expect(text.contains("[128 / 8 / 64]"))
        #expect(text.contains("--quick"))
        #expect(text.contains("--resume") && !text.contains("--checkpoint-dir"))
    }

    @Test("every preset of the test settings is valid, and a preset outside its table is caught")
    func presetsAreValid() {
        #expect(program.presetFault() == nil)
        struct Broken: ChapterSettings {
            var hidden = 0
            static let presets = [Preset("default", Broken(), help: "")]
            static let table: [Setting<Broken>] = [.integer("hidden", \.hidden, 1...10, "")]
        }
        let fault = ChapterProgram<Broken>(command: "b", shortName: "b", abstract: "", discussion: "").presetFault()
        #expect(fault?.contains("preset default: --hidden must be in 1...10, got 0") == true, "\(fault ?? "nil")")
    }

    @Test("a training length in epochs is counted in iterations, refusing an overflow")
    func lengths() throws {
        #expect(try TrainingLength.epochs(3).iterations(perEpoch: 500) == 1500)
        #expect(try TrainingLength.iterations(7).iterations(perEpoch: 500) == 7)
        #expect(throws: ChapterError.self) { try TrainingLength.epochs(100_000).iterations(perEpoch: Int.max / 2) }
        let data = try JSONEncoder().encode([TrainingLength.epochs(500), .iterations(3)])
        #expect(String(decoding: data, as: UTF8.self) == #"["500 epochs","3 iterations"]"#)
        #expect(try JSONDecoder().decode([TrainingLength].self, from: data) == [.epochs(500), .iterations(3)])
    }
}

@Suite("Typed results files")
struct TypedResultsTests {
    struct Body: Codable, Equatable {
        var testNllNats: Double
        var curve: [Double]
        var perModel: [String: Int]
        var note: String?
    }

    @Test("written and read back by the same type: snake-case keys, NaN and infinities as strings, a 64-bit seed as text")
    func roundTrip() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let path = scratch.file("ch99-results.json")
        let body = Body(testNllNats: -3201.25, curve: [1, .nan, .infinity], perModel: ["8-gaussians-gp": 3], note: nil)
        try writeResults(body, settings: ToySettings(), preset: "quick", seed: UInt64.max, to: path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(object["test_nll_nats"] as? Double == -3201.25)
        #expect((object["curve"] as? [Any])?.last as? String == "Infinity")
        #expect((object["per_model"] as? [String: Any])?["8-gaussians-gp"] as? Int == 3)
        #expect(object["seed"] as? String == "18446744073709551615")
        #expect(object["preset"] as? String == "quick")
        #expect((object["chapter_settings"] as? [String: Any])?["hidden"] as? Int == 128)
        #expect(object["note"] == nil)
        let read = try readResults(Body.self, from: path)
        #expect(read.testNllNats == body.testNllNats && read.perModel == body.perModel)
        #expect(read.curve[0] == 1 && read.curve[1].isNaN && read.curve[2] == .infinity)
    }
}

@Suite("Progress lines")
struct ProgressLineTests {
    /// AIS over 10,000 images runs in groups, and reported "22/20 ... 0:-27 left" against
    /// the first group's step count; the total now follows what the work reports.
    @Test("the total follows the work, and the time left is never negative")
    func totals() {
        let progress = ProgressLine("AIS", total: 20)
        #expect(progress.line(10, seconds: 10) == "AIS 10/20  1.0 it/s  0:10 left  ")
        progress.update(22, total: 40)
        #expect(progress.line(22, seconds: 22) == "AIS 22/40  1.0 it/s  0:18 left  ")
        #expect(progress.line(50, seconds: 50).contains("0:00 left"))
    }

    /// A run resumed at iteration 12,000 of 15,000 printed "82599.6 it/s  0:00 left" after its
    /// first step: the rate counted the resumed run's steps against this process's seconds.
    @Test("a resumed run's rate counts only the steps done since it resumed")
    func resumed() {
        let progress = ProgressLine("ADV", total: 15000, startingAt: 12000)
        // 100 steps in 50 s: 2 it/s, so 2,900 steps left take 1,450 s.
        #expect(progress.line(12100, seconds: 50) == "ADV 12100/15000  2.0 it/s  24:10 left  ")
        #expect(progress.line(12000, seconds: 0).contains("-:-- left"))
        #expect(progress.line(15000, seconds: 1500).contains("0:00 left"))
    }
}
