import ArgumentParser
import Foundation
import Course

/// `flowgan check`: did my run come out as the book's runs did? Compares the numbers of a
/// chapter's results file with their range over the seeds the book was run with.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compares a chapter's results file, number by number, with the range the book's seed runs gave.",
        discussion: """
        Reads the ranges the book quotes (Figures/chapter-seeds/ranges.json for chapters 02 to 04, \
        Figures/ch05-seeds/ranges.json for chapters 05 and 06: each number's minimum, median and \
        maximum over the seeds run), finds the numbers that come from a file of the same name as \
        yours (ch03-results.json, ...), and prints each with its range and whether yours is inside. \
        The ranges hold for the chapters' default runs; a --quick run, another data set, model or \
        iteration count is refused with the setting that differs. A number outside a range of a few \
        seeds is not necessarily wrong (another seed or CPU can land just outside): the book's box \
        at the start of each chapter says what a value far outside means.

        Example: flowgan check Runs/my-run/ch05-results.json
        """)

    @Argument(help: "A results file a chapter wrote (ch02-results.json ... ch06-results.json).")
    var results: String
    @Option(name: .customLong("ranges"), help: ArgumentHelp("A ranges.json to compare with (default: the book's two).", valueName: "file"))
    var rangesFiles: [String] = []

    func run() throws {
        let files = rangesFiles.isEmpty ? CheckCommand.defaultRanges : rangesFiles
        let yours = try readJSON(results)
        let name = (results as NSString).lastPathComponent
        var report: [CheckedNumber] = []
        var found = false
        for file in files {
            let ranges = try SeedRanges(path: file)
            guard let settings = ranges.appliesTo[name] else { continue }
            found = true
            if let mismatch = ranges.mismatch(of: yours, settings: settings) {
                throw ChapterError("\(results): \(mismatch); the ranges in \(file) are for the chapter's default run")
            }
            let lines = try ranges.check(yours, file: name)
            print("\(name) against \(file) (\(ranges.seedCount) seeds):")
            for line in lines { print("  " + line.description) }
            report += lines
        }
        guard found else {
            throw ChapterError("\(results): no ranges for a file named \(name) in \(files.joined(separator: ", ")) "
                               + "(they cover \(CheckCommand.coveredNames(files)))")
        }
        let outside = report.filter { !$0.inside }
        print(outside.isEmpty ? "all \(report.count) numbers inside the book's ranges"
                              : "\(outside.count) of \(report.count) numbers outside the book's ranges: \(outside.map(\.name).joined(separator: ", "))")
    }

    static let defaultRanges = ["Figures/chapter-seeds/ranges.json", "Figures/ch05-seeds/ranges.json"]

    static func coveredNames(_ files: [String]) -> String {
        let names = files.compactMap { try? SeedRanges(path: $0) }.flatMap { $0.appliesTo.keys }.sorted()
        return names.isEmpty ? "no files" : names.joined(separator: ", ")
    }
}

/// One number of a student's file against its range.
struct CheckedNumber: CustomStringConvertible {
    let name: String
    let value: Double
    let minimum: Double
    let median: Double
    let maximum: Double

    /// Inside the range, give or take the last digits a JSON round trip can change.
    var inside: Bool {
        let slack = 1e-9 * max(1, abs(minimum), abs(maximum))
        return value >= minimum - slack && value <= maximum + slack
    }

    var description: String {
        let verdict: String
        if inside {
            verdict = "inside"
        } else {
            let by = value < minimum ? minimum - value : value - maximum
            let width = maximum - minimum
            verdict = "OUTSIDE, \(value < minimum ? "below" : "above") by \(format(by))"
                + (width > 0 ? String(format: " (%.1f times the range's width)", by / width) : "")
        }
        return "\(name): \(format(value)), range \(format(minimum)) to \(format(maximum)) (median \(format(median))): \(verdict)"
    }

    private func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(format: abs(v) >= 100 ? "%.1f" : (abs(v) >= 0.01 ? "%.4g" : "%.3g"), v)
    }
}

/// A ranges.json written by Scripts/seed-ranges.py or Scripts/chapter-seed-ranges.py: each
/// number's range over the seeds, where it comes from in a results file, and the settings a
/// run must share for the ranges to apply.
struct SeedRanges {
    let path: String
    let seedCount: Int
    /// name -> (min, median, max)
    let numbers: [String: (Double, Double, Double)]
    /// name -> where it is read from: a path in one file, or the difference of two.
    let sources: [String: Any]
    /// results file name -> [(path, value)]
    let appliesTo: [String: [([String], Any)]]

