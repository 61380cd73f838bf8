import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Figures
import Course

extension Chapter02 {
    /// Data histogram, the two models' densities, and their samples, side by side.
    func drawDensities(_ density: ToyDensity, train: Tensor, models: [(String, NormalizingFlow)],
                       generator: inout RandomGenerator) throws {
        let n = options.quick ? 100 : 200
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
        var sampleSeries: [PlotSeries] = []
        for (name, flow) in models {
            let densityValues = GradientRecording.withoutRecording { flow.logLikelihood(Variable(points)).value.map { Foundation.exp($0) } }
            panels.append(HeatmapPanel(title: "\(name) coupling flow", values: densityValues.values.map(Double.init), n: n, extent: extent))
            let samples = GradientRecording.withoutRecording { flow.sample(2000, generator: &generator).value.values }
            sampleSeries.append(PlotSeries(title: "\(name) coupling samples",
                                           x: stride(from: 0, to: samples.count, by: 2).map { Double(samples[$0]) },
                                           y: stride(from: 1, to: samples.count, by: 2).map { Double(samples[$0]) },
                                           style: "points pt 7 ps 0.25"))
        }
        let densities = HeatmapPanels(name: "ch02-\(density.rawValue)-densities", title: "\(density.rawValue): the data and the densities of the trained flows",
                                      xLabel: "x_1", yLabel: "x_2", colourLabel: "density", panels: panels)
        if let message = try densities.write(to: options.folder) { note(message) }

        var figure = GnuplotFigure(name: "ch02-\(density.rawValue)-samples", title: "Samples of the trained flows: \(density.rawValue)",
                                   xLabel: "x_1", yLabel: "x_2")
        figure.size = (640, 660)
        figure.settings = ["set size ratio -1", "set xrange [\(-extent):\(extent)]", "set yrange [\(-extent):\(extent)]",
                           "set key outside below horizontal"]
        let data = Array(train.values.prefix(4000))
        figure.series = [PlotSeries(title: "data", x: stride(from: 0, to: data.count, by: 2).map { Double(data[$0]) },
                                    y: stride(from: 1, to: data.count, by: 2).map { Double(data[$0]) },
                                    style: "points pt 7 ps 0.25 lc rgb '#999999'")] + sampleSeries
        if let message = try figure.write(to: options.folder) { note(message) }
    }

    /// A grid in latent space followed back through the flow, one coupling at a time:
    /// how each layer bends the plane toward the data.
    func drawLayerByLayer(_ flow: NormalizingFlow) throws {
        let layers = flow.flow.layers
        var lines: [Tensor] = []
        for k in 0...16 {
            let c = Float(k) * 0.25 - 2
            let t = (0..<400).map { Float($0) / 399 * 4 - 2 }
            lines.append(Tensor(shape: [400, 2], values: t.flatMap { [c, $0] }))
            lines.append(Tensor(shape: [400, 2], values: t.flatMap { [$0, c] }))
        }
        let stages = [0, 2, 4, layers.count].filter { $0 <= layers.count }
        for stage in stages {
            var columns: [[Double]] = [[], []]
            for line in lines {
                // Apply the last `stage` layers' inverses: latent -> data, partially.
                var h = Variable(line)
                GradientRecording.withoutRecording {
                    for layer in layers.suffix(stage).reversed() { h = layer.inverse(h).output }
                }
                let v = h.value.values
                for i in 0..<400 { columns[0].append(Double(v[2 * i])); columns[1].append(Double(v[2 * i + 1])) }
                columns[0].append(.nan); columns[1].append(.nan)
            }
            var figure = GnuplotFigure(name: "ch02-layers-\(stage)",
                                       title: stage == 0 ? "latent grid (standard normal coordinates)" : "after inverting the last \(stage) of \(layers.count) couplings",
                                       xLabel: "x_1", yLabel: "x_2")
            figure.size = (480, 460)
            figure.settings = ["set size ratio -1", "set xrange [-3:3]", "set yrange [-3:3]", "unset key"]
            figure.series = [PlotSeries(title: "grid", columns: columns, style: "lines lw 1 lc rgb '#2c5d9e'")]
            if let message = try figure.write(to: options.folder) { note(message) }
        }
    }
}

