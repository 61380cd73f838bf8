import Foundation
import Datasets
import TensorCore

/// The options about a run rather than about what it computes; a chapter says which it
/// takes. Every chapter takes `--out`, `--seed`, `--help` and its presets' flags.
public enum RunOption: String, CaseIterable, Sendable {
    /// `--data-dir DIR`: the folder holding mnist/, fashion-mnist/ or cifar-10-batches-bin/.
    case dataDirectory = "data-dir"
    /// `--checkpoint-dir DIR`: where models are saved (or, in chapter 06, read).
    case checkpointDirectory = "checkpoint-dir"
    /// `--resume`: continue from the training checkpoint in the checkpoint folder.
    case resume
}

/// A chapter program: its name and help, its settings type, and the run options it takes.
public struct ChapterProgram<Settings: ChapterSettings> {
    public let command: String
    /// "ch02": the start of its files' and side runs' names.
    public let shortName: String
    public let abstract: String
    public let discussion: String
    public let runOptions: [RunOption]

    public init(command: String, shortName: String, abstract: String, discussion: String, runOptions: [RunOption] = []) {
        self.command = command; self.shortName = shortName; self.abstract = abstract
        self.discussion = discussion; self.runOptions = runOptions
    }

    /// What the command line asked for.
    public struct Request {
        public var preset: Preset<Settings>
        public var settings: Settings
        /// The settings the command line gave, by name, in the order given.
        public var given: [String] = []
        public var seed: UInt64 = 0
        public var out: String?
        public var dataDirectory: String?
        public var checkpointDirectory: String?
        public var resume = false
        public var wantsHelp = false
    }

