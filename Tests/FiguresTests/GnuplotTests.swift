import Foundation
import Testing
import TestSupport
import Figures

/// Gnuplot figures: the data and script files, and, when gnuplot is installed, the
/// rendered PNG and the errors gnuplot reports.
@Suite("Gnuplot figures")
struct GnuplotTests {
    /// Two line series and a 3 x 2 heatmap.
    static func figure(name: String, style: String = "lines lw 2") -> GnuplotFigure {
        var figure = GnuplotFigure(name: name, title: "A \"quoted\" title", xLabel: "step", yLabel: "loss")
        figure.series.append(PlotSeries(title: "train", x: [0, 1, 2, 3], y: [2.5, 1.25, 0.75, 0.5]))
        figure.series.append(PlotSeries(title: "validation", x: [0, 1, 2, 3], y: [2.75, 1.5, 1, 0.875], style: style))
        figure.heatmap = (x: [-1, 0, 1], y: [-0.5, 0.5], z: [[0, 1, 2], [3, 4, .nan]])
        figure.settings = ["set xrange [-1.5:3.5]"]
        return figure
    }

    @Test("the .dat file holds one block per heatmap and series, separated by two blank lines")
    func dataText() {
        let blocks = Self.figure(name: "f").dataText.components(separatedBy: "\n\n\n")
        #expect(blocks.count == 3)
        // Heatmap: x y z triples, one blank line between rows of the grid.
        let heatmapRows = blocks[0].components(separatedBy: "\n\n")
        #expect(heatmapRows.count == 2)
        #expect(heatmapRows[0].split(separator: "\n").dropFirst().map(String.init) == ["-1 -0.5 0", "0 -0.5 1", "1 -0.5 2"])
        #expect(heatmapRows[1].split(separator: "\n").map(String.init) == ["-1 0.5 3", "0 0.5 4", "1 0.5 NaN"])
        #expect(blocks[1].split(separator: "\n").map(String.init) == ["# train", "0 2.5", "1 1.25", "2 0.75", "3 0.5"])
        #expect(blocks[2].split(separator: "\n").map(String.init)
                == ["# validation", "0 2.75", "1 1.5", "2 1", "3 0.875"])
    }

    @Test("the script plots the heatmap as index 0 and the series as indices 1 and 2")
    func scriptText() {
        let script = Self.figure(name: "losses").scriptText
        #expect(script.contains("set output 'losses.png'"))
        #expect(script.contains("set title \"A \\\"quoted\\\" title\""))
        #expect(script.contains("set xrange [-1.5:3.5]"))
        #expect(script.contains("set palette defined ("))
        #expect(script.contains("'losses.dat' index 0 using 1:2:3 with image"))
        #expect(script.contains("'losses.dat' index 1 using 1:2 with lines lw 2 title \"train\""))
        #expect(script.contains("'losses.dat' index 2 using 1:2 with lines lw 2 title \"validation\""))
    }

    @Test("write(to:) writes name.dat and name.gp and renders a valid name.png",
          .enabled(if: Gnuplot.executable != nil, "gnuplot is not on the PATH (apt-get install gnuplot)"))
    func renders() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let figure = Self.figure(name: "losses")
        let note = try figure.write(to: scratch.path)
        #expect(note == nil)
        #expect(try scratch.contents() == ["losses.dat", "losses.gp", "losses.png"])
        #expect(try String(contentsOfFile: scratch.file("losses.dat"), encoding: .utf8) == figure.dataText)
        #expect(try String(contentsOfFile: scratch.file("losses.gp"), encoding: .utf8) == figure.scriptText)
        let image = try PNGFile.read(scratch.file("losses.png"), channels: 3)
        #expect(image.width == 800 && image.height == 560)
        // Not a blank canvas: more than two distinct colours.
        var colors = Set<Int>()
        for k in stride(from: 0, to: image.pixels.count, by: 3) {
            colors.insert(Int(image.pixels[k]) << 16 | Int(image.pixels[k + 1]) << 8 | Int(image.pixels[k + 2]))
        }
        #expect(colors.count > 2)
    }

    @Test("a script gnuplot rejects is a note naming the script, with the script and data kept",
          .enabled(if: Gnuplot.executable != nil, "gnuplot is not on the PATH (apt-get install gnuplot)"))
    func scriptError() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let message = try Self.figure(name: "broken", style: "nonsense_style").write(to: scratch.path)
        #expect(message?.hasPrefix("gnuplot failed on ") == true)
        #expect(message?.contains("broken.gp") == true)
        // The data and script are still there to debug.
        #expect(FileManager.default.fileExists(atPath: scratch.file("broken.gp")))
        #expect(FileManager.default.fileExists(atPath: scratch.file("broken.dat")))
    }
}
