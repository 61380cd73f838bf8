import Foundation

/// A chapter's settings: one plain value, declared at the top of the chapter's main file
/// with its presets, and a table that names each setting once.
///
/// From that one declaration the course derives everything else: the command line
/// (`--hidden 300` or `--hidden=300`), `--help`, the one-line error for a value out of
/// range, the side run's folder name (`Runs/ch02-hidden-300`), and the settings recorded in
/// the results file (the value itself, encoded).
///
/// This is nanoGPT's configurator done with key paths: the script's defaults stay visible
/// at the top of the file and the command line overrides single values. It is written
/// here rather than with swift-argument-parser (which the benchmark program uses) because
/// that library declares each option as a property wrapper on a command type: every
/// setting would be spelled again as an `@Option`, a check in `validate()` and a part of
/// the folder name, in every chapter.
public protocol ChapterSettings: Codable, Sendable {
    /// The presets, the chapter's default run first ("default"), then "quick" and any other
    /// (a preset named NAME is chosen with `--NAME`).
    static var presets: [Preset<Self>] { get }
    /// Every setting the command line may change, in the order `--help` lists them.
    static var table: [Setting<Self>] { get }
    /// The preset a run starts from when it depends on a value the command line gave:
    /// chapter 05's `--dataset cifar10` starts from the CIFAR-10 preset of the size asked
    /// for. `name` is the preset chosen by flag (or "default"); the command line's values
    /// are then applied over the returned preset, so they still win. By default, `name`.
    static func preset(_ name: String, following settings: Self) -> String
}

extension ChapterSettings {
    public static func preset(_ name: String, following settings: Self) -> String { name }
}

/// A named set of values for every setting.
public struct Preset<Settings>: Sendable where Settings: Sendable {
    public let name: String
    public let help: String
    public let settings: Settings

    public init(_ name: String, _ settings: Settings, help: String) {
        self.name = name
        self.settings = settings
        self.help = help
    }
}

/// Why a command-line value was refused; printed as one line, exit 64.
public struct SettingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One setting: its command-line name, its valid values and one line of help; it reads
/// and writes its value in the settings through a key path.
public struct Setting<Root>: @unchecked Sendable {
    public let name: String
    public let help: String
    /// The values it accepts, for `--help` and errors: "1...64", "(0, 1]", "nice|realnvp".
    public let domain: String
    /// A flag takes no value: `--toy-only`.
    public let isFlag: Bool
    /// Whether a value other than the preset's names the side run's folder. False for
    /// settings that choose what runs, not what it computes.
    public let namesTheRun: Bool
    /// Settings of one group are alternatives (--iterations, --epochs, --full): the command
    /// line may give one of them.
    public var group: String?
    /// The value as the command line would write it.
    public let text: (Root) -> String
    /// Sets the value from its text, or throws the reason it is refused.
    let assign: (inout Root, String) throws -> Void
    /// Checks between this setting and others, run on the final settings when the command
    /// line gives this one: each returns the reason it refuses them, or nil.
    var rules: [(Root) -> String?] = []

    public init(name: String, help: String, domain: String, isFlag: Bool = false, namesTheRun: Bool = true,
                text: @escaping (Root) -> String, assign: @escaping (inout Root, String) throws -> Void) {
        self.name = name; self.help = help; self.domain = domain; self.isFlag = isFlag
        self.namesTheRun = namesTheRun; self.text = text; self.assign = assign
    }

    /// The same setting, refused when `rule` returns a reason: `rule` sees the settings
    /// after every value on the command line is in (so `--features 16 --dataset cifar10`
    /// and `--dataset cifar10 --features 16` are judged alike), and runs only when the
    /// command line gives this setting.
    public func requiring(_ rule: @escaping (Root) -> String?) -> Setting {
        var checked = self
        checked.rules.append(rule)
        return checked
    }

    /// The same setting, leaving the side run's folder name alone: for settings that choose
    /// what runs, each writing files of its own name (chapter 03's `--model`).
    public func notNamingTheRun() -> Setting {
        var copy = Setting(name: name, help: help, domain: domain, isFlag: isFlag, namesTheRun: false, text: text, assign: assign)
        (copy.group, copy.rules) = (group, rules)
        return copy
    }

    /// The same setting, as one of the alternatives of `group`.
    public func inGroup(_ group: String) -> Setting {
        var copy = self
        copy.group = group
        return copy
    }
}

/// The values a number may take: from a lower bound (included or not) to an upper one.
public struct Bounds<Value: Comparable & LosslessStringConvertible & Sendable>: Sendable {
    public let lower: Value
    public let lowerIncluded: Bool
    public let upper: Value

    /// `lower...upper`.
    public static func within(_ range: ClosedRange<Value>) -> Bounds {
        Bounds(lower: range.lowerBound, lowerIncluded: true, upper: range.upperBound)
    }

