// Chapter 02: coupling layers. Flows of additive couplings (NICE) and of affine couplings
// (Real NVP) trained by maximum likelihood on 2-D toy densities. Read top to bottom beside
// book.md's chapter 02; `swift run chapter02-coupling-layers --help` lists every setting.
import Foundation
import TensorCore
import Autodiff
import NeuralLayers
import Datasets
import Flows
import Figures
import Course

// [book:ch02-settings]
/// The chapter's settings. The 2-D toys train with more steps, a higher learning rate and
/// a decaying schedule than the MNIST recipe (Adam at 1e-4): a batch of 2-D points costs
/// microseconds, and eight modes of standard deviation 0.1 need a flow trained until its
/// density is sharp, not just roughly placed.
struct Settings: ChapterSettings {
    var couplings = 8
    var hidden = 128
    var iterations = 10_000
    var batchSize = 256
    /// Adam's learning rate decays geometrically from the first value to the second.
    var learningRate: Float = 1e-3
    var finalLearningRate: Float = 1e-4
    /// Grid cells per side of the density figures, and latent points in the layer figures.
    var figureGrid = 200
    var layerPoints = 3000

    static let presets = [
        Preset("default", Settings(), help: "the book's figures (about 3 minutes)"),
        Preset("quick", Settings(iterations: 300, figureGrid: 100, layerPoints: 1000), help: "a smoke run"),
    ]
    static let table: [Setting<Settings>] = [
        .integer("couplings", \.couplings, 1...64, "couplings per flow"),
        .integer("hidden", \.hidden, 1...4096, "units in each hidden layer of the coupling networks"),
        .integer("iterations", \.iterations, 1...TrainingLength.maximumIterations, "training iterations per flow"),
        // Batches are slices of the 20,000 training points, so a batch must leave room to slide.
        .integer("batch-size", \.batchSize, 2...10_000, "points per batch (of 20,000 training points)"),
        .number("learning-rate", \.learningRate, .above(0, atMost: 1), "Adam's learning rate at the start"),
        .number("final-learning-rate", \.finalLearningRate, .above(0, atMost: 1), "Adam's learning rate at the end (geometric decay)"),
        .integer("figure-grid", \.figureGrid, 10...1000, "grid cells per side of the density figures"),
        .integer("layer-points", \.layerPoints, 10...100_000, "latent points followed through the layers"),
    ]
}
// [/book:ch02-settings]

/// What the chapter measured on one density (an entry of ch02-results.json).
struct DensityResults: Codable {
    var gaussianTestLogLikelihood: Double
    var trueTestLogLikelihood: Double?
    var additiveTestLogLikelihood: Double?
    var additiveModesCovered: Int?
    var additiveShareNearMode: Double?
    var additiveInvertibilityError: Double?
    var affineTestLogLikelihood: Double?
    var affineModesCovered: Int?
    var affineShareNearMode: Double?
    var affineInvertibilityError: Double?

    mutating func record(_ flowName: String, logLikelihood: Double, roundTrip: Double, coverage: (Int, Double)?) {
        if flowName == "additive" {
            (additiveTestLogLikelihood, additiveInvertibilityError) = (logLikelihood, roundTrip)
            (additiveModesCovered, additiveShareNearMode) = (coverage?.0, coverage?.1)
        } else {
            (affineTestLogLikelihood, affineInvertibilityError) = (logLikelihood, roundTrip)
            (affineModesCovered, affineShareNearMode) = (coverage?.0, coverage?.1)
        }
    }
}

/// ch02-results.json (the settings are recorded beside these, under chapter_settings).
struct Results: Codable {
    var chapter = "02-coupling-layers"
    var quick: Bool
    var iterations, couplings, hidden, batchSize: Int
    var learningRate, finalLearningRate: Float
    var densities: [String: DensityResults] = [:]
    var seconds = 0.0
}

let program = ChapterProgram<Settings>(
    command: "chapter02-coupling-layers", shortName: "ch02",
    abstract: "Chapter 02: additive and affine coupling layers on 2-D toy densities.",
    discussion: """
    Trains a flow of additive couplings (NICE) and one of affine couplings (Real NVP) by maximum \
    likelihood on two moons, 8 Gaussians and a checkerboard, and compares their test \
    log-likelihood with a full-covariance Gaussian fitted to the same data. Draws the data and \
    model densities, samples, and a grid followed through the flow layer by layer. Writes ch02-* \
    figures and ch02-results.json into --out.
    """)

