import ArgumentParser
import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Training
import Figures
import Course

/// Chapter 03: NICE and Real NVP trained by maximum likelihood on MNIST.
@main
struct Chapter03: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter03-realnvp",
        abstract: "Chapter 03: NICE and Real NVP trained by maximum likelihood on MNIST.",
        discussion: """
        Trains the paper's MNIST generator (NICE: 4 additive couplings, logistic prior) or \
        a small multi-scale Real NVP by maximum likelihood, with the recipe's Adam settings, \
        keeps the model with the best validation NLL, and reports its exact test NLL in nats \
        per image and in bits per dimension. Writes ch03-* figures (samples, learning curve, \
        temperatures) and ch03-results.json; checkpoints go to --checkpoint-dir. \
        Default length: 3000 iterations (40 with --quick).
        """)

    @OptionGroup var options: ChapterOptions

    @Option(help: "The flow: nice (the paper's MNIST generator) or realnvp (small multi-scale).")
    var model: ModelChoice = .nice

    @OptionGroup var length: TrainingLength

    @Option(help: "Images per batch.")
    var batchSize: Int = 100

    @Option(help: "Data set: mnist or fashion-mnist (default: MNIST if found, else Fashion-MNIST).")
    var dataset: DatasetName?

    @Option(help: "Folder for checkpoints (default: Checkpoints for the default run, Checkpoints/<chapter>-<settings> for a side run).")
    var checkpointDir: String?

    @Flag(help: "Continue from the checkpoint in --checkpoint-dir.")
    var resume = false

    enum ModelChoice: String, ExpressibleByArgument, CaseIterable { case nice, realnvp }

    func validate() throws {
        guard batchSize > 0 && batchSize <= 10_000 else { throw ValidationError("--batch-size must be in 1...10000, got \(batchSize)") }
        if dataset == .cifar10 { throw ValidationError("chapter 03 trains on 28x28 images: --dataset mnist or fashion-mnist") }
    }

    mutating func run() throws {
        let plan = try options.prepare(chapter: "ch03", changes: [model != .nice ? model.rawValue : nil,
                                                                  batchSize != 100 ? "batch-size-\(batchSize)" : nil,
                                                                  ChapterOptions.setting("dataset", dataset?.rawValue)] + length.changes)
        let checkpointDir = try plan.checkpointFolder(checkpointDir)
        let started = Date()
        let data = try loadImageData(explicit: dataset, search: options.dataSearch)
        guard batchSize <= data.train.count else {
            throw ChapterError("--batch-size \(batchSize) is larger than the \(data.train.count) training images")
        }
        let perEpoch = data.train.count / batchSize
        let total = try length.iterations(perEpoch: perEpoch, default: options.quick ? 40 : 3000)
        let evaluateEvery = options.quick ? 20 : max(1, min(500, total / 5))
        // A quick run evaluates on subsets so that it stays under a minute.
        let validation = options.quick ? data.validation.slice(0..<1000) : data.validation
        let test = options.quick ? data.test.slice(0..<1000) : data.test
        print("Chapter 03: \(model.rawValue) on \(data.name.displayName), \(total) iterations of batch \(batchSize)")

        // [book:ch03-model]
        var generator = RandomGenerator(seed: options.seed)
        let flow = model == .nice
            ? FlowModels.nice(generator: &generator)
            : FlowModels.realNVP(sampleShape: [1, 28, 28], features: 32, blocks: 2, generator: &generator)
        let trainer = FlowTrainer(model: flow, learningRate: 1e-4, beta1: 0.5, beta2: 0.9,
                                  batchSize: batchSize, seed: options.seed)
        // [/book:ch03-model]
        let description = "\(model.rawValue)-\(data.name.rawValue)-\(flow.parameterCount)"
        let checkpoint = (checkpointDir as NSString).appendingPathComponent("ch03-\(model.rawValue)-training.safetensors")
        if resume {
            try trainer.loadCheckpoint(from: checkpoint, description: description)
            print("Resumed from \(checkpoint) at iteration \(trainer.iteration)")
        }
        print("\(flow.parameterCount) parameters")
        if trainer.iteration == 0 && trainer.history.isEmpty {
            // The untrained model, so that the learning curve starts where training does.
            trainer.record(TrainingRecord(iteration: 0, seconds: 0, trainLoss: .nan,
                                          validationNLL: evaluateNLL(flow, images: validation.images).mean))
        }

        // [book:ch03-loop]
        let progress = ProgressLine("training", total: total)
        var lossSum = 0.0, lossCount = 0
        while trainer.iteration < total {
            let batch = data.train.gather(trainer.batchIndices(trainCount: data.train.count))
            lossSum += Double(try trainer.maximumLikelihoodStep(batch.images))
            lossCount += 1
            progress.update(trainer.iteration, metric: String(format: "NLL %.1f", lossSum / Double(lossCount)))
            if trainer.iteration % evaluateEvery == 0 || trainer.iteration == total {
                let nll = evaluateNLL(flow, images: validation.images)
                trainer.record(TrainingRecord(iteration: trainer.iteration, seconds: Date().timeIntervalSince(started),
                                              trainLoss: lossSum / Double(lossCount), validationNLL: nll.mean))
                lossSum = 0; lossCount = 0
                try trainer.saveCheckpoint(to: checkpoint, description: description)
            }
        }
        try trainer.restoreBest()
        let testNLL = evaluateNLL(flow, images: test.images)
        // [/book:ch03-loop]
        try trainer.saveBest(to: (checkpointDir as NSString).appendingPathComponent("ch03-\(model.rawValue).safetensors"),
                             metadata: ["model": description, "objective": "mle", "chapter": "03", "dataset": data.name.rawValue,
                                        "seed": String(options.seed), "iterations": String(trainer.iteration)])
        let bitsPerDim = bitsPerDimension(nllNats: testNLL.mean, dimension: 784)
        print(String(format: "best validation NLL %.1f nats (iteration %d); test NLL %.1f ± %.1f nats = %.3f bits/dim",
                     trainer.best?.validationNLL ?? .nan, trainer.best?.iteration ?? 0, testNLL.mean, testNLL.standardError, bitsPerDim))

        var results = ResultsFile()
        results["chapter"] = "03-realnvp"
        results["model"] = model.rawValue
        results["dataset"] = data.name.rawValue
        results["parameters"] = flow.parameterCount
        results["iterations"] = trainer.iteration
        results["batch_size"] = batchSize
        results["best_iteration"] = trainer.best?.iteration ?? 0
        results["valid_nll_nats"] = trainer.best?.validationNLL ?? .nan
        results["test_nll_nats"] = testNLL.mean
        results["test_nll_standard_error"] = testNLL.standardError
        results["test_bits_per_dim"] = bitsPerDim
        results["seconds"] = Date().timeIntervalSince(started)
        results["images_per_second"] = Double(trainer.iteration * batchSize) / max(progress.elapsed, 1e-9)
        results["quick"] = options.quick
        results["seed"] = options.seed
        results["history"] = trainer.history.map { ["iteration": $0.iteration, "train_nll": $0.trainLoss, "valid_nll": $0.validationNLL] }
        // The numbers first: a figure that fails cannot cost the run its results.
        try results.write(to: options.outputPath("ch03-results.json"))
        try drawFigures(flow: flow, trainer: trainer, dataName: data.name.displayName)
        print("Wrote figures and ch03-results.json to \(options.folder)/")
    }

    func drawFigures(flow: NormalizingFlow, trainer: FlowTrainer, dataName: String) throws {
        flow.isTraining = false
        var generator = RandomGenerator(seed: options.seed, stream: 77)
        let samples = GradientRecording.withoutRecording { flow.sample(100, generator: &generator).value }
        try PNGFile.write(ImageFigures.grid(samples, columns: 10, scale: 2), to: options.outputPath("ch03-samples.png"))

        // Rows of samples at temperatures 0.5, 0.7, 0.85, 1: the prior's spread scaled down.
        let temperatures: [Float] = [0.5, 0.7, 0.85, 1.0]
        let rows = GradientRecording.withoutRecording {
            temperatures.map { t -> Tensor in
                var g = RandomGenerator(seed: options.seed, stream: 78)
                return flow.sample(10, generator: &g, temperature: t).value
            }
        }
        // The grid of samples is the data of a gnuplot figure that labels its rows.
        let grid = ImageFigures.grid(Tensor.concatenate(rows, alongAxis: 0), columns: 10, scale: 2)
        try PNGFile.write(grid, to: options.outputPath("ch03-temperatures-samples.png"))
        let cell = 28 * 2 + 1   // as ImageFigures.grid lays out rows: image height plus a 1-pixel border
        let tics = temperatures.enumerated().map { r, t in
            "\"T = \(t)\" \(grid.height - (1 + r * cell + cell / 2))"
        }
        let script = """
            # Draws ch03-temperatures.png from ch03-temperatures-samples.png. Run in this folder: gnuplot ch03-temperatures.gp
            set terminal pngcairo size \(grid.width + 160),\(grid.height + 110) enhanced font 'Sans,11'
            set output 'ch03-temperatures.png'
            set title "Samples at temperature T: the prior's spread times T, the same noise in each column"
            set xlabel "sample"
            set ylabel "temperature"
            set ytics (\(tics.joined(separator: ", "))) nomirror
            unset xtics
            set size ratio -1
            set xrange [0:\(grid.width)]
            set yrange [0:\(grid.height)]
            plot 'ch03-temperatures-samples.png' binary filetype=png with rgbimage notitle

            """
        try writeTextFile(script, to: options.outputPath("ch03-temperatures.gp"))
        if let message = try Gnuplot.render(script: "ch03-temperatures.gp", in: options.folder) { note(message) }

        var curve = GnuplotFigure(name: "ch03-learning-curve", title: "NICE trained by maximum likelihood on \(dataName)",
                                  xLabel: "iteration", yLabel: "NLL (nats per image)")
        curve.series = [
            PlotSeries(title: "training (mean since last evaluation)", x: trainer.history.map { Double($0.iteration) },
                       y: trainer.history.map(\.trainLoss), style: "linespoints lw 2 pt 7 ps 0.6"),
            PlotSeries(title: "validation", x: trainer.history.map { Double($0.iteration) },
                       y: trainer.history.map(\.validationNLL), style: "linespoints lw 2 pt 5 ps 0.6"),
        ]
        if model == .realnvp { curve.title = "Real NVP trained by maximum likelihood on \(dataName)" }
        if let message = try curve.write(to: options.folder) { note(message) }
    }
}
