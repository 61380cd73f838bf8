import ArgumentParser
import Foundation
import TensorCore
import Datasets
import Figures
import Course

/// `flowgan extremes`: the test images a model finds likeliest and least likely.
struct ExtremesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extremes",
        abstract: "Shows the most and the least likely test images under a model.",
        discussion: """
        Computes the exact NLL of each of the first --test-images test images (each dequantised \
        as the exact NLL dequantises an image on its own, so the numbers match 'flowgan score \
        --from-test N') and shows the --count images of lowest NLL and of highest NLL as two \
        titled grids (flowgan-likeliest-<model>.png, flowgan-least-likely-<model>.png in --out). \
        A flow typically finds thin, simple digits (ones) likeliest: few inked pixels cost few nats.

        Example: flowgan extremes --model mle --count 8 --test-images 1000
        """)

    @OptionGroup var folders: ModelFolders
    @Option(help: "The model: a name from 'flowgan models' or a file.")
    var model: String?
    @Option(help: "Images in each grid (1...40).")
    var count = 8
    @OptionGroup var reference: ReferenceImages
    @OptionGroup var figureFolder: FigureFolder

    func validate() throws {
        guard (1...40).contains(count) else { throw ValidationError("--count must be in 1...40, got \(count)") }
        guard count <= reference.count else { throw ValidationError("--count \(count) is more than the \(reference.count) --test-images") }
    }

    func run() throws {
        let loaded = try folders.catalog().loadModel(model)
        print("model: \(loaded.label)")
        let test = try folders.testImages(for: loaded)
        let images = test.slice(0..<min(reference.count, test.count))
        let ranking = rankByNLL(loaded, images: images.images)
        let nlls = ranking.nlls
        let sorted = nlls.sorted()
        print(String(format: "NLL of the first %d %@ test images: median %.1f nats, from %.1f to %.1f",
                     nlls.count, loaded.dataset.displayName, median(nlls), sorted.first!, sorted.last!))
        let groups = [("likeliest", "most likely", Array(ranking.order.prefix(count))),
                      ("least-likely", "least likely", Array(ranking.order.suffix(count).reversed()))]
        let entries = { (indices: [Int]) in indices.map { ExtremesReport.Image(testIndex: $0, label: images.labels[$0], nllNats: nlls[$0]) } }
        let report = ExtremesReport(model: loaded.name, testImages: nlls.count, medianNllNats: median(nlls),
                                    lowestNllNats: sorted.first!, highestNllNats: sorted.last!,
                                    likeliest: entries(groups[0].2), leastLikely: entries(groups[1].2))
        print("results: \(try figureFolder.writeNumbers(report, name: "flowgan-extremes-\(fileSafe(loaded.name))"))")
        for (file, words, indices) in groups {
            print("\(words): " + indices.map { String(format: "test image %d (label %d) %.1f", $0, images.labels[$0], nlls[$0]) }
                    .joined(separator: ", "))
            let columns = min(count, 10)
            var figure = ImageGridFigure(name: "flowgan-\(file)-\(fileSafe(loaded.name))",
                                         title: "The \(indices.count) \(words) of the first \(nlls.count) test images under \(loaded.name)",
                                         images: images.images.gather(indices), columns: columns)
            // One row: each image's NLL under it; more: each row's range beside it.
            if indices.count <= columns {
                figure.xLabel = nllLabel(indices.map { nlls[$0] })
                figure.yLabel = "test images"
                figure.rowLabels = [words]
            } else {
                figure.xLabel = "test images, \(words) first, row by row"
                figure.yLabel = "NLL of the row (nats)"
                figure.rowLabels = stride(from: 0, to: indices.count, by: columns).map { first in
                    let row = indices[first..<min(indices.count, first + columns)].map { nlls[$0] }
                    return String(format: "%.1f to %.1f", row.first!, row.last!)
                }
            }
            try figureFolder.write(figure)
        }
    }
}

/// The exact NLL of every image (`exactNLLTerms`) and the indices from likeliest to least likely.
func rankByNLL(_ model: LoadedModel, images: Tensor) -> (nlls: [Double], order: [Int]) {
    let nlls = exactNLLTerms(model.flow, images: images).map(\.nll)
    return (nlls, nlls.indices.sorted { (nlls[$0], $0) < (nlls[$1], $1) })
}

/// The numbers `flowgan extremes` prints, as it writes them beside its figures.
struct ExtremesReport: Codable {
    struct Image: Codable {
        var testIndex: Int
        var label: Int
        var nllNats: Double
    }
    var model: String
    var testImages: Int
    var medianNllNats: Double
    var lowestNllNats: Double
    var highestNllNats: Double
    var likeliest: [Image]
    var leastLikely: [Image]
}
