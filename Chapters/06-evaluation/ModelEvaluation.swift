import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import GAN
import Training
import Evaluation
import Figures
import Course

/// Everything chapter 06 measures of one model.
struct ModelEvaluation {
    var exactNLL: (mean: Double, standardError: Double)
    var kdeNLL: (mean: Double, standardError: Double)
    var kdeBandwidth: Double
    /// The bandwidth search: mean validation NLL at each bandwidth of `kdeGrid`.
    var kdeGrid: [Double]
    var kdeValidationNLL: [Double]
    var ais: AISResult
    var aisImages: Int
    var aisSigma: Double
    /// The exact NLL of the very images (same dequantisation) AIS estimated.
    var aisImagesExactNLL: [Double]
    var mode: ScoreWithSpread
    var inception: ScoreWithSpread
    /// Singular values of ∂x/∂z (pixel space) and ∂s/∂z (logit space), in Double, per point.
    var singularValues: [[Double]]
    var conditionNumbers: [Double]
    var logitSingularValues: [[Double]]
    var logitConditionNumbers: [Double]
    /// The rows of ∂G/∂z whose singular values were taken (all, unless a CIFAR-10 smoke run).
    var jacobianRows: Int
    /// The exact NLL's two parts on 1,000 test images: -mean log p(f(x)) and -mean log |det ∂f/∂x|.
    var priorTerm: Double
    var volumeTerm: Double
    /// The share of sample pixels above 0.99, and of samples more than half of whose pixels are.
    var saturatedPixelShare: Double
    var whiteSquareShare: Double

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted.count % 2 == 1 ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    var medianCondition: Double { Self.median(conditionNumbers) }

    /// The three NLLs in bits/dim as well (CIFAR-10's unit): bpd = 8 + NLL / (D ln 2).
    func bitsPerDimensionEntries(dimension: Int) -> [String: Any] {
        ["jacobian_rows": jacobianRows,
         "exact_nll_bits_per_dim": bitsPerDimension(nllNats: exactNLL.mean, dimension: dimension),
         "kde_nll_bits_per_dim": bitsPerDimension(nllNats: kdeNLL.mean, dimension: dimension),
         "ais_nll_bits_per_dim": bitsPerDimension(nllNats: ais.meanNLL, dimension: dimension)]
    }

    func dictionary(dimension: Int) -> [String: Any] {
        let allPixel = singularValues.flatMap { $0 }, allLogit = logitSingularValues.flatMap { $0 }
        let aisExact = aisImagesExactNLL.reduce(0, +) / Double(max(aisImagesExactNLL.count, 1))
        return ["exact_nll_nats": exactNLL.mean, "exact_nll_standard_error": exactNLL.standardError,
         "kde_nll_nats": kdeNLL.mean, "kde_nll_standard_error": kdeNLL.standardError, "kde_bandwidth": kdeBandwidth,
         "kde_nll_floor_nats": KernelDensityEstimate.floorNLL(dimension: dimension, bandwidth: kdeBandwidth),
         "kde_bandwidth_grid": kdeGrid, "kde_validation_nll_nats": kdeValidationNLL,
         "ais_nll_nats": ais.meanNLL, "ais_nll_standard_error": ais.standardError, "ais_images": aisImages,
         "ais_sigma": aisSigma, "ais_nll_floor_nats": AISConfiguration.floorNLL(dimension: dimension, sigma: aisSigma),
         "ais_images_exact_nll_nats": aisExact, "ais_minus_exact_nats": ais.meanNLL - aisExact,
         "ais_acceptance_rate": ais.acceptanceRate,
         "nll_prior_term_nats": priorTerm, "nll_volume_term_nats": volumeTerm,
         "saturated_pixel_share": saturatedPixelShare, "white_square_share": whiteSquareShare,
         "mode_score": mode.mean, "mode_score_sd": mode.standardDeviation,
         "inception_score": inception.mean, "inception_score_sd": inception.standardDeviation,
         "jacobian_points": singularValues.count,
         "jacobian_condition_median": medianCondition, "jacobian_conditions": conditionNumbers,
         "jacobian_singular_value_median": Self.median(allPixel), "jacobian_singular_value_min": allPixel.min() ?? Double.nan,
         "jacobian_singular_value_max": allPixel.max() ?? Double.nan,
         "jacobian_log_singular_value_mean": allPixel.map { Foundation.log($0) }.reduce(0, +) / Double(max(allPixel.count, 1)),
         "logit_jacobian_condition_median": Self.median(logitConditionNumbers),
         "logit_jacobian_singular_value_median": Self.median(allLogit),
         "logit_jacobian_singular_value_min": allLogit.min() ?? Double.nan,
         "logit_jacobian_singular_value_max": allLogit.max() ?? Double.nan]
    }
}

