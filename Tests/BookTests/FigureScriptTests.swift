import Foundation
import Testing

/// Every gnuplot figure the chapters commit can be read by a student: a title, labelled
/// axes, and for a heat map a colour bar. Checked on the scripts in Figures/ (recursively),
/// which the chapters write beside each PNG; `.ci/run` applies the same rule to the
/// quick runs' scripts.
@Suite("Figures have titles, labelled axes and colour bars")
struct FigureScriptTests {
    static func scripts() throws -> [(String, String)] {
        let figures = BookConsistencyTests.root.appendingPathComponent("Figures")
        guard let walker = FileManager.default.enumerator(atPath: figures.path) else { return [] }
        return try walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".gp") }.sorted().map {
            ($0, try String(contentsOf: figures.appendingPathComponent($0), encoding: .utf8))
        }
    }

    /// The quoted argument of the first `set KEYWORD "..."` line, if any.
    static func setting(_ keyword: String, in script: String) -> String? {
        for line in script.split(separator: "\n") where line.hasPrefix("set \(keyword) \"") {
            let rest = line.dropFirst("set \(keyword) \"".count)
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
        return nil
    }

    @Test("every .gp sets a non-empty title, x label and y label; every image plot keeps its colour bar")
    func titlesAndLabels() throws {
        let scripts = try Self.scripts()
        #expect(scripts.count > 20, "only \(scripts.count) gnuplot scripts in Figures/")
        for (name, script) in scripts {
            for keyword in ["xlabel", "ylabel"] {
                #expect(!(Self.setting(keyword, in: script) ?? "").isEmpty, "\(name): no \(keyword)")
            }
            let titled = !(Self.setting("title", in: script) ?? "").isEmpty || script.contains("multiplot layout") && script.contains(" title \"")
            #expect(titled, "\(name): no title")
            if script.contains("with image") {
                #expect(!script.contains("unset colorbox"), "\(name): a heat map without its colour bar")
                #expect(script.contains("set palette"), "\(name): a heat map without a palette")
            }
        }
    }
}
