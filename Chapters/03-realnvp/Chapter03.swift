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
        per image and in bits per dimension. NICE writes ch03-* figures (samples, learning \
        curve, temperatures) and ch03-results.json; Real NVP writes ch03-realnvp-* figures \
        (and what each stage of the multi-scale flow does to an image) and \
        ch03-realnvp-results.json. When both results files are in the folder, either run \
        draws ch03-nice-vs-realnvp (validation NLL against training time). Checkpoints go \
        to --checkpoint-dir. Default length: 3000 iterations for NICE, 200 for Real NVP \
        (40 with --quick).
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

    /// Each model's default run and the `--quick` smoke run, in one place.
    struct TrainingSettings {
        /// Iterations when `--iterations`/`--epochs` are not given. Real NVP's 200 take
        /// about as long as NICE's 3000 on two cores.
        var iterations: Int
        /// Iterations between validation passes (nil: a sixth of the run, at most 500).
        var evaluateEvery: Int?
        /// Validation and test images (nil: all 10,000). Real NVP's convolutions make a
        /// full validation pass cost as much as 30 of its training steps, so its curve is
        /// measured on the first 2,000; a quick run uses subsets to stay under a minute.
        var validationImages: Int?
        var testImages: Int?

        static func chosen(model: ModelChoice, quick: Bool) -> TrainingSettings {
            if quick { return TrainingSettings(iterations: 40, evaluateEvery: 20, validationImages: 1000, testImages: 1000) }
            switch model {
            case .nice: return TrainingSettings(iterations: 3000, evaluateEvery: nil, validationImages: nil, testImages: nil)
            case .realnvp: return TrainingSettings(iterations: 200, evaluateEvery: nil, validationImages: 2000, testImages: nil)
            }
        }
    }

    func validate() throws {
        guard batchSize > 0 && batchSize <= 10_000 else { throw ValidationError("--batch-size must be in 1...10000, got \(batchSize)") }
        if dataset == .cifar10 { throw ValidationError("chapter 03 trains on 28x28 images: --dataset mnist or fashion-mnist") }
    }

    mutating func run() throws {
        // Both models' default runs write the book's figures: Real NVP's files carry its name.
        let plan = try options.prepare(chapter: "ch03", changes: [batchSize != 100 ? "batch-size-\(batchSize)" : nil,
                                                                  ChapterOptions.setting("dataset", dataset?.rawValue)] + length.changes)
        let checkpointDir = try plan.checkpointFolder(checkpointDir)
        let started = Date()
        let data = try loadImageData(explicit: dataset, search: options.dataSearch)
        guard batchSize <= data.train.count else {
            throw ChapterError("--batch-size \(batchSize) is larger than the \(data.train.count) training images")
        }
        let perEpoch = data.train.count / batchSize
        let settings = TrainingSettings.chosen(model: model, quick: options.quick)
        let total = try length.iterations(perEpoch: perEpoch, default: settings.iterations)
        let evaluateEvery = settings.evaluateEvery ?? max(1, min(500, total / 6))
        let validation = settings.validationImages.map { data.validation.slice(0..<$0) } ?? data.validation
        let test = settings.testImages.map { data.test.slice(0..<$0) } ?? data.test
        print("Chapter 03: \(model.rawValue) on \(data.name.displayName), \(total) iterations of batch \(batchSize)")

        // [book:ch03-model]
        var generator = RandomGenerator(seed: options.seed)
        // Real NVP gets NICE's logistic prior, so that the two differ in architecture only.
        let flow = model == .nice
            ? FlowModels.nice(generator: &generator)
            : Self.realNVP(prior: .standardLogistic, generator: &generator)
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
        // The records' seconds count training steps only (not evaluation), across resumes,
        // so that two models can be compared at equal training time.
        var trainingSeconds = trainer.history.last?.seconds ?? 0
        while trainer.iteration < total {
            let stepStarted = Date()
            let batch = data.train.gather(trainer.batchIndices(trainCount: data.train.count))
            lossSum += Double(try trainer.maximumLikelihoodStep(batch.images))
            trainingSeconds += Date().timeIntervalSince(stepStarted)
            lossCount += 1
            progress.update(trainer.iteration, metric: String(format: "NLL %.1f", lossSum / Double(lossCount)))
            if trainer.iteration % evaluateEvery == 0 || trainer.iteration == total {
                let nll = evaluateNLL(flow, images: validation.images)
                trainer.record(TrainingRecord(iteration: trainer.iteration, seconds: trainingSeconds,
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
        results["training_seconds"] = trainingSeconds
        results["validation_images"] = validation.count
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
        // Training steps only, over every session of a resumed run.
        results["images_per_second"] = Double(trainer.iteration * batchSize) / max(trainingSeconds, 1e-9)
        if model == .realnvp {
            // The same untrained Real NVP (same seed, same weights) with the standard normal
            // prior of the Real NVP paper: where training would start with it.
            var again = RandomGenerator(seed: options.seed)
            let normal = Self.realNVP(prior: .standardNormal, generator: &again)
            results["initial_valid_nll_normal_prior"] = evaluateNLL(normal, images: validation.images).mean
        }
        results["quick"] = options.quick
        results["seed"] = options.seed
        results["history"] = trainer.history.map {
            ["iteration": $0.iteration, "training_seconds": $0.seconds, "train_nll": $0.trainLoss, "valid_nll": $0.validationNLL]
        }
        // The numbers first: a figure that fails cannot cost the run its results.
        try results.write(to: options.outputPath("\(prefix)results.json"))
        try drawFigures(flow: flow, trainer: trainer, dataName: data.name.displayName)
        if model == .realnvp {
            // The image as the model sees it in training: dequantised, y = (255x + u)/256.
            var noise = RandomGenerator(seed: options.seed, stream: 79)
            try drawStages(flow: flow, image: Dequantization.apply(test.images.slice(0..<1, alongAxis: 0), generator: &noise))
        }
        try drawComparison()
        print("Wrote figures and \(prefix)results.json to \(options.folder)/")
    }

    /// The start of every file this run writes: "ch03-" for NICE, "ch03-realnvp-" for Real NVP.
    var prefix: String { model == .nice ? "ch03-" : "ch03-realnvp-" }

    func drawFigures(flow: NormalizingFlow, trainer: FlowTrainer, dataName: String) throws {
        flow.isTraining = false
        var generator = RandomGenerator(seed: options.seed, stream: 77)
        let samples = GradientRecording.withoutRecording { flow.sample(100, generator: &generator).value }
        let grid = ImageGridFigure(name: "\(prefix)samples", title: "100 samples of \(modelName) after \(trainer.iteration) iterations (best validation NLL)",
                                   images: samples, columns: 10)
        if let message = try grid.write(to: options.folder) { note(message) }

        // Rows of samples at temperatures 0.5, 0.7, 0.85, 1: the prior's spread scaled down.
        let temperatures: [Float] = [0.5, 0.7, 0.85, 1.0]
        let rows = GradientRecording.withoutRecording {
            temperatures.map { t -> Tensor in
                var g = RandomGenerator(seed: options.seed, stream: 78)
                return flow.sample(10, generator: &g, temperature: t).value
            }
        }
        var byTemperature = ImageGridFigure(name: "\(prefix)temperatures",
                                            title: "\(modelName) samples at temperature T: the prior's spread times T, the same noise in each column",
                                            images: Tensor.concatenate(rows, alongAxis: 0), columns: 10)
        byTemperature.yLabel = "temperature"
        byTemperature.rowLabels = temperatures.map { "T = \($0)" }
        if let message = try byTemperature.write(to: options.folder) { note(message) }

        var curve = GnuplotFigure(name: "\(prefix)learning-curve", title: "\(modelName) trained by maximum likelihood on \(dataName)",
                                  xLabel: "iteration", yLabel: "NLL (nats per image)")
        curve.series = [
            PlotSeries(title: "training (mean since last evaluation)", x: trainer.history.map { Double($0.iteration) },
                       y: trainer.history.map(\.trainLoss), style: "linespoints lw 2 pt 7 ps 0.6"),
            PlotSeries(title: "validation", x: trainer.history.map { Double($0.iteration) },
                       y: trainer.history.map(\.validationNLL), style: "linespoints lw 2 pt 5 ps 0.6"),
        ]
        if let message = try curve.write(to: options.folder) { note(message) }
    }
}

extension Chapter03 {
    var modelName: String { model == .nice ? "NICE" : "Real NVP" }

    /// The chapter's small multi-scale Real NVP for 28x28 images.
    static func realNVP(prior: Prior, generator: inout RandomGenerator) -> NormalizingFlow {
        FlowModels.realNVP(sampleShape: [1, 28, 28], features: 32, blocks: 2, prior: prior, generator: &generator)
    }

    /// What each stage of the multi-scale Real NVP does to one test image: the image, its
    /// logit, the checkerboard couplings at 28x28, the squeeze into four 14x14 channels,
    /// the channel couplings, and the two halves of the latent code (the half factored out
    /// at 14x14 and the half that went on through four more couplings).
    func drawStages(flow: NormalizingFlow, image: Tensor) throws {
        flow.isTraining = false
        let layers = flow.flow.layers
        var panels: [HeatmapPanel] = []
        func add(_ title: String, _ x: Tensor, channel: Int = 0) {
            let (h, w) = (x.shape[2], x.shape[3])
            let values = x.values
            let z = (0..<h).map { i in (0..<w).map { j in Double(values[(channel * h + i) * w + j]) } }
            panels.append(HeatmapPanel(title: title, x: (0..<w).map(Double.init), y: (0..<h).reversed().map(Double.init), z: z))
        }
        GradientRecording.withoutRecording {
            var h = Variable(image)
            add("the dequantised image y", image)
            var checkerboardCouplings = 0
            for layer in layers {
                switch layer {
                case let factor as FactorOut:
                    let half = factor.shape[0] / 2, (height, width) = (factor.shape[1], factor.shape[2])
                    let factored = h.value.slice(0..<half, alongAxis: 1)
                    let continued = factor.inner.forward(h.slice(half..<factor.shape[0], alongAxis: 1)).output.value
                        .reshaped([1, half, height, width])
                    for c in 0..<half { add("z: channel \(c + 1), factored out at 14x14", factored, channel: c) }
                    for c in 0..<half { add("z: channel \(c + 3), after 4 more couplings", continued, channel: c) }
                case is Squeeze:
                    h = layer.forward(h).output
                    for c in 0..<4 { add("squeezed: channel \(c + 1) of 4 (14x14)", h.value, channel: c) }
                case is LogitLayer:
                    h = layer.forward(h).output
                    add("logit of the dequantised image", h.value)
                default:
                    h = layer.forward(h).output
                    // The couplings before the squeeze act on the one-channel image.
                    if h.shape[1] == 1 {
                        checkerboardCouplings += 1
                        if checkerboardCouplings == 1 || checkerboardCouplings == 3 {
                            add("after checkerboard coupling \(checkerboardCouplings) of 3", h.value)
                        }
                    }
                }
            }
        }
        // Rows: the image at 28x28; the squeeze; after the channel couplings, the latent code.
        var figure = HeatmapPanels(name: "ch03-realnvp-stages",
                                   title: "One test image through the trained Real NVP, stage by stage (each panel on its own colour scale)",
                                   xLabel: "column", yLabel: "row", colourLabel: "value", panels: panels)
        figure.rows = 3
        figure.panelSize = (width: 360, height: 330)
        if let message = try figure.write(to: options.folder) { note(message) }
    }

    /// Validation NLL in bits per dimension against training time, NICE beside Real NVP,
    /// from the two results files in the output folder (drawn once both exist).
    func drawComparison() throws {
        func history(_ file: String) -> (x: [Double], y: [Double], parameters: Int)? {
            guard let data = FileManager.default.contents(atPath: (options.folder as NSString).appendingPathComponent(file)),
                  let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let records = json["history"] as? [[String: Any]], let parameters = json["parameters"] as? Int else { return nil }
            var x: [Double] = [], y: [Double] = []
            for record in records {
                guard let seconds = record["training_seconds"] as? Double, let nll = record["valid_nll"] as? Double else { return nil }
                x.append(seconds / 60); y.append(bitsPerDimension(nllNats: nll, dimension: 784))
            }
            return (x, y, parameters)
        }
        func millions(_ n: Int) -> String { String(format: "%.2fM parameters", Double(n) / 1e6) }
        guard let nice = history("ch03-results.json"), let realNVP = history("ch03-realnvp-results.json") else {
            print("ch03-nice-vs-realnvp: drawn once both models' results (ch03-results.json, ch03-realnvp-results.json) are in \(options.folder)/")
            return
        }
        var figure = GnuplotFigure(name: "ch03-nice-vs-realnvp", title: "NICE and Real NVP on MNIST: validation NLL against training time",
                                   xLabel: "training time (minutes, evaluation excluded)", yLabel: "validation NLL (bits per dimension)")
        figure.settings = ["set key top right", "set yrange [0:8]"]
        figure.series = [
            PlotSeries(title: "NICE (\(millions(nice.parameters)))", x: nice.x, y: nice.y, style: "linespoints lw 2 pt 7 ps 0.7"),
            PlotSeries(title: "Real NVP (\(millions(realNVP.parameters)), multi-scale, convolutional)", x: realNVP.x, y: realNVP.y, style: "linespoints lw 2 pt 5 ps 0.7"),
        ]
        if let message = try figure.write(to: options.folder) { note(message) }

        // Each model's validation NLL when the other stopped, read off its curve (linear
        // between evaluations; the last value past the end of a curve).
        func value(_ curve: (x: [Double], y: [Double], parameters: Int), atMinutes t: Double) -> Double {
            guard let last = curve.x.last, t < last else { return curve.y.last ?? .nan }
            let k = curve.x.firstIndex { $0 >= t }!
            if k == 0 { return curve.y[0] }
            let w = (t - curve.x[k - 1]) / (curve.x[k] - curve.x[k - 1])
            return curve.y[k - 1] + w * (curve.y[k] - curve.y[k - 1])
        }
        var comparison = ResultsFile()
        comparison["nice_training_minutes"] = nice.x.last ?? .nan
        comparison["realnvp_training_minutes"] = realNVP.x.last ?? .nan
        comparison["nice_final_valid_bits_per_dim"] = nice.y.last ?? .nan
        comparison["realnvp_final_valid_bits_per_dim"] = realNVP.y.last ?? .nan
        let common = min(nice.x.last ?? 0, realNVP.x.last ?? 0)
        comparison["common_minutes"] = common
        comparison["nice_valid_bits_per_dim_at_common"] = value(nice, atMinutes: common)
        comparison["realnvp_valid_bits_per_dim_at_common"] = value(realNVP, atMinutes: common)
        try comparison.write(to: options.outputPath("ch03-nice-vs-realnvp.json"))
    }
}