extension Chapter06 {
    /// Chapter 05's model of `objective`, or with --quick a few iterations' stand-in when
    /// chapter 05 has not been run.
    func loadOrTrainModel(_ objective: Objective, data: DatasetSplits, checkpointDir: String) throws -> NormalizingFlow {
        let isCIFAR = data.name == .cifar10
        var generator = RandomGenerator(seed: options.seed)
        let path = (checkpointDir as NSString).appendingPathComponent("ch05-\(objective.rawValue).safetensors")
        let flow: NormalizingFlow
        if FileManager.default.fileExists(atPath: path) {
            // The checkpoint's metadata names its architecture (none: the MNIST NICE).
            let (loaded, architecture, metadata) = try loadFlow(from: path, generator: &generator)
            if let trainedOn = metadata["dataset"], trainedOn != data.name.rawValue {
                throw ChapterError("\(path) was trained on \(trainedOn), but this run evaluates on \(data.name.rawValue); pass --dataset \(trainedOn)")
            }
            guard architecture.kind == (isCIFAR ? .realnvp : .nice), architecture.sampleShape == data.test.imageShape else {
                throw ChapterError("\(path) holds a \(architecture) model, which does not fit \(data.name.displayName)'s "
                                   + "\(data.test.imageShape) images; rerun chapter05-hybrid --dataset \(data.name.rawValue)")
            }
            // Only a model whose recorded settings say what it is gets scored: the file name
            // alone could be any model (chapter 03's, or ADV's renamed).
            guard let recorded = metadata["objective"], metadata["chapter"] == "05" else {
                throw ChapterError("\(path) does not record that chapter 05 trained it for an objective: rerun chapter05-hybrid")
            }
            guard recorded == objective.rawValue else {
                throw ChapterError("\(path) holds a model trained with objective \(recorded), not \(objective.rawValue) (its metadata says so)")
            }
            if metadata["quick"] == "true" && !options.quick {
                throw ChapterError("\(path) comes from a --quick run of chapter 05 (\(metadata["iterations"] ?? "?") iterations): rerun chapter05-hybrid without --quick, or pass --quick here")
            }
            flow = loaded
            print("\(objective.rawValue.uppercased()): loaded \(path): \(architecture), \(metadata["configuration"] ?? "?") settings, "
                  + "\(metadata["iterations"] ?? "?") iterations, lambda \(metadata["lambda"] ?? "?"), seed \(metadata["seed"] ?? "?")")
        } else if options.quick {
            note("\(path) not found: training a 3-iteration \(objective.rawValue) stand-in (run chapter05-hybrid for the real models)")
            // MNIST: the paper's NICE; CIFAR-10: chapter 05's quick Real NVP and narrow critic.
            flow = isCIFAR ? FlowArchitecture.realNVP(features: 8, blocks: 1).build(generator: &generator)
                           : FlowModels.nice(generator: &generator)
            let critic = isCIFAR ? Critics.cifar10(generator: &generator, width: 8) : Critics.mnist(generator: &generator)
            let flowTrainer = FlowTrainer(model: flow, learningRate: 1e-4, beta1: 0.5, beta2: 0.9, batchSize: isCIFAR ? 64 : 100,
                                          seed: options.seed)
            let trainer = AdversarialTrainer(generatorTrainer: flowTrainer, critic: critic,
                                             objective: objective, lambda: isCIFAR ? 1 : 0.1, criticSteps: 5, seed: options.seed)
            for _ in 0..<3 {
                _ = try trainer.iteration(real: data.train.gather(flowTrainer.batchIndices(trainCount: data.train.count)).images)
            }
        } else {
            let hint = isCIFAR ? " --dataset cifar10" : ""
            throw ChapterError("\(path) not found: run 'swift run chapter05-hybrid\(hint)' first (or this chapter with --quick)")
        }
        flow.isTraining = false
        return flow
    }

