import Foundation

/// One curve or point set of a plot: columns of numbers and how gnuplot draws them
/// (a gnuplot `with` clause such as "lines lw 2", "points pt 7 ps 0.3", "boxes").
public struct PlotSeries {
    public var title: String
    public var columns: [[Double]]
    public var style: String
    /// The gnuplot `using` clause; defaults to 1:2 (or 1:2:3 for three columns).
    public var using: String?

    public init(title: String, x: [Double], y: [Double], style: String = "lines lw 2") {
        precondition(x.count == y.count, "series '\(title)': \(x.count) x values and \(y.count) y values")
        self.init(title: title, columns: [x, y], style: style)
    }

    public init(title: String, columns: [[Double]], style: String, using: String? = nil) {
        precondition(Set(columns.map(\.count)).count <= 1, "series '\(title)': columns of different lengths")
        self.title = title; self.columns = columns; self.style = style; self.using = using
    }
}

/// A gnuplot figure: `name.dat` (the data, one block per series) and `name.gp` (the
/// script), written side by side so that `gnuplot name.gp`, run in that folder, draws
/// `name.png` with the pngcairo terminal.
public struct GnuplotFigure: GnuplotDrawing {
    public var name: String
    public var title: String
    public var xLabel = "", yLabel = ""
    public var series: [PlotSeries] = []
    /// Extra gnuplot commands placed before `plot` (ranges, log scales, keys).
    public var settings: [String] = []
    public var size = (width: 800, height: 560)
    /// Data written as a grid for `with image` (a heatmap): x y z triples, blank line per row.
    public var heatmap: (x: [Double], y: [Double], z: [[Double]])? = nil

    public init(name: String, title: String, xLabel: String = "", yLabel: String = "") {
        self.name = name; self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
    }

    public static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    public static func number(_ v: Double) -> String {
        v.isNaN ? "NaN" : v.isInfinite ? (v > 0 ? "Inf" : "-Inf") : String(format: "%.7g", v)
    }

    public var dataText: String {
        var blocks: [String] = []
        if let heatmap {
            var rows: [String] = []
            for (i, y) in heatmap.y.enumerated() {
                rows.append(heatmap.x.enumerated().map { j, x in
                    "\(GnuplotFigure.number(x)) \(GnuplotFigure.number(y)) \(GnuplotFigure.number(heatmap.z[i][j]))"
                }.joined(separator: "\n"))
            }
            blocks.append("# heatmap: x y value\n" + rows.joined(separator: "\n\n"))
        }
        for s in series {
            let n = s.columns.first?.count ?? 0
            let lines = (0..<n).map { i in s.columns.map { GnuplotFigure.number($0[i]) }.joined(separator: " ") }
            blocks.append("# \(s.title)\n" + lines.joined(separator: "\n"))
        }
        // Two blank lines separate gnuplot data blocks, addressed by `index`.
        return blocks.joined(separator: "\n\n\n") + "\n"
    }

