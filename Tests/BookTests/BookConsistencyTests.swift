import Foundation
import Testing

/// book.md must say what the code and the chapters' outputs say. Three mechanisms:
///
/// - Quoted code. `<!-- quote: PATH#NAME -->` before a fenced code block means the block
///   is the region between `// [book:NAME]` and `// [/book:NAME]` in PATH, dedented.
/// - Figures. Every image the book shows, `![...](Figures/...)`, exists in the repository.
/// - Numbers. A number followed by `<!-- n: FILE KEY -->` is the value at KEY (dots for
///   nesting) of Figures/FILE, rounded to the digits the book prints.
@Suite("book.md agrees with the sources and the results files")
struct BookConsistencyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    static var book: String { (try? read("book.md")) ?? "" }

    static func matches(_ pattern: String, in text: String) -> [[String]] {
        let regex = try! NSRegularExpression(pattern: pattern, options: [])
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
            (0..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : ns.substring(with: m.range(at: $0)) }
        }
    }

    @Test func bookExistsAndHasChapters() throws {
        let text = try Self.read("book.md")
        #expect(text.contains("## Chapter 01"), "book.md has no Chapter 01 heading")
    }

    @Test func quotedCodeMatchesItsSource() throws {
        let quotes = Self.matches(#"<!-- quote: ([^#\s]+)#([\w-]+) -->\s*\n```[a-z]*\n([\s\S]*?)\n```"#, in: Self.book)
        #expect(!quotes.isEmpty, "book.md quotes no code")
        for quote in quotes {
            let (path, name, shown) = (quote[1], quote[2], quote[3])
            let source = try Self.read(path)
            let region = Self.matches(#"// \[book:"# + NSRegularExpression.escapedPattern(for: name)
                                      + #"\][^\n]*\n([\s\S]*?)\n[ \t]*// \[/book:"# + NSRegularExpression.escapedPattern(for: name) + #"\]"#,
                                      in: source)
            try #require(region.count == 1, "\(path) has \(region.count) regions named \(name)")
            #expect(Self.dedent(region[0][1]) == shown, "book.md's quote of \(path)#\(name) differs from the source")
        }
    }

    @Test("every quote marker is followed by the code block it quotes")
    func everyQuoteMarkerHasItsBlock() {
        let markers = Self.matches(#"<!-- quote: ([^\s]*) -->"#, in: Self.book).map { $0[1] }
        let withBlocks = Self.matches(#"<!-- quote: ([^#\s]+#[\w-]+) -->\s*\n```"#, in: Self.book).map { $0[1] }
        #expect(!markers.isEmpty, "book.md has no quote markers")
        for marker in markers where !withBlocks.contains(marker) {
            Issue.record("book.md's quote marker \(marker) is not followed by a fenced code block")
        }
    }

    @Test("every region marked for the book in Sources/ and Chapters/ is quoted by it")
    func everyMarkedRegionIsQuoted() throws {
        let quoted = Set(Self.matches(#"<!-- quote: ([^#\s]+#[\w-]+) -->"#, in: Self.book).map { $0[1] })
        var regions: [String] = []
        for folder in ["Sources", "Chapters"] {
            let base = Self.root.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(atPath: base.path)?.compactMap { $0 as? String } ?? []
            for file in files where file.hasSuffix(".swift") || file.hasSuffix(".c") {
                let text = try Self.read("\(folder)/\(file)")
                regions += Self.matches(#"// \[book:([\w-]+)\]"#, in: text).map { "\(folder)/\(file)#\($0[1])" }
            }
        }
        #expect(regions.count > 10, "found only \(regions.count) marked regions")
        for region in regions where !quoted.contains(region) {
            Issue.record("\(region) is marked for the book, but book.md does not quote it")
        }
    }

    @Test func everyFigureTheBookShowsExists() {
        let figures = Self.matches(#"\]\((Figures/[^) ]+)\)"#, in: Self.book).map { $0[1] }
        #expect(!figures.isEmpty, "book.md shows no figure")
        for figure in figures {
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(figure).path),
                    "book.md shows \(figure), which does not exist")
        }
    }

    /// Numbers quoted in book.md and README.md (the chapter times and benchmark table).
    @Test(arguments: ["book.md", "README.md", "Benchmarks/README.md"])
    func quotedNumbersMatchTheResultsFiles(document: String) throws {
        let text = try Self.read(document)
        #expect(!text.contains("[["), "\(document) has an unfilled number placeholder: run Scripts/fill-numbers.py")
        let numbers = Self.matches(#"(-?[0-9][0-9,]*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)(%?)\s*<!-- n: (\S+) (\S+) -->"#, in: text)
        #expect(!numbers.isEmpty, "\(document) quotes no number from a results file")
        for number in numbers {
            let (printed, percent, file, key) = (number[1], number[2] == "%", number[3], number[4])
            // FILE is a chapter's results file in Figures/, or a path from the repository root.
            let url = file.contains("/") ? Self.root.appendingPathComponent(file)
                : Self.root.appendingPathComponent("Figures").appendingPathComponent(file)
            let data = try Data(contentsOf: url)
            var value: Any? = try JSONSerialization.jsonObject(with: data)
            for part in key.split(separator: ".") {
                // A dictionary key, or a position in a list (history.3.test_nll_tracked).
                if let list = value as? [Any], let index = Int(part), list.indices.contains(index) { value = list[index] }
                else { value = (value as? [String: Any])?[String(part)] }
            }
            // A number printed as a percentage is the file's fraction times 100.
            let actual = try #require((value as? NSNumber)?.doubleValue, "\(file) has no number at \(key)") * (percent ? 100 : 1)
            let shown = Double(printed.replacingOccurrences(of: ",", with: ""))!
            #expect(abs(actual - shown) <= Self.halfUnitInLastPlace(printed) * 1.0001,
                    "\(document) prints \(printed) for \(file) \(key), which is \(actual)")
        }
    }

    /// The AIS estimates a text quotes (keys containing `ais_nll_nats`) that stand without
    /// their BDMC gap: each must share its table row, or else its paragraph, with a quoted
    /// `bdmc_gap` number or the words "not converged" (issue 27: an AIS number without its
    /// gap ranks nothing).
    static func aisNumbersWithoutTheirGap(in text: String) -> [String] {
        var lonely: [String] = []
        for paragraph in text.components(separatedBy: "\n\n") {
            let lines = paragraph.components(separatedBy: "\n")
            // A table's rows are judged one by one, prose as a whole paragraph.
            let units = lines.allSatisfy({ $0.hasPrefix("|") }) ? lines : [paragraph]
            for unit in units {
                let keys = matches(#"<!-- n: \S+ (\S*ais_nll_nats\S*) -->"#, in: unit).map { $0[1] }
                if !keys.isEmpty && !unit.contains("bdmc_gap") && !unit.contains("not converged") {
                    lonely += keys
                }
            }
        }
        return lonely
    }

    @Test("every AIS estimate the book quotes comes with its BDMC gap or says it has not converged")
    func aisNumbersComeWithTheirGap() {
        let lonely = Self.aisNumbersWithoutTheirGap(in: Self.book)
        #expect(lonely.isEmpty, "AIS numbers without a BDMC gap beside them: \(lonely)")
    }

    /// Half a unit in the last printed digit: the largest rounding error of `printed`.
    static func halfUnitInLastPlace(_ printed: String) -> Double {
        let plain = printed.replacingOccurrences(of: ",", with: "").lowercased()
        let parts = plain.split(separator: "e", maxSplits: 1)
        let mantissa = String(parts[0])
        let exponent = parts.count > 1 ? Int(parts[1])! : 0
        let decimals = mantissa.split(separator: ".").dropFirst().first?.count ?? 0
        return 0.5 * pow(10, Double(exponent - decimals))
    }

    /// Removes the indentation common to all non-blank lines.
    static func dedent(_ text: String) -> String {
        let lines = text.components(separatedBy: "\n")
        let indent = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return lines.map { $0.count >= indent ? String($0.dropFirst(indent)) : $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: "\n")
    }
}

/// The checks themselves must be able to fail: they are exercised here on made-up input.
@Suite("The book checks catch drift")
struct BookCheckSelfTests {
    @Test func roundingToleranceFollowsPrintedDigits() {
        #expect(BookConsistencyTests.halfUnitInLastPlace("0.0061") == 0.00005)
        #expect(BookConsistencyTests.halfUnitInLastPlace("3.5e-07") == 0.5e-8)
        #expect(BookConsistencyTests.halfUnitInLastPlace("-3,334") == 0.5)
    }

    @Test func aisNumbersWithoutAGapAreFound() {
        let alone = "AIS gives 12<!-- n: f.json mle.ais_nll_nats --> nats.\n\nExact 3<!-- n: f.json mle.exact_nll_nats -->."
        let withGap = "AIS gives 12<!-- n: f.json mle.ais_nll_nats --> (gap 2<!-- n: f.json mle.bdmc_gap_nats -->)."
        let table = "| MLE | 1<!-- n: f.json mle.ais_nll_nats --> | 2<!-- n: f.json mle.bdmc_gap_nats --> |\n| ADV | 3<!-- n: f.json adv.ais_nll_nats --> |"
        #expect(BookConsistencyTests.aisNumbersWithoutTheirGap(in: alone) == ["mle.ais_nll_nats"])
        #expect(BookConsistencyTests.aisNumbersWithoutTheirGap(in: withGap).isEmpty)
        #expect(BookConsistencyTests.aisNumbersWithoutTheirGap(in: table) == ["adv.ais_nll_nats"])
        #expect(BookConsistencyTests.aisNumbersWithoutTheirGap(in: "ADV 5<!-- n: f.json adv.ais_nll_nats --> (not converged)").isEmpty)
        #expect(BookConsistencyTests.aisNumbersWithoutTheirGap(in: "AIS 7<!-- n: f.json study.ais_nll_nats.mle -->.") == ["study.ais_nll_nats.mle"])
    }

    @Test func dedentRemovesCommonIndentation() {
        #expect(BookConsistencyTests.dedent("    a\n      b\n\n    c") == "a\n  b\n\nc")
    }
}