    func evaluate(_ flow: NormalizingFlow, objective: Objective, data: DatasetSplits, classifier: any ImageClassifier,
                  marginal: [Double], sampleCount: Int) throws -> ModelEvaluation {
        let label = objective.rawValue.uppercased()
        // Exact likelihood: the change of variables, on every test image.
        let isCIFAR = data.name == .cifar10
        // CIFAR-10: 1,000 test images by default, as every pass through Real NVP is expensive.
        let testImages = settings.testImages.map { data.test.slice(0..<min($0, data.test.count)).images } ?? data.test.images
        let exact = evaluateNLL(flow, images: testImages)

        // Samples for the KDE and the scores.
        var sampler = RandomGenerator(seed: options.seed, stream: 606)
        var batches: [Tensor] = []
        GradientRecording.withoutRecording {
            var remaining = sampleCount
            while remaining > 0 {
                batches.append(flow.sample(min(500, remaining), generator: &sampler).value)
                remaining -= 500
            }
        }
        let generated = Tensor.concatenate(batches, alongAxis: 0)
        let probabilities = classifier.probabilities(generated)
        let mode = SampleQuality.modeScore(probabilities: probabilities, trainingLabelMarginal: marginal)
        let inception = SampleQuality.inceptionScore(probabilities: probabilities)
        // Saturation: the share of sample pixels above 0.99, and of samples more than half
        // of whose pixels are (the white squares of ADV's sample grids).
        let saturation = generated.withUnsafeBufferPointer { pixels -> (Double, Double) in
            let perSample = pixels.count / sampleCount
            var bright = 0, whiteSquares = 0
            for k in 0..<sampleCount {
                var count = 0
                for j in (k * perSample)..<((k + 1) * perSample) where pixels[j] > 0.99 { count += 1 }
                bright += count
                if 2 * count > perSample { whiteSquares += 1 }
            }
            return (Double(bright) / Double(pixels.count), Double(whiteSquares) / Double(sampleCount))
        }

        // [book:kde]
        // KDE: Gaussian kernels on the generated samples, bandwidth chosen on validation
        // images, evaluated on (dequantised) test images, the same points as the exact NLL.
        let kde = KernelDensityEstimate(centres: generated.reshaped([sampleCount, -1]))
        var noise = RandomGenerator(seed: 12345, stream: 3003)
        let validation = Dequantization.apply(data.validation.slice(0..<1000).images, generator: &noise).reshaped([1000, -1])
        let grid = KernelDensityEstimate.logSpacedGrid(from: 0.01, to: 1.0, count: 15)
        let (bandwidth, _, search) = KernelDensityEstimate.selectBandwidth(
            centres: generated.reshaped([sampleCount, -1]), validation: validation, grid: grid)
        let kdeNLL = kde.negativeLogLikelihood(Dequantization.apply(testImages, generator: &noise).reshaped([testImages.shape[0], -1]),
                                               bandwidth: bandwidth)
        // [/book:kde]

        // AIS: the flow as a decoder with Gaussian observation noise, p(x|z) = N(x; G(z), σ²I).
        let aisCount = min(aisImages ?? settings.aisImages, data.test.count)
        let aisTargets = Dequantization.apply(data.test.slice(0..<aisCount).images, generator: &noise)
        var configuration = AISConfiguration(steps: settings.aisSteps ?? aisSteps, leapfrogSteps: settings.aisLeapfrogSteps,
                                             chains: settings.aisChains)
        configuration.noiseStandardDeviation = aisSigma
        configuration.schedule = AISConfiguration.schedule(sigma: aisSigma)
        configuration.initialStepSize = min(configuration.initialStepSize, aisSigma)
        var chainGenerator = RandomGenerator(seed: options.seed, stream: 607)
        let progress = ProgressLine("\(label) AIS", total: configuration.steps)
        let ais = annealedImportanceSampling(flow: flow, images: aisTargets, configuration: configuration,
                                             generator: &chainGenerator, progress: { done, _ in progress.update(done) })
        // The exact NLL of the same images, for the gap.
        let aisExact = GradientRecording.withoutRecording { flow.logLikelihood(Variable(aisTargets)).value.values.map { -Double($0) } }

        // The exact NLL in its two parts, on 1,000 dequantised test images: -log p(z) at
        // z = f(x) (how far into the prior's tails f sends the image) and -log |det ∂f/∂x|
        // (how much f stretches volume around it).
        var splitNoise = RandomGenerator(seed: 12345, stream: 3005)
        let splitImages = Dequantization.apply(testImages.slice(0..<min(1000, testImages.shape[0]), alongAxis: 0), generator: &splitNoise)
        let (priorTerm, volumeTerm) = GradientRecording.withoutRecording { () -> (Double, Double) in
            let (z, logDeterminant) = flow.flow.forward(Variable(splitImages))
            let logPrior = flow.prior.logProbability(z).value.values
            let n = Double(logPrior.count)
            return (-logPrior.reduce(0) { $0 + Double($1) } / n, -logDeterminant.value.values.reduce(0) { $0 + Double($1) } / n)
        }

        // The generator's Jacobian ∂G/∂z at random latent points: its singular values in
        // Double, through the pixel map's own derivative (see flowJacobianSpectra).
        var jacobianGenerator = RandomGenerator(seed: options.seed, stream: 608)
        let spectra = try flowJacobianSpectra(flow, points: jacobianPoints ?? settings.jacobianPoints,
                                              generator: &jacobianGenerator,
                                              // 3072 copies of one point through Real NVP at once would not fit in memory.
                                              rowsPerPass: isCIFAR ? 128 : nil,
                                              outputRows: jacobianRowSubset(isCIFAR: isCIFAR, dimension: flow.dimension))
        let evaluation = ModelEvaluation(exactNLL: exact, kdeNLL: kdeNLL, kdeBandwidth: bandwidth, kdeGrid: grid,
                                         kdeValidationNLL: search.map { -$0 }, ais: ais, aisImages: aisCount,
                                         aisSigma: aisSigma, aisImagesExactNLL: aisExact,
                                         mode: mode, inception: inception, singularValues: spectra.pixel,
                                         conditionNumbers: spectra.pixelConditions, logitSingularValues: spectra.logit,
                                         logitConditionNumbers: spectra.logitConditions,
                                         jacobianRows: spectra.pixel.first?.count ?? 0,
                                         priorTerm: priorTerm, volumeTerm: volumeTerm,
                                         saturatedPixelShare: saturation.0, whiteSquareShare: saturation.1)
        if isCIFAR {
            print(String(format: "%@: exact NLL %.3f bits/dim, AIS %.3f, KDE %.3f", label,
                         bitsPerDimension(nllNats: exact.mean, dimension: flow.dimension),
                         bitsPerDimension(nllNats: ais.meanNLL, dimension: flow.dimension),
                         bitsPerDimension(nllNats: kdeNLL.mean, dimension: flow.dimension)))
        }
        let aisExactMean = aisExact.reduce(0, +) / Double(max(aisExact.count, 1))
        print(String(format: "%@: exact NLL %.1f; AIS %.1f ± %.1f on %d images whose exact NLL is %.1f (floor %.0f at sigma %.3g); KDE %.1f (bandwidth %.3f, floor %.0f); MODE %.2f, Inception %.2f; median condition number %.3g",
                     label, exact.mean, ais.meanNLL, ais.standardError, aisCount, aisExactMean,
                     AISConfiguration.floorNLL(dimension: flow.dimension, sigma: aisSigma), aisSigma, kdeNLL.mean, bandwidth,
                     KernelDensityEstimate.floorNLL(dimension: flow.dimension, bandwidth: bandwidth), mode.mean, inception.mean,
                     evaluation.medianCondition))
        return evaluation
    }

    /// Which rows of ∂G/∂z the spectra use: `--jacobian-rows` evenly spaced rows, by
    /// default all of them, except for CIFAR-10 (768 of 3072, or 256 with --quick): each
    /// row costs a forward and backward pass through Real NVP. nil means all.
    func jacobianRowSubset(isCIFAR: Bool, dimension: Int) -> [Int]? {
        guard let count = jacobianRows ?? settings.jacobianRows, count < dimension else { return nil }
        return (0..<count).map { $0 * dimension / count }
    }
}