let run = program.start()
do {
    let settings = run.settings
    let started = Date()
    var results = Results(quick: run.isQuick, iterations: settings.iterations, couplings: settings.couplings,
                          hidden: settings.hidden, batchSize: settings.batchSize,
                          learningRate: settings.learningRate, finalLearningRate: settings.finalLearningRate)
    var trained: [(density: ToyDensity, train: Tensor, models: [(String, NormalizingFlow)], generator: RandomGenerator)] = []
    for density in [ToyDensity.twoMoons, .eightGaussians, .checkerboard] {
        // 1. The data: 20,000 training and 5,000 test points, and a Gaussian fitted to them.
        var generator = RandomGenerator(seed: run.seed &+ 17, stream: UInt64(density.rawValue.count))
        let train = density.sample(20_000, generator: &generator)
        let test = density.sample(5_000, generator: &generator)
        var entry = DensityResults(gaussianTestLogLikelihood: GaussianBaseline(fitting: train).meanLogDensity(test),
                                   trueTestLogLikelihood: density.logDensity(test).map { Double($0.mean()) })

        var models: [(String, NormalizingFlow)] = []
        for additive in [true, false] {
            // 2. The flow: couplings of the chosen kind, and Adam with a decaying rate.
            let name = additive ? "additive" : "affine"
            let flow = FlowModels.toy(additive: additive, couplings: settings.couplings, hidden: settings.hidden,
                                      generator: &generator)
            let decay = Foundation.pow(settings.finalLearningRate / settings.learningRate, 1 / Float(settings.iterations))
            let optimiser = Adam(parameters: flow.parameters, learningRate: settings.learningRate, decay: decay)

            // 3. Train by maximum likelihood.
            let progress = ProgressLine("\(density.rawValue) \(name)", total: settings.iterations)
            let batchSize = settings.batchSize
            // [book:toy-training]
            for step in 1...settings.iterations {
                // The training points are independent draws, so consecutive slices are random batches.
                let start = (step - 1) * batchSize % (train.shape[0] - batchSize)
                let batch = Variable(train.slice(start..<(start + batchSize), alongAxis: 0))
                let loss = flow.negativeLogLikelihood(batch)
                guard loss.value.scalar.isFinite else {
                    throw ChapterError("\(density.rawValue) \(name): the NLL is \(loss.value.scalar) at step \(step); try a smaller --learning-rate")
                }
                optimiser.update(gradients(of: loss, withRespectTo: optimiser.parameters))
                progress.update(step, metric: String(format: "NLL %.3f", loss.value.scalar))
            }
            // [/book:toy-training]

            // 4. Measure: test log-likelihood, how exactly f⁻¹ undoes f, the modes covered.
            let testLogLikelihood = GradientRecording.withoutRecording { Double(flow.logLikelihood(Variable(test)).value.mean()) }
            let roundTrip = GradientRecording.withoutRecording { () -> Double in
                let z = flow.flow.forward(Variable(test)).output
                let back = flow.flow.inverse(z).output.value
                return Double(zip(back.values, test.values).map { abs($0 - $1) }.max() ?? 0)
            }
            var coverage: (Int, Double)?
            if !density.modes.isEmpty {
                var sampler = RandomGenerator(seed: run.seed, stream: .modeCoverageSamples)
                coverage = density.modeCoverage(GradientRecording.withoutRecording { flow.sample(5000, generator: &sampler).value })
            }
            entry.record(name, logLikelihood: testLogLikelihood, roundTrip: roundTrip, coverage: coverage)
            print(String(format: "%@ %@: test log-likelihood %.3f nats (Gaussian %.3f), max |f⁻¹(f(x)) - x| = %.1e",
                         density.rawValue, name, testLogLikelihood, entry.gaussianTestLogLikelihood, roundTrip))
            models.append((name, flow))
        }
        results.densities[density.rawValue] = entry
        trained.append((density, train, models, generator))
    }

    // 5. The numbers, before any figure: a figure that fails cannot cost the run its results.
    results.seconds = Date().timeIntervalSince(started)
    try writeResults(results, settings: settings, preset: run.preset, seed: run.seed, to: run.path("ch02-results.json"))

    // 6. Draw each density's data and models, and (but for the checkerboard) a grid
    //    through the affine flow's layers; the samples continue each density's stream.
    for var entry in trained {
        try drawDensities(entry.density, train: entry.train, models: entry.models, gridSize: settings.figureGrid,
                          generator: &entry.generator, folder: run.folder)
        if entry.density != .checkerboard {
            try drawLayerByLayer(entry.models[1].1, density: entry.density, data: entry.train, points: settings.layerPoints,
                                 seed: run.seed, folder: run.folder)
        }
    }
    results.seconds = Date().timeIntervalSince(started)   // the whole run, figures included
    try writeResults(results, settings: settings, preset: run.preset, seed: run.seed, to: run.path("ch02-results.json"))
    print("Wrote ch02-results.json and figures to \(run.folder)/")
} catch {
    run.stop(error)
}