    /// Reads `arguments` (without the program's name): `--name value`, `--name=value`,
    /// `--flag`, a preset's `--NAME`. A value may start with a minus sign (`--seed -1` is
    /// refused for its value, not taken for an option). Throws `SettingError` naming the
    /// option for anything it cannot use.
    public func parse(_ arguments: [String]) throws -> Request {
        let presets = Settings.presets
        var request = Request(preset: presets[0], settings: presets[0].settings)
        var overrides: [(Setting<Settings>, String)] = []
        var index = 0
        func value(for name: String, inline: String?) throws -> String {
            if let inline { return inline }
            index += 1
            guard index < arguments.count else { throw SettingError("--\(name) needs a value") }
            return arguments[index]
        }
        func folderName(for name: String, _ text: String) throws -> String {
            guard !text.isEmpty else { throw SettingError("--\(name) needs a folder name, got an empty one") }
            return text
        }
        var choosePreset: String?
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw SettingError("unexpected argument '\(argument)': settings are written --name value (see --help)")
            }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let inline = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
            switch name {
            case "help":
                request.wantsHelp = true
            case "out":
                request.out = try folderName(for: name, try value(for: name, inline: inline))
            case "seed":
                let text = try value(for: name, inline: inline)
                guard let seed = UInt64(text) else { throw SettingError("--seed must be a whole number in 0...\(UInt64.max), got \(text)") }
                request.seed = seed
            case RunOption.dataDirectory.rawValue where runOptions.contains(.dataDirectory):
                request.dataDirectory = try folderName(for: name, try value(for: name, inline: inline))
            case RunOption.checkpointDirectory.rawValue where runOptions.contains(.checkpointDirectory):
                request.checkpointDirectory = try folderName(for: name, try value(for: name, inline: inline))
            case RunOption.resume.rawValue where runOptions.contains(.resume):
                guard inline == nil else { throw SettingError("--resume takes no value") }
                request.resume = true
            default:
                if let preset = presets.dropFirst().first(where: { $0.name == name }) {
                    guard inline == nil else { throw SettingError("--\(name) takes no value") }
                    if let chosen = choosePreset, chosen != name {
                        throw SettingError("--\(chosen) and --\(name) are two presets: choose one")
                    }
                    choosePreset = preset.name
                } else if let setting = Settings.table.first(where: { $0.name == name }) {
                    if setting.isFlag {
                        guard inline == nil else { throw SettingError("--\(name) takes no value") }
                        overrides.append((setting, "true"))
                    } else {
                        overrides.append((setting, try value(for: name, inline: inline)))
                    }
                } else {
                    throw SettingError("unknown option '--\(name)' (see --help for the settings of \(command))")
                }
            }
            index += 1
        }
        // Each setting once; alternatives of one group (--iterations, --epochs, --full) once.
        var seenGroups: [String: String] = [:]
        for (setting, _) in overrides {
            let group = setting.group ?? setting.name
            if let earlier = seenGroups[group] {
                throw SettingError(earlier == setting.name ? "--\(setting.name) is given twice"
                                   : "--\(earlier) and --\(setting.name) both set the \(group): give one")
            }
            seenGroups[group] = setting.name
        }
        // The preset, then the command line's values over it; again over another preset if
        // the values ask for one (`preset(_:following:)`).
        func apply(_ name: String) throws -> Settings {
            var settings = presets.first { $0.name == name }!.settings
            for (setting, text) in overrides { try setting.assign(&settings, text) }
            return settings
        }
        var name = choosePreset ?? presets[0].name
        var settings = try apply(name)
        let following = Settings.preset(name, following: settings)
        if following != name {
            guard presets.contains(where: { $0.name == following }) else {
                preconditionFailure("preset(_:following:) named \(following), which is not a preset")
            }
            name = following
            settings = try apply(name)
        }
        // The rules between settings, on the final values.
        for (setting, _) in overrides {
            for rule in setting.rules {
                if let reason = rule(settings) { throw SettingError(reason) }
            }
        }
        request.preset = presets.first { $0.name == name }!
        request.settings = settings
        request.given = overrides.map(\.0.name)
        return request
    }

    /// A preset value the table would refuse from the command line, as a sentence; nil when
    /// every preset is valid. A preset is declared in code, so this is the chapter's bug,
    /// not the user's: `main` checks it before every run and the tests run every chapter.
    public func presetFault() -> String? {
        for preset in Settings.presets {
            for setting in Settings.table where !setting.isFlag {
                let text = setting.text(preset.settings)
                // "auto" is a nil value; "-" the other member of a group (--epochs while
                // the length is in iterations).
                guard text != "auto" && text != "-" else { continue }
                var copy = preset.settings
                do { try setting.assign(&copy, text) } catch {
                    return "preset \(preset.name): \(error)"
                }
            }
        }
        return nil
    }

    /// `--help`: the abstract, the discussion, then every setting with its value in each
    /// preset and its range, then the run options.
    public var helpText: String {
        let presets = Settings.presets
        var lines = ["\(command): \(abstract)", "", discussion, "", "USAGE: \(command) [--quick] [--SETTING VALUE ...]", ""]
        lines.append("PRESETS (the default run unless one is named):")
        for preset in presets {
            lines.append("  " + (preset.name == presets[0].name ? "(default)" : "--\(preset.name)").padding(toLength: 14, withPad: " ", startingAt: 0)
                         + preset.help)
        }
        lines.append("")
        lines.append("SETTINGS (--name value or --name=value; each value shown as default / " + presets.dropFirst().map(\.name).joined(separator: " / ") + "):")
        for setting in Settings.table {
            let values = presets.map { setting.text($0.settings) }
            let shown = Set(values).count == 1 ? values[0] : values.joined(separator: " / ")
            let head = "  --\(setting.name)" + (setting.isFlag ? "" : " <\(setting.domain)>")
            lines.append(head)
            lines.append("        \(setting.help) [\(setting.isFlag ? "off unless given" : shown)]")
        }
        lines.append("")
        lines.append("RUN OPTIONS:")
        lines.append("  --out <folder>            figures, plot scripts and the results file (default: Figures for the default run, Runs/\(shortName)-<settings> otherwise)")
        lines.append("  --seed <0...\(UInt64.max)>  seed of every random stream; the same seed gives the same numbers [0]")
        if runOptions.contains(.dataDirectory) {
            lines.append("  --data-dir <folder>       holds mnist/, fashion-mnist/ or cifar-10-batches-bin/ (else $FLOWGAN_DATA, ./Data, /usr/share/datasets)")
        }
        if runOptions.contains(.checkpointDirectory) {
            lines.append("  --checkpoint-dir <folder> models (default: Checkpoints for the default run, Checkpoints/\(shortName)-<settings> otherwise)")
        }
        if runOptions.contains(.resume) {
            lines.append("  --resume                  continue from the training checkpoint in the checkpoint folder, if there is one")
        }
        lines.append("  --help                    this text")
        return lines.joined(separator: "\n")
    }

    /// The side run's name parts: the preset, the seed, then each setting the command line
    /// changed from the preset's value ("hidden-300"; a flag by its name alone).
    public func changes(of request: Request) -> [String] {
        var settingChanges: [String] = []
        for name in request.given {
            guard let setting = Settings.table.first(where: { $0.name == name }), setting.namesTheRun else { continue }
            let value = setting.text(request.settings)
            guard value != setting.text(request.preset.settings) else { continue }
            settingChanges.append(setting.isFlag ? name : "\(name)-\(value)")
        }
        let preset = request.preset.name == Settings.presets[0].name ? nil : request.preset.name
        return RunPlan(chapter: shortName, preset: preset, seed: request.seed, settingChanges: settingChanges).changes
    }

    /// Parses the command line, prints help or a one-line error (exit 64) as needed, and
    /// decides where the run writes (a folder it cannot use: one line, exit 1). A chapter's
    /// `main.swift` starts with it, runs its steps in a `do` block, and hands a failure to
    /// `ChapterRun.stop`.
    public func start() -> ChapterRun<Settings> {
        // Lines in the order they happen, also when the output goes to a file or a pipe.
        setvbuf(stdout, nil, _IOLBF, 0)
        // Start from no blocked signals, as a shell would start us: a parent that runs us
        // from a thread blocking them (a test runner's worker thread) passes its mask on,
        // and every process the chapter starts inherits it; coreutils' timeout, which stops
        // a hanging gnuplot, would then never hear its alarm.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        pthread_sigmask(SIG_SETMASK, &unblocked, nil)
        let request: Request
        do {
            request = try parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            exit(64)
        }
        if let fault = presetFault() {
            FileHandle.standardError.write(Data("Error: \(fault)\n".utf8))
            exit(70)
        }
        if request.wantsHelp {
            print(helpText)
            exit(0)
        }
        do {
            return try ChapterRun(program: self, request: request)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            exit(1)
        }
    }
}