    public var scriptText: String {
        var lines = [
            "# Draws \(name).png from \(name).dat. Run in this folder: gnuplot \(name).gp",
            "set terminal pngcairo size \(size.width),\(size.height) enhanced font 'Sans,11'",
            "set output '\(name).png'",
            "set title \(GnuplotFigure.quote(title))",
            "set xlabel \(GnuplotFigure.quote(xLabel))",
            "set ylabel \(GnuplotFigure.quote(yLabel))",
            "set grid",
            "set key top right",
        ]
        lines += settings
        var clauses: [String] = []
        var index = 0
        if heatmap != nil {
            lines.append(Colormap.gnuplotPalette)
            clauses.append("'\(name).dat' index 0 using 1:2:3 with image notitle")
            index = 1
        }
        for s in series {
            let using = s.using ?? (s.columns.count >= 3 ? "1:2:3" : "1:2")
            clauses.append("'\(name).dat' index \(index) using \(using) with \(s.style) title \(GnuplotFigure.quote(s.title))")
            index += 1
        }
        lines.append("plot " + clauses.joined(separator: ", \\\n     "))
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A figure made of a data file and a gnuplot script that reads it: line plots, heat-map
/// panels, scatter panels. All of them are written, and rendered, the same way.
public protocol GnuplotDrawing {
    /// The files' name: `name.dat`, `name.gp`, `name.png`.
    var name: String { get }
    var dataText: String { get }
    var scriptText: String { get }
}

extension GnuplotDrawing {
    /// Writes `name.dat` and `name.gp` into `directory`, then renders `name.png` when gnuplot
    /// is installed. Returns a note when it could not render.
    @discardableResult
    public func write(to directory: String) throws -> String? {
        try Gnuplot.write(name: name, data: dataText, script: scriptText, to: directory)
    }
}

public enum Gnuplot {
    /// The gnuplot executable on the PATH, if any.
    public static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/gnuplot" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Writes `name.dat` and `name.gp` into `directory`, then renders `name.png` when
    /// gnuplot is installed; returns a note when it could not render.
    public static func write(name: String, data: String, script: String, to directory: String) throws -> String? {
        try writeTextFile(data, to: (directory as NSString).appendingPathComponent(name + ".dat"))
        try writeTextFile(script, to: (directory as NSString).appendingPathComponent(name + ".gp"))
        return try render(script: name + ".gp", in: directory)
    }

    /// How long one figure may take before gnuplot is stopped: 60 seconds, or
    /// `FLOWGAN_GNUPLOT_SECONDS` (1 to 3600) when set. A figure takes well under a second.
    public static var timeLimit: Int {
        ProcessInfo.processInfo.environment["FLOWGAN_GNUPLOT_SECONDS"].flatMap(Int.init).map { min(max($0, 1), 3600) } ?? 60
    }

    /// coreutils' `timeout`, which runs a command in a process group of its own and stops
    /// the whole group (gnuplot and anything it started) when time runs out.
    static let timeoutExecutable = ["/usr/bin/timeout", "/bin/timeout"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `gnuplot script` in `directory`, stopped after `timeLimit` seconds. Returns nil
    /// on success, and a note when gnuplot is absent, warned, failed (a script it rejects, a
    /// build without the pngcairo terminal) or ran out of time: a figure that cannot be
    /// drawn never costs a run its numbers, nor hangs it. The note of a failure starts with
    /// "gnuplot failed", which CI treats as an error.
    public static func render(script: String, in directory: String) throws -> String? {
        guard let executable else {
            return "gnuplot is not on the PATH: \(script) was written but not rendered (apt-get install gnuplot)"
        }
        let limit = timeLimit
        let process = Process()
        if let timeoutExecutable {
            process.executableURL = URL(fileURLWithPath: timeoutExecutable)
            process.arguments = ["--kill-after=2", String(limit), executable, script]
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = [script]
        }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        // Errors go to a file, not a pipe: a process gnuplot leaves behind that still holds
        // the pipe would keep a reader waiting for ever; a file is read once gnuplot is done.
        let errorsPath = (NSTemporaryDirectory() as NSString).appendingPathComponent("flowgan-gnuplot-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt")
        guard FileManager.default.createFile(atPath: errorsPath, contents: nil),
              let errors = FileHandle(forWritingAtPath: errorsPath) else {
            return "\(script): gnuplot was not run (cannot create a temporary file for its messages); the script and data are written, the PNG is not"
        }
        defer { try? FileManager.default.removeItem(atPath: errorsPath) }
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            try? errors.close()
            return "\(script): gnuplot failed to start (\(error.localizedDescription)); the script and data are written, the PNG is not"
        }
        process.waitUntilExit()
        try? errors.close()
        let message = (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? ""
        // timeout's exit status when it had to stop the command (124; 137 after SIGKILL).
        if timeoutExecutable != nil, [124, 137].contains(process.terminationStatus) {
            let path = (directory as NSString).appendingPathComponent(script)
            return "gnuplot failed on \(path): it did not finish within \(limit) s and was stopped; the script and data are written, the PNG is not"
        }
        // gnuplot reports both errors and warnings on stderr. Warnings (an empty range it
        // widened, say) leave a valid picture and are passed on as a note; anything else
        // is an error, whatever the exit status.
        let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let warnings = lines.filter { $0.localizedCaseInsensitiveContains("warning:") }
        let problems = lines.filter { !$0.localizedCaseInsensitiveContains("warning:") }
        if process.terminationStatus != 0 || !problems.isEmpty {
            let path = (directory as NSString).appendingPathComponent(script)
            return "gnuplot failed on \(path): \(problems.isEmpty ? "exit \(process.terminationStatus)" : problems.joined(separator: " / ")); the script and data are written, the PNG is not"
        }
        if !warnings.isEmpty { return "\(script): gnuplot \(warnings.joined(separator: " / "))" }
        return nil
    }
}
