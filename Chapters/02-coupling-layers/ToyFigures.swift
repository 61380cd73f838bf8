import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Figures
import Course

/// Data histogram, the two models' densities, and their samples, side by side.
func drawDensities(_ density: ToyDensity, train: Tensor, models: [(String, NormalizingFlow)],
                   gridSize n: Int, generator: inout RandomGenerator, folder: String) throws {
    let extent = Double(density.extent)
    let cell = 2 * extent / Double(n)
    var grid: [Float] = []
    for i in 0..<n { for j in 0..<n {
        grid.append(Float(-extent + (Double(j) + 0.5) * cell)); grid.append(Float(extent - (Double(i) + 0.5) * cell))
    } }
    let points = Tensor(shape: [n * n, 2], values: grid)
    // The data as a normalised 2-D histogram on the same grid.
    var counts = [Float](repeating: 0, count: n * n)
    let t = train.values
    for k in 0..<train.shape[0] {
        let j = Int(((Double(t[2 * k]) + extent) / cell).rounded(.down))
        let i = Int(((extent - Double(t[2 * k + 1])) / cell).rounded(.down))
        if i >= 0 && i < n && j >= 0 && j < n { counts[i * n + j] += 1 }
    }
    // The histogram as a density: counts / (points · cell area).
    let perArea = 1 / (Double(train.shape[0]) * cell * cell)
    var panels = [HeatmapPanel(title: "data (histogram)", values: counts.map { Double($0) * perArea }, n: n, extent: extent)]
    var samplePanels: [(title: String, points: [Float])] = []
    for (name, flow) in models {
        let densityValues = GradientRecording.withoutRecording { flow.logLikelihood(Variable(points)).value.map { Foundation.exp($0) } }
        panels.append(HeatmapPanel(title: "\(name) coupling flow", values: densityValues.values.map(Double.init), n: n, extent: extent))
        let samples = GradientRecording.withoutRecording { flow.sample(2000, generator: &generator).value.values }
        samplePanels.append((title: "\(name) coupling flow", points: samples))
    }
    let densities = HeatmapPanels(name: "ch02-\(density.rawValue)-densities", title: "\(density.rawValue): the data and the densities of the trained flows",
                                  xLabel: "x_1", yLabel: "x_2", colorLabel: "density", panels: panels)
    if let message = try densities.write(to: folder) { note(message) }

    let figure = ScatterPanels(name: "ch02-\(density.rawValue)-samples", title: "\(density.rawValue): 2,000 samples of each trained flow, the data grey beneath",
                               xLabel: "x_1", yLabel: "x_2", extent: extent, data: Array(train.values.prefix(4000)),
                               panels: samplePanels)
    if let message = try figure.write(to: folder) { note(message) }
}

/// Latent points followed back through the flow, two couplings at a time, each point
/// coloured by its angle in the latent plane: where each slice of the normal ends up.
/// One PNG of panels side by side (ch02-<density>-layers).
func drawLayerByLayer(_ flow: NormalizingFlow, density: ToyDensity, data: Tensor, points count: Int,
                      seed: UInt64, folder: String) throws {
    let layers = flow.flow.layers
    var generator = RandomGenerator(seed: seed, stream: .layerFigureLatents)
    let latent = Tensor.normal([count, 2], generator: &generator)
    let angles = (0..<count).map { Foundation.atan2(Double(latent.values[2 * $0 + 1]), Double(latent.values[2 * $0])) * 180 / .pi }
    let stages = Array(stride(from: 0, through: layers.count, by: 2)) + (layers.count % 2 == 1 ? [layers.count] : [])
    var blocks: [String] = []
    for stage in stages {
        // Apply the last `stage` layers' inverses: latent -> data, partially.
        var h = Variable(latent)
        GradientRecording.withoutRecording {
            for layer in layers.suffix(stage).reversed() { h = layer.inverse(h).output }
        }
        let v = h.value.values
        blocks.append("# after inverting the last \(stage) layers: x_1 x_2 latent-angle\n" + (0..<count).map {
            "\(GnuplotFigure.number(Double(v[2 * $0]))) \(GnuplotFigure.number(Double(v[2 * $0 + 1]))) \(GnuplotFigure.number(angles[$0]))"
        }.joined(separator: "\n"))
    }
    let d = Array(data.values.prefix(2 * count))
    blocks.append("# the training data: x_1 x_2\n" + stride(from: 0, to: d.count, by: 2).map {
        "\(GnuplotFigure.number(Double(d[$0]))) \(GnuplotFigure.number(Double(d[$0 + 1])))"
    }.joined(separator: "\n"))
    let name = "ch02-\(density.rawValue)-layers"
    let extent = Double(density.extent)
    var lines = [
        "# Draws \(name).png from \(name).dat. Run in this folder: gnuplot \(name).gp",
        "set terminal pngcairo size \(330 * stages.count + 90),420 enhanced font 'Sans,10'",
        "set output '\(name).png'",
        // A cyclic palette, since -180° and 180° are the same direction.
        "set palette model HSV defined (0 0 0.75 0.9, 1 1 0.75 0.9)",
        "set cbrange [-180:180]",
        "set size ratio -1",
        "set xrange [\(-extent):\(extent)]",
        "set yrange [\(-extent):\(extent)]",
        "set xlabel \(GnuplotFigure.quote("x_1"))",
        "set ylabel \(GnuplotFigure.quote("x_2")) offset 1,0",
        "unset key",
        "set multiplot layout 1,\(stages.count) title \(GnuplotFigure.quote("\(density.rawValue): latent points z drawn from N(0, I) pulled back through the affine flow, colored by their angle in the latent plane (grey: the data)")) font 'Sans,11'",
    ]
    for (index, stage) in stages.enumerated() {
        let title = stage == 0 ? "z (no layer inverted)" : "after inverting the last \(stage) of \(layers.count)"
        lines.append("set title \(GnuplotFigure.quote(title))")
        // The colour bar once, on the last panel, where it labels every panel's colours.
        if index == stages.count - 1 {
            lines += ["set colorbox", "set cblabel 'angle of z (degrees)' offset 0.5,0", "set cbtics 90"]
        } else {
            lines.append("unset colorbox")
        }
        let dataLayer = stage == layers.count ? "'\(name).dat' index \(stages.count) using 1:2 with points pt 7 ps 0.2 lc rgb '#bbbbbb', " : ""
        lines.append("plot \(dataLayer)'\(name).dat' index \(index) using 1:2:3 with points pt 7 ps 0.25 lc palette")
    }
    lines.append("unset multiplot")
    if let message = try Gnuplot.write(name: name, data: blocks.joined(separator: "\n\n\n") + "\n",
                                       script: lines.joined(separator: "\n") + "\n", to: folder) { note(message) }
}

/// The chapter's random streams besides the data's.
extension RandomStream {
    /// Latent points followed through the layers in the layer-by-layer figures.
    static let layerFigureLatents = RandomStream(202)
    /// The 5,000 samples whose modes are counted.
    static let modeCoverageSamples = RandomStream(203)
}
