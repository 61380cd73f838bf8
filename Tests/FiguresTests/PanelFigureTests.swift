import Foundation
import Testing
import TestSupport
import TensorCore
import Figures

/// The multi-panel figures and titled sample grids: what their scripts point at exists,
/// and row labels sit where a hand computation of the grid's layout puts them.
@Suite("Panel figures")
struct PanelFigureTests {
    @Test("image grid figure: row labels at the rows' pixel centres, counted from the bottom")
    func gridRowLabels() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        // Three 2x2 images in one column, scale 1, border 1: cells 3 pixels high, the grid
        // 3·3 + 1 = 10 high (and 2 + 1 + 1 = 4 wide). Row r's centre is 1 + 3r + 1 pixels from the top, so gnuplot's
        // y (upwards from the bottom) is 10 - (2 + 3r): 8, 5, 2.
        var figure = ImageGridFigure(name: "rows", title: "three rows", images: Tensor(zeros: [3, 1, 2, 2]), columns: 1)
        figure.scale = 1
        figure.rowLabels = ["a", "b", "c"]
        _ = try figure.write(to: scratch.path)
        let script = try String(contentsOfFile: scratch.file("rows.gp"), encoding: .utf8)
        #expect(script.contains("set ytics (\"a\" 8, \"b\" 5, \"c\" 2)"), "\(script)")
        #expect(script.contains("plot 'rows-grid.png'"))
        let grid = try PNGFile.read(scratch.file("rows-grid.png"), channels: 1)
        #expect(grid.width == 4 && grid.height == 10)
    }

    @Test("scatter panels: one data block per panel plus the data, each plotted where its index says")
    func scatterBlocks() {
        let figure = ScatterPanels(name: "clouds", title: "t", xLabel: "x", yLabel: "y", extent: 3,
                                   data: [0, 0, 1, 1], panels: [("A", [0.5, 0.5]), ("B", [-1, 2, 2, -1, 0, 0])])
        // gnuplot separates indexed blocks by two blank lines.
        let blocks = figure.dataText.components(separatedBy: "\n\n\n")
        #expect(blocks.count == 3)
        #expect(blocks[2].split(separator: "\n").count == 1 + 3, "block B: a comment line and three points")
        let script = figure.scriptText
        #expect(script.contains("layout 1,2"))
        for index in 0...2 { #expect(script.contains("index \(index) using 1:2")) }
        #expect(!script.contains("index 3"))
    }
}
