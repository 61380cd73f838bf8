import ArgumentParser
import Foundation
import TensorCore
import Datasets
import Figures
import Course

/// `flowgan ood`: does a flow's likelihood tell its own data set from another one?
/// (Nalisnick et al., "Do deep generative models know what they don't know?", ICLR 2019.)
struct OODCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ood",
        abstract: "Scores a model's own test set and another data set's, and asks whether a likelihood threshold tells them apart.",
        discussion: """
        Computes the exact NLL of the first --images test images of the model's own data set \
        (in-distribution) and of the other 28x28 data set (out-of-distribution: Fashion-MNIST \
        for a model of MNIST and the other way round), each split into the prior term \
        -log p_Z(f(y)) and the volume term -log|det ∂f/∂y|. Prints and writes \
        (flowgan-ood-<model>-<its data set>.json, a histogram of bits/dim in the .png of the same name with its \
        gnuplot script and data, in --out): the share of out-of-distribution images a threshold \
        at the 95th and 99th percentile of the in-distribution NLLs would accept as in-distribution, \
        the AUROC of the NLL as a detector (0.5: no better than a coin, 1: perfect, below 0.5: \
        the other data set looks likelier), the same two numbers for the NLL without the logit \
        layer's volume term (a term the pixels alone fix, the same under every model), each \
        set's mean terms and its mean number of background pixels (value 0).

        Example: flowgan ood --model nice --checkpoint-dir Checkpoints/ch03-nice-long
        """)

    @OptionGroup var folders: ModelFolders
    @Option(help: "The model: a name from 'flowgan models' or a file.")
    var model: String?
    @Option(help: "The other data set: mnist or fashion-mnist (default: the one the model was not trained on).")
    var against: String?
    @Option(help: "How many test images of each data set (the first ones, 100...10000).")
    var images = 10_000
    @OptionGroup var figureFolder: FigureFolder

    func validate() throws {
        guard (100...10_000).contains(images) else { throw ValidationError("--images must be in 100...10000, got \(images)") }
        if let against, ![DatasetName.mnist, .fashionMNIST].map(\.rawValue).contains(against) {
            throw ValidationError("--against must be mnist or fashion-mnist, got '\(against)'")
        }
    }

    func run() throws {
        let loaded = try folders.catalog().loadModel(model)
        print("model: \(loaded.label)")
        guard loaded.flow.sampleShape == [1, 28, 28], loaded.dataset != .cifar10 else {
            throw ChapterError("\(loaded.name) models \(loaded.flow.sampleShape.map(String.init).joined(separator: "x")) images; ood compares 28x28 data sets")
        }
        let own = loaded.dataset
        let other = against.flatMap(DatasetName.init(rawValue:)) ?? (own == .mnist ? .fashionMNIST : .mnist)
        guard other != own else { throw ChapterError("--against \(other.rawValue) is the data set \(loaded.name) was trained on") }

        let search = DataSearch(explicitDirectory: folders.dataDirectory)
        var sets: [(name: DatasetName, terms: [NLLTerms], background: [Int])] = []
        for name in [own, other] {
            let test = try DatasetSplits.load(name, search: search).test
            let pixels = test.images.slice(0..<min(images, test.count), alongAxis: 0)
            let started = Date()
            let terms = exactNLLTerms(loaded.flow, images: pixels)
            print(String(format: "%@: %d test images scored in %.1f s", name.displayName, terms.count, Date().timeIntervalSince(started)))
            sets.append((name, terms, backgroundPixelCounts(pixels)))
        }
        let dimension = loaded.flow.dimension
        let study = OODStudy(inNLLs: sets[0].terms.map(\.nll), outNLLs: sets[1].terms.map(\.nll))

        // The same detector on the NLL less the logit layer's volume term, a term fixed by the
        // pixels alone (it is the same under every model): does the rest still tell the sets apart?
        let withoutLogit = OODStudy(inNLLs: sets[0].terms.map { $0.nll - $0.logitVolumeTerm },
                                    outNLLs: sets[1].terms.map { $0.nll - $0.logitVolumeTerm })
        var report = OODReport(model: loaded.name, architecture: "\(loaded.metadata.architecture)",
                               iterations: loaded.metadata.iterations, inDataset: own.rawValue, outDataset: other.rawValue,
                               images: study.inNLLs.count, auroc: study.auroc,
                               acceptedAtInP95: study.acceptedShare(atInPercentile: 95),
                               acceptedAtInP99: study.acceptedShare(atInPercentile: 99),
                               outLikelierThanInMedian: study.acceptedShare(atInPercentile: 50),
                               aurocWithoutLogitTerm: withoutLogit.auroc,
                               acceptedAtInP95WithoutLogitTerm: withoutLogit.acceptedShare(atInPercentile: 95),
                               sets: [:])
        for (role, set) in zip(["in", "out"], sets) {
            let nlls = set.terms.map(\.nll)
            let summary = OODSetSummary(
                dataset: set.name.rawValue,
                meanNllNats: mean(nlls), medianNllNats: median(nlls),
                meanBitsPerDim: bitsPerDimension(nllNats: mean(nlls), dimension: dimension),
                medianBitsPerDim: bitsPerDimension(nllNats: median(nlls), dimension: dimension),
                meanPriorTerm: mean(set.terms.map(\.priorTerm)), meanVolumeTerm: mean(set.terms.map(\.volumeTerm)),
                meanLogitVolumeTerm: mean(set.terms.map(\.logitVolumeTerm)),
                meanBackgroundPixels: mean(set.background.map(Double.init)))
            report.sets[role] = summary
            print(String(format: "%@ (%@): mean NLL %.1f nats (%.3f bits/dim) = prior term %.1f + volume term %.1f (logit layer %.1f); %.1f of %d pixels are 0",
                         role == "in" ? "in-distribution" : "out-of-distribution", set.name.displayName, summary.meanNllNats,
                         summary.meanBitsPerDim, summary.meanPriorTerm, summary.meanVolumeTerm,
                         summary.meanLogitVolumeTerm, summary.meanBackgroundPixels, dimension))
        }
        print(String(format: "a threshold at the in-distribution 95th percentile accepts %.1f%% of %@, at the 99th %.1f%%; AUROC %.3f",
                     100 * report.acceptedAtInP95, other.displayName, 100 * report.acceptedAtInP99, report.auroc))
        print(String(format: "without the logit layer's term (fixed by the pixels): the 95th-percentile threshold accepts %.1f%%; AUROC %.3f",
                     100 * report.acceptedAtInP95WithoutLogitTerm, report.aurocWithoutLogitTerm))

        let name = "flowgan-ood-\(fileSafe(loaded.name))-\(own.rawValue)"
        let json = try figureFolder.writeNumbers(report, name: name)
        let figure = oodHistogram(name: name, model: loaded.name, study: study, dimension: dimension,
                                  inName: own.displayName, outName: other.displayName)
        if let message = try figure.write(to: figureFolder.folder) { note(message) }
        print("results: \(json); figure: \((figureFolder.folder as NSString).appendingPathComponent(name)).png (and .gp, .dat)")
    }
}

