import Foundation
import Testing
import TestSupport
import Figures

/// A curve with a single point makes gnuplot warn about an empty x range and widen it;
/// the picture is still drawn, so the warning comes back as a note, not an error.
@Test(.enabled(if: Gnuplot.executable != nil, "gnuplot is not installed"))
func aGnuplotWarningIsANoteNotAnError() throws {
    let scratch = try ScratchFolder()
    defer { scratch.remove() }
    var figure = GnuplotFigure(name: "single-point", title: "one evaluation", xLabel: "iteration", yLabel: "NLL")
    figure.series = [PlotSeries(title: "validation", x: [300], y: [-1200], style: "linespoints")]
    let message = try figure.write(to: scratch.path)
    #expect(message?.lowercased().contains("warning: empty x range") == true, "expected gnuplot's warning to be passed on, got \(String(describing: message))")
    let image = try PNGFile.read(scratch.file("single-point.png"), channels: 3)
    #expect(image.width == 800 && image.height == 560)
}
