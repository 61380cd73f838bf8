import Foundation

/// A progress line for long loops: steps done, rate, estimated time left, and a metric.
/// On a terminal it rewrites one line; in a log it prints a line every ~10% and at the end.
/// A resumed run starts part of the way: its rate and time left count only the steps this
/// process has done (`startingAt`), not those of the run it resumed.
public final class ProgressLine {
    let label: String
    var total: Int
    let startingAt: Int
    let unit: String
    let start = Date()
    var lastPrint = Date.distantPast
    var lastLoggedTenth = -1
    let interactive = isatty(STDERR_FILENO) != 0

    public init(_ label: String, total: Int, unit: String = "it", startingAt: Int = 0) {
        self.label = label; self.total = max(total, 1); self.unit = unit; self.startingAt = max(startingAt, 0)
    }

    /// Seconds since the line was created.
    public var elapsed: Double { Date().timeIntervalSince(start) }

    /// Reports `done` steps; `total` replaces the total when the work turned out larger or
    /// smaller than announced (AIS over several groups of images).
    public func update(_ done: Int, total newTotal: Int? = nil, metric: String = "") {
        if let newTotal { total = max(newTotal, 1) }
        let now = Date()
        let tenth = done * 10 / total
        let finished = done >= total
        if interactive {
            guard finished || now.timeIntervalSince(lastPrint) > 0.25 else { return }
        } else {
            guard finished || tenth > lastLoggedTenth else { return }
            lastLoggedTenth = tenth
        }
        lastPrint = now
        let text = line(done, seconds: elapsed, metric: metric)
        FileHandle.standardError.write(Data(((interactive ? "\r\u{1B}[K" : "") + text + (interactive && !finished ? "" : "\n")).utf8))
    }

    /// The line for `done` steps after `seconds`: the count, the rate of the steps done since
    /// `startingAt`, the time left at that rate (never below zero) and the metric.
    public func line(_ done: Int, seconds: Double, metric: String = "") -> String {
        let rate = Double(max(done - startingAt, 0)) / max(seconds, 1e-9)
        // No step yet since the start: no rate to read the time left from.
        let left = done >= total ? "0:00" : rate > 0 ? ProgressLine.clock(Double(total - done) / rate) : "-:--"
        return String(format: "%@ %d/%d  %.1f %@/s  %@ left  %@", label, done, total, rate, unit, left, metric)
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// Prints a line to standard error (notes, warnings), leaving standard output to results.
public func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
