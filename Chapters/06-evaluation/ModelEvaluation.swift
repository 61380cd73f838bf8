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
    var ais: AISResult
    var aisImages: Int
    var mode: ScoreWithSpread
    var inception: ScoreWithSpread
    var singularValues: [[Double]]
    var conditionNumbers: [Double]
    /// The rows of ∂G/∂z whose singular values were taken (all, unless a CIFAR-10 smoke run).
    var jacobianRows: Int

    var medianCondition: Double {
        let sorted = conditionNumbers.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    /// The three NLLs in bits/dim as well (CIFAR-10's unit): bpd = 8 + NLL / (D ln 2).
    func bitsPerDimensionEntries(dimension: Int) -> [String: Any] {
        ["jacobian_rows": jacobianRows,
         "exact_nll_bits_per_dim": bitsPerDimension(nllNats: exactNLL.mean, dimension: dimension),
         "kde_nll_bits_per_dim": bitsPerDimension(nllNats: kdeNLL.mean, dimension: dimension),
         "ais_nll_bits_per_dim": bitsPerDimension(nllNats: ais.meanNLL, dimension: dimension)]
    }

    var dictionary: [String: Any] {
        ["exact_nll_nats": exactNLL.mean, "exact_nll_standard_error": exactNLL.standardError,
         "kde_nll_nats": kdeNLL.mean, "kde_nll_standard_error": kdeNLL.standardError, "kde_bandwidth": kdeBandwidth,
         "ais_nll_nats": ais.meanNLL, "ais_nll_standard_error": ais.standardError, "ais_images": aisImages,
         "ais_acceptance_rate": ais.acceptanceRate,
         "mode_score": mode.mean, "mode_score_sd": mode.standardDeviation,
         "inception_score": inception.mean, "inception_score_sd": inception.standardDeviation,
         "jacobian_condition_median": medianCondition, "jacobian_conditions": conditionNumbers]
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
        let testImages = options.quick || isCIFAR ? data.test.slice(0..<min(1000, data.test.count)).images : data.test.images
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

        // [book:kde]
        // KDE: Gaussian kernels on the generated samples, bandwidth chosen on validation
        // images, evaluated on (dequantised) test images, the same points as the exact NLL.
        let kde = KernelDensityEstimate(centres: generated.reshaped([sampleCount, -1]))
        var noise = RandomGenerator(seed: 12345, stream: 3003)
        let validation = Dequantization.apply(data.validation.slice(0..<1000).images, generator: &noise).reshaped([1000, -1])
        let (bandwidth, _) = KernelDensityEstimate.selectBandwidth(
            centres: generated.reshaped([sampleCount, -1]), validation: validation,
            grid: KernelDensityEstimate.logSpacedGrid(from: 0.01, to: 1.0, count: 15))
        let kdeNLL = kde.negativeLogLikelihood(Dequantization.apply(testImages, generator: &noise).reshaped([testImages.shape[0], -1]),
                                               bandwidth: bandwidth)
        // [/book:kde]

        // [book:ais]
        // AIS: the flow as a decoder with Gaussian observation noise, p(x|z) = N(x; G(z), σ²I).
        let aisCount = min(aisImages ?? (options.quick || isCIFAR ? 2 : 10), data.test.count)
        let aisTargets = Dequantization.apply(data.test.slice(0..<aisCount).images, generator: &noise)
        let configuration = options.quick
            ? AISConfiguration(steps: isCIFAR ? 10 : 20, leapfrogSteps: 5, chains: 2)
            : (isCIFAR ? AISConfiguration(steps: 20, leapfrogSteps: 5, chains: 2) : AISConfiguration(steps: 100, leapfrogSteps: 5, chains: 4))
        var chainGenerator = RandomGenerator(seed: options.seed, stream: 607)
        let progress = ProgressLine("\(label) AIS", total: configuration.steps)
        let ais = annealedImportanceSampling(
            decoder: { flow.generate($0) }, latentDimension: flow.dimension,
            logPrior: { flow.prior.logProbability($0) },
            samplePrior: { n, g in flow.prior.sample(n, shape: flow.latentShape, generator: &g) },
            images: aisTargets, configuration: configuration, generator: &chainGenerator,
            progress: { done, _ in progress.update(done) })
        // [/book:ais]

        // The generator's Jacobian dG/dz at random latent points: its singular values.
        var jacobianGenerator = RandomGenerator(seed: options.seed, stream: 608)
        let spectrum = try singularValueSpectrum({ flow.generate($0) }, latentDimension: flow.dimension,
                                                 points: jacobianPoints ?? (options.quick || isCIFAR ? 1 : 5),
                                                 samplePrior: { n, g in flow.prior.sample(n, shape: flow.latentShape, generator: &g) },
                                                 generator: &jacobianGenerator,
                                                 // 3072 copies of one point through Real NVP at once would not fit in memory.
                                                 rowsPerPass: isCIFAR ? 128 : nil,
                                                 outputRows: jacobianRowSubset(isCIFAR: isCIFAR, dimension: flow.dimension))
        let evaluation = ModelEvaluation(exactNLL: exact, kdeNLL: kdeNLL, kdeBandwidth: bandwidth, ais: ais, aisImages: aisCount,
                                         mode: mode, inception: inception, singularValues: spectrum.singularValues,
                                         conditionNumbers: spectrum.conditionNumbers,
                                         jacobianRows: spectrum.singularValues.first?.count ?? 0)
        if isCIFAR {
            print(String(format: "%@: exact NLL %.3f bits/dim, AIS %.3f, KDE %.3f", label,
                         bitsPerDimension(nllNats: exact.mean, dimension: flow.dimension),
                         bitsPerDimension(nllNats: ais.meanNLL, dimension: flow.dimension),
                         bitsPerDimension(nllNats: kdeNLL.mean, dimension: flow.dimension)))
        }
        print(String(format: "%@: exact NLL %.1f, AIS %.1f (%d images), KDE %.1f (bandwidth %.3f); MODE %.2f, Inception %.2f; median condition number %.3g",
                     label, exact.mean, ais.meanNLL, aisCount, kdeNLL.mean, bandwidth, mode.mean, inception.mean, evaluation.medianCondition))
        return evaluation
    }

    /// Which rows of ∂G/∂z the spectra use: `--jacobian-rows` evenly spaced rows, by
    /// default all of them, except for CIFAR-10 (768 of 3072, or 256 with --quick): each
    /// row costs a forward and backward pass through Real NVP. nil means all.
    func jacobianRowSubset(isCIFAR: Bool, dimension: Int) -> [Int]? {
        guard let count = jacobianRows ?? (isCIFAR ? (options.quick ? 256 : 768) : nil), count < dimension else { return nil }
        return (0..<count).map { $0 * dimension / count }
    }
}