/// A run being made: its settings, seed and folders, decided before any work.
///
/// Where a run writes: a chapter's default run writes the book's figures and results into
/// `Figures/` and its models into `Checkpoints/` (running it again regenerates the same
/// files). A `--quick` run, or a run with any other setting, is a side run: it writes into
/// `Runs/<chapter>-<settings>/` and `Checkpoints/<chapter>-<settings>/` (both outside git),
/// unless `--out` or `--checkpoint-dir` name a place, so that a smoke test never replaces
/// the book's figures or models.
public struct ChapterRun<Settings: ChapterSettings> {
    public let settings: Settings
    /// The preset the settings started from ("default", "quick", ...).
    public let preset: String
    public let seed: UInt64
    /// The folder for figures, plot scripts and the results file.
    public let folder: String
    public let plan: RunPlan
    public let resume: Bool
    let checkpointDirectory: String?
    let dataDirectory: String?

    init(program: ChapterProgram<Settings>, request: ChapterProgram<Settings>.Request) throws {
        print(BLASInfo.summary)
        settings = request.settings
        preset = request.preset.name
        seed = request.seed
        resume = request.resume
        checkpointDirectory = request.checkpointDirectory
        dataDirectory = request.dataDirectory
        let changes = program.changes(of: request)
        plan = RunPlan(chapter: program.shortName, changes: changes)
        folder = plan.outputFolderPath(request.out)
        if request.out == nil, !plan.isDefault {
            print("A side run (\(changes.joined(separator: ", "))): its figures and results go to \(folder)/, "
                  + "leaving the book's Figures/ as they are (--out names another folder)")
        }
        try ensureWritableFolder(folder, option: "--out")
    }

    /// Reports a failure in one line on standard error and ends the program (exit 1).
    public func stop(_ error: any Error) -> Never {
        FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
        exit(1)
    }

    /// Whether this is the `--quick` smoke run.
    public var isQuick: Bool { preset == "quick" }

    /// The path of `file` in the output folder.
    public func path(_ file: String) -> String {
        (folder as NSString).appendingPathComponent(file)
    }

    /// Where data sets are looked for (`--data-dir`, else $FLOWGAN_DATA, ./Data, /usr/share/datasets).
    public var dataSearch: DataSearch { DataSearch(explicitDirectory: dataDirectory) }

    /// The folder this run saves its models in, checked writable and announced.
    public func checkpointFolder() throws -> String {
        try plan.checkpointFolder(checkpointDirectory)
    }

    /// The folder another run saved models in (chapter 06 reads chapter 05's): `--checkpoint-dir`,
    /// else that run's own folder.
    public func checkpointFolder(readingFrom other: RunPlan) throws -> String {
        try other.checkpointFolder(checkpointDirectory, reading: true)
    }
}