/// The NLLs of an in-distribution and an out-of-distribution set, and what a likelihood
/// threshold makes of them. A detector calls an image out-of-distribution when its NLL is
/// above a threshold.
struct OODStudy {
    let inNLLs: [Double]
    let outNLLs: [Double]
    /// `inNLLs` in increasing order, for the thresholds.
    private let sortedIn: [Double]

    init(inNLLs: [Double], outNLLs: [Double]) {
        (self.inNLLs, self.outNLLs, sortedIn) = (inNLLs, outNLLs, inNLLs.sorted())
    }

    /// The NLL below which `p` percent of the in-distribution images lie (the sorted value
    /// at rank ceil(p/100 n) - 1, so `p` percent of them are at or below it).
    func inThreshold(percentile p: Double) -> Double {
        let sorted = sortedIn
        let rank = max(0, min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }

    /// The share of out-of-distribution images at or below `inThreshold(percentile:)`: the
    /// ones such a threshold would accept as in-distribution.
    func acceptedShare(atInPercentile p: Double) -> Double {
        let threshold = inThreshold(percentile: p)
        return Double(outNLLs.count { $0 <= threshold }) / Double(outNLLs.count)
    }

    /// The probability that a random out-of-distribution image has a higher NLL than a random
    /// in-distribution one (ties count half): the area under the ROC curve of the NLL as a
    /// detector, by the rank-sum (Mann-Whitney) formula after one sort.
    var auroc: Double {
        let labelled = inNLLs.map { ($0, false) } + outNLLs.map { ($0, true) }
        let sorted = labelled.sorted { $0.0 < $1.0 }
        var rankSumOut = 0.0, start = 0
        while start < sorted.count {
            var end = start
            while end + 1 < sorted.count && sorted[end + 1].0 == sorted[start].0 { end += 1 }
            let averageRank = Double(start + end) / 2 + 1          // ranks from 1; ties share their mean rank
            rankSumOut += averageRank * Double(sorted[start...end].count { $0.1 })
            start = end + 1
        }
        let m = Double(outNLLs.count), n = Double(inNLLs.count)
        return (rankSumOut - m * (m + 1) / 2) / (m * n)
    }
}

/// How many pixels of each image [N, ...] are exactly 0 (the background of a digit).
func backgroundPixelCounts(_ images: Tensor) -> [Int] {
    let n = images.shape[0], d = images.count / n, values = images.values
    return (0..<n).map { i in values[(i * d)..<((i + 1) * d)].count { $0 == 0 } }
}

/// Histograms of the two sets' bits/dim on one axis (`overlaidHistograms`), with the
/// 95th-percentile threshold of the in-distribution set as a dashed line.
func oodHistogram(name: String, model: String, study: OODStudy, dimension: Int, inName: String, outName: String) -> GnuplotFigure {
    let bits = { (nlls: [Double]) in nlls.map { bitsPerDimension(nllNats: $0, dimension: dimension) } }
    var figure = overlaidHistograms(name: name, title: "Bits/dim of \(inName) and \(outName) test images under \(model) (trained on \(inName))",
                                    xLabel: "bits/dim (lower: likelier under the model; the 1% beyond either end counted in the end bins)",
                                    sets: [("\(inName) (in-distribution)", bits(study.inNLLs), "#1f5fa8"),
                                           ("\(outName) (out-of-distribution)", bits(study.outNLLs), "#c0392b")])
    let threshold = bitsPerDimension(nllNats: study.inThreshold(percentile: 95), dimension: dimension)
    let range = histogramRange(bits(study.inNLLs) + bits(study.outNLLs)), middle = (range.low + range.high) / 2
    figure.settings += ["set arrow from \(GnuplotFigure.number(threshold)), graph 0 to \(GnuplotFigure.number(threshold)), graph 1 nohead dt 2 lc rgb 'black'",
                        // The label beside the line, on the side with room for it.
                        "set label 'threshold: 95% of \(inName) below' at \(GnuplotFigure.number(threshold)), graph 0.95 "
                            + (threshold < middle ? "left offset 0.5,0" : "right offset -0.5,0") + " font ',9'"]
    return figure
}

/// The 0.5th and 99.5th percentiles of `values`, widened to a unit when they are equal.
func histogramRange(_ values: [Double]) -> (low: Double, high: Double) {
    let all = values.sorted()
    let low = all[Int(0.005 * Double(all.count - 1))], high = all[Int(0.995 * Double(all.count - 1))]
    return high > low ? (low, high) : (low - 0.5, high + 0.5)
}

/// Histograms of several sets of values on one axis, as shares of each set per bin: 60
/// bins between the 0.5th and 99.5th percentiles of all the values together, the few
/// values outside counted in the end bins; the key below the plot.
func overlaidHistograms(name: String, title: String, xLabel: String, sets: [(title: String, values: [Double], colour: String)]) -> GnuplotFigure {
    let (low, high) = histogramRange(sets.flatMap(\.values))
    let bins = 60, width = (high - low) / Double(bins)
    let centres = (0..<bins).map { low + (Double($0) + 0.5) * width }
    func shares(_ values: [Double]) -> [Double] {
        var counts = [Double](repeating: 0, count: bins)
        for v in values { counts[max(0, min(bins - 1, Int(((v - low) / width).rounded(.down))))] += 1 }
        return counts.map { $0 / Double(values.count) }
    }
    var figure = GnuplotFigure(name: name, title: title, xLabel: xLabel, yLabel: "share of the images per bin")
    figure.series = sets.map { PlotSeries(title: $0.title, x: centres, y: shares($0.values), style: "histeps lw 2 lc rgb '\($0.colour)'") }
    figure.settings = ["set key outside below horizontal"]
    return figure
}

/// The numbers `flowgan ood` writes (as JSON in snake case: `acceptedAtInP95`; no dots, so the book can quote them).
struct OODReport: Codable {
    var model: String
    var architecture: String
    var iterations: Int?
    var inDataset: String
    var outDataset: String
    var images: Int
    var auroc: Double
    var acceptedAtInP95: Double
    var acceptedAtInP99: Double
    var outLikelierThanInMedian: Double
    /// The detector on NLL - (the logit layer's volume term), a term the pixels alone fix.
    var aurocWithoutLogitTerm: Double
    var acceptedAtInP95WithoutLogitTerm: Double
    var sets: [String: OODSetSummary]
}

struct OODSetSummary: Codable {
    var dataset: String
    var meanNllNats: Double
    var medianNllNats: Double
    var meanBitsPerDim: Double
    var medianBitsPerDim: Double
    var meanPriorTerm: Double
    var meanVolumeTerm: Double
    var meanLogitVolumeTerm: Double
    var meanBackgroundPixels: Double
}
