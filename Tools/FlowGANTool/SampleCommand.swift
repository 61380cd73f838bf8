import ArgumentParser
import Foundation
import TensorCore
import Evaluation
import Figures

/// `flowgan sample`: a grid of samples of one model.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Draws samples of a model at a temperature, as a titled image grid.",
        discussion: """
        Draws z from the model's prior with its spread scaled by the temperature T (T < 1 keeps \
        to the likelier middle of the prior and gives cleaner, less varied digits) and maps each \
        through the inverse flow, x = f⁻¹(T z). Writes flowgan-samples-<model>.png with its gnuplot \
        script into --out. The same --seed draws the same z, so two temperatures compare cell by cell.

        Example: flowgan sample --model hybrid --count 64 --temperature 0.7 --out /tmp/fg-out
        """)

    @OptionGroup var folders: ModelFolders
    @Option(help: "The model: a name from 'flowgan models' (hybrid, mle, adv, nice, realnvp, ...) or a file.")
    var model: String?
    @Option(help: "How many samples (1...400).")
    var count = 64
    @Option(parsing: .unconditional, help: "The temperature T: the prior's spread times T (0 < T <= 2).")
    var temperature: Float = 1
    @Option(help: "The seed of the latent draws.")
    var seed: UInt64 = 0
    @OptionGroup var figureFolder: FigureFolder

    func validate() throws {
        guard (1...400).contains(count) else { throw ValidationError("--count must be in 1...400, got \(count)") }
        guard temperature > 0 && temperature <= 2 else { throw ValidationError("--temperature must be in (0, 2], got \(temperature)") }
    }

    func run() throws {
        let loaded = try folders.catalog().loadModel(model)
        print("model: \(loaded.label)")
        var generator = RandomGenerator(seed: seed, stream: .toolSamples)
        let samples = drawSamples(loaded.flow, count: count, temperature: temperature, generator: &generator)
        let figure = ImageGridFigure(name: "flowgan-samples-\(fileSafe(loaded.name))",
                                     title: "\(count) samples of \(loaded.name) at temperature \(temperature) (seed \(seed))",
                                     images: samples, columns: min(10, Int(Double(count).squareRoot().rounded(.up))))
        try figureFolder.write(figure)
    }
}