    /// Above `lower` (not included) and at most `upper`.
    public static func above(_ lower: Value, atMost upper: Value) -> Bounds {
        Bounds(lower: lower, lowerIncluded: false, upper: upper)
    }

    /// NaN is in no bounds: every comparison with it is false.
    public func contains(_ value: Value) -> Bool {
        (lowerIncluded ? value >= lower : value > lower) && value <= upper
    }

    public var description: String {
        lowerIncluded ? "\(lower)...\(upper)" : "(\(lower), \(upper)]"
    }
}

extension Setting {
    /// A whole number in `range`.
    public static func integer(_ name: String, _ path: WritableKeyPath<Root, Int>, _ range: ClosedRange<Int>,
                               _ help: String) -> Setting {
        number(name, path, .within(range), help)
    }

    /// A number within `bounds` (Int, Float, Double or UInt64).
    public static func number<Value>(_ name: String, _ path: WritableKeyPath<Root, Value>, _ bounds: Bounds<Value>,
                                     _ help: String) -> Setting {
        Setting(name: name, help: help, domain: bounds.description, text: { String($0[keyPath: path]) }) { root, text in
            guard let value = Value(text), bounds.contains(value) else {
                throw SettingError("--\(name) must be in \(bounds.description), got \(text)")
            }
            root[keyPath: path] = value
        }
    }

    /// A whole number in `range`, or the word `none` for nil ("auto": the chapter decides,
    /// as the help says; "all": chapter 06's `--jacobian-rows all`).
    public static func integer(_ name: String, _ path: WritableKeyPath<Root, Int?>, _ range: ClosedRange<Int>,
                               none: String = "auto", _ help: String) -> Setting {
        Setting(name: name, help: help, domain: "\(none)|\(range.lowerBound)...\(range.upperBound)",
                text: { $0[keyPath: path].map { String($0) } ?? none }) { root, text in
            if text == none { root[keyPath: path] = nil; return }
            guard let value = Int(text), range.contains(value) else {
                throw SettingError("--\(name) must be \(none) or in \(range.lowerBound)...\(range.upperBound), got \(text)")
            }
            root[keyPath: path] = value
        }
    }

    /// On or off; `--NAME` turns it on.
    public static func flag(_ name: String, _ path: WritableKeyPath<Root, Bool>, _ help: String,
                            namesTheRun: Bool = true) -> Setting {
        Setting(name: name, help: help, domain: "", isFlag: true, namesTheRun: namesTheRun,
                text: { String($0[keyPath: path]) }) { root, _ in root[keyPath: path] = true }
    }

    /// One of a type's named cases.
    public static func choice<Value: RawRepresentable & CaseIterable>(_ name: String, _ path: WritableKeyPath<Root, Value>,
                                                                      _ help: String) -> Setting where Value.RawValue == String {
        let names = Value.allCases.map(\.rawValue)
        return Setting(name: name, help: help, domain: names.joined(separator: "|"), text: { $0[keyPath: path].rawValue }) { root, text in
            guard let value = Value(rawValue: text) else {
                throw SettingError("--\(name) must be one of \(names.joined(separator: ", ")), got \(text)")
            }
            root[keyPath: path] = value
        }
    }

    /// One of a type's named cases, or none ("auto": the chapter decides).
    public static func choice<Value: RawRepresentable & CaseIterable>(_ name: String, _ path: WritableKeyPath<Root, Value?>,
                                                                      _ help: String) -> Setting where Value.RawValue == String {
        let names = Value.allCases.map(\.rawValue)
        return Setting(name: name, help: help, domain: (["auto"] + names).joined(separator: "|"),
                       text: { $0[keyPath: path]?.rawValue ?? "auto" }) { root, text in
            if text == "auto" { root[keyPath: path] = nil; return }
            guard let value = Value(rawValue: text) else {
                throw SettingError("--\(name) must be one of auto, \(names.joined(separator: ", ")), got \(text)")
            }
            root[keyPath: path] = value
        }
    }

    /// `count` numbers separated by commas, each within `bounds`: `--planar-u 1.2,-0.6`.
    public static func numbers(_ name: String, _ path: WritableKeyPath<Root, [Float]>, count: Int, _ bounds: Bounds<Float>,
                               _ help: String) -> Setting {
        Setting(name: name, help: help, domain: "\(count) numbers in \(bounds.description), comma-separated",
                text: { $0[keyPath: path].map { String($0) }.joined(separator: ",") }) { root, text in
            let values = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == count, values.allSatisfy({ $0.map(bounds.contains) ?? false }) else {
                throw SettingError("--\(name) takes \(count) numbers in \(bounds.description) separated by a comma, got \(text)")
            }
            root[keyPath: path] = values.map { $0! }
        }
    }
}