    init(path: String) throws {
        self.path = path
        guard let top = try readJSON(path) as? [String: Any], let numbers = top["numbers"] as? [String: Any],
              let sources = top["sources"] as? [String: Any], let applies = top["applies_to"] as? [String: Any] else {
            throw ChapterError("\(path): not a ranges file (it needs numbers, sources and applies_to; Scripts/seed-ranges.py writes one)")
        }
        seedCount = top["seed_count"] as? Int ?? 0
        var ranges: [String: (Double, Double, Double)] = [:]
        for (name, entry) in numbers {
            guard let entry = entry as? [String: Any], let low = number(entry["min"]), let mid = number(entry["median"]),
                  let high = number(entry["max"]) else { continue }
            ranges[name] = (low, mid, high)
        }
        self.numbers = ranges
        self.sources = sources
        var settings: [String: [([String], Any)]] = [:]
        for (file, pairs) in applies {
            settings[file] = ((pairs as? [Any]) ?? []).compactMap { pair in
                guard let pair = pair as? [Any], pair.count == 2, let keys = pair[0] as? [String] else { return nil }
                return (keys, pair[1])
            }
        }
        appliesTo = settings
    }

    /// Why `results` is not a run these ranges describe, or nil when it is.
    func mismatch(of results: Any, settings: [([String], Any)]) -> String? {
        for (keys, expected) in settings {
            let found = value(at: keys, in: results)
            if !sameValue(found, expected) {
                return "its \(keys.joined(separator: ".")) is \(found.map(jsonText) ?? "missing"), not \(jsonText(expected))"
            }
        }
        return nil
    }

    /// Every number whose source is in a file named `file`, read from `results`.
    func check(_ results: Any, file: String) throws -> [CheckedNumber] {
        try sources.keys.sorted().compactMap { name -> CheckedNumber? in
            guard let source = sources[name], let range = numbers[name], files(of: source).allSatisfy({ $0 == file }) else { return nil }
            guard let value = evaluate(source, in: results) else {
                throw ChapterError("\(file): has no value for \(name) (\(describe(source))); is it a results file of this chapter's current version?")
            }
            return CheckedNumber(name: name, value: value, minimum: range.0, median: range.1, maximum: range.2)
        }
    }

    private func files(of source: Any) -> [String] {
        guard let source = source as? [String: Any] else { return [] }
        if let parts = source["difference"] as? [Any] { return parts.flatMap(files(of:)) }
        return (source["file"] as? String).map { [$0] } ?? []
    }

    /// The value a source names in `results`: one entry, or the first minus the second.
    func evaluate(_ source: Any, in results: Any) -> Double? {
        guard let source = source as? [String: Any] else { return nil }
        if let parts = source["difference"] as? [Any], parts.count == 2 {
            guard let a = evaluate(parts[0], in: results), let b = evaluate(parts[1], in: results) else { return nil }
            return a - b
        }
        guard let keys = source["path"] as? [String] else { return nil }
        return number(value(at: keys, in: results))
    }

    private func describe(_ source: Any) -> String {
        guard let source = source as? [String: Any] else { return "?" }
        if let parts = source["difference"] as? [Any] { return parts.map(describe).joined(separator: " minus ") }
        return ((source["path"] as? [String]) ?? []).joined(separator: ".")
    }
}

/// The entry at `keys` (object keys, or list positions written as numbers).
private func value(at keys: [String], in json: Any) -> Any? {
    var current: Any? = json
    for key in keys {
        if let object = current as? [String: Any] { current = object[key] }
        else if let list = current as? [Any], let index = Int(key), list.indices.contains(index) { current = list[index] }
        else { return nil }
    }
    return current
}

/// A JSON number (the sources name numbers only; a Boolean would read as 0 or 1).
private func number(_ any: Any?) -> Double? {
    (any as? NSNumber)?.doubleValue
}

private func sameValue(_ a: Any?, _ b: Any) -> Bool {
    if let a = a as? NSNumber, let b = b as? NSNumber { return a == b }
    if let a = a as? String, let b = b as? String { return a == b }
    return false
}

/// A JSON file, or one line saying what is wrong with it.
func readJSON(_ path: String) throws -> Any {
    guard FileManager.default.fileExists(atPath: path) else { throw ChapterError("\(path): no such file") }
    guard let data = FileManager.default.contents(atPath: path) else { throw ChapterError("\(path): cannot be read") }
    guard !data.isEmpty else { throw ChapterError("\(path): is empty") }
    do {
        return try JSONSerialization.jsonObject(with: data)
    } catch {
        throw ChapterError("\(path): not valid JSON (truncated or edited?)")
    }
}

/// A JSON value as JSON writes it: true and false for Booleans (which JSONSerialization
/// hands over as NSNumbers of type "c"), numbers and strings as they are.
private func jsonText(_ value: Any) -> String {
    if let n = value as? NSNumber, String(cString: n.objCType) == "c" { return n.boolValue ? "true" : "false" }
    return "\(value)"
}
