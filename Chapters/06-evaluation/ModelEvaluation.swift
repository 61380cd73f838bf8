import Foundation
import TensorCore
import Autodiff
import Datasets
import Flows
import Checkpoints
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
    /// Bidirectional Monte Carlo on images simulated from the model, with AIS's transitions.
    var aisCheck: BDMCResult
    var aisImages: Int
    var aisSigma: Double
    /// The exact NLL of the very images (same dequantisation) AIS estimated.
    var aisImagesExactNLL: [Double]
    var mode: ScoreWithSpread
    var inception: ScoreWithSpread
    /// Singular values of ∂x/∂z (pixel space) and ∂s/∂z (logit space), in Double, per
    /// point; the condition numbers (nil where σ_min is below resolution) and the smallest
    /// value the SVD resolves at each point.
    var singularValues: [[Double]]
    var conditionNumbers: [Double?]
    var resolutions: [Double]
    var logitSingularValues: [[Double]]
    var logitConditionNumbers: [Double?]
    var logitResolutions: [Double]
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

    /// The median condition number over the points, an unresolved one counting as larger than
    /// any resolved; nil when the median itself is unresolved.
    static func medianCondition(_ values: [Double?]) -> Double? {
        let ordered = values.map { $0 ?? .infinity }
        let middle = median(ordered)
        return middle.isFinite ? middle : nil
    }

    var medianCondition: Double? { Self.medianCondition(conditionNumbers) }

    /// The singular values the SVD resolves (each point's above its resolution), and how
    /// many lie below it.
    static func resolved(_ spectra: [[Double]], _ resolutions: [Double]) -> (values: [Double], below: Int) {
        let values = zip(spectra, resolutions).flatMap { spectrum, resolution in spectrum.filter { $0 >= resolution } }
        return (values, spectra.reduce(0) { $0 + $1.count } - values.count)
    }

    /// The three NLLs in bits/dim as well (CIFAR-10's unit): bpd = 8 + NLL / (D ln 2).
    /// The numbers of ch06-results.json for one model; CIFAR-10's also in bits/dim.
    struct Summary: Codable {
        var exactNllNats, exactNllStandardError: Double
        var kdeNllNats, kdeNllStandardError, kdeBandwidth, kdeNllFloorNats: Double
        var kdeBandwidthGrid, kdeValidationNllNats: [Double]
        var aisNllNats, aisNllStandardError: Double
        var aisImages: Int
        var aisSigma, aisNllFloorNats, aisImagesExactNllNats, aisMinusExactNats, aisAcceptanceRate: Double
        /// BDMC on simulated images at the same σ and transitions: the bounds on their mean
        /// NLL (forward AIS's is the upper, reverse AIS's the lower) and the gap between them.
        var bdmcImages: Int
        var bdmcUpperNllNats, bdmcLowerNllNats, bdmcGapNats, bdmcGapStandardError: Double
        /// KL(p(z|x) ‖ p(z)) on the test images, from AIS's last states (nats): importance
        /// sampling from the prior needs of the order of exp(KL) draws. Meaningful only where
        /// AIS has converged (its last states then are posterior draws). The acceptance rate
        /// is over the whole run, the simulated images' chains included.
        var aisPosteriorKlNats: Double
        var nllPriorTermNats, nllVolumeTermNats, saturatedPixelShare, whiteSquareShare: Double
        var modeScore, modeScoreSd, inceptionScore, inceptionScoreSd: Double
        var jacobianPoints: Int
        /// Condition numbers; null where the smallest singular value is below the SVD's
        /// resolution (then only known to exceed 1 / (ε · D), `jacobian_condition_resolution_limit`).
        var jacobianConditionMedian: Double?
        var jacobianConditions: [Double?]
        var jacobianConditionResolutionLimit: Double
        /// The singular value statistics are over resolved values; the count below resolution
        /// and the largest resolution of any point are beside them.
        var jacobianSingularValueMedian, jacobianSingularValueMin, jacobianSingularValueMax, jacobianLogSingularValueMean: Double
        var jacobianSingularValuesBelowResolution: Int
        var jacobianResolutionMax: Double
        var logitJacobianConditionMedian: Double?
        var logitJacobianSingularValuesBelowResolution: Int
        var logitJacobianSingularValueMedian: Double
        var logitJacobianSingularValueMin, logitJacobianSingularValueMax: Double
        // CIFAR-10 only.
        var jacobianRows: Int?
        var exactNllBitsPerDim, kdeNllBitsPerDim, aisNllBitsPerDim: Double?
    }

    func summary(dimension: Int, cifar: Bool) -> Summary {
        let (allPixel, pixelBelow) = Self.resolved(singularValues, resolutions)
        let (allLogit, logitBelow) = Self.resolved(logitSingularValues, logitResolutions)
        let rows = singularValues.first?.count ?? dimension
        let aisExact = aisImagesExactNLL.reduce(0, +) / Double(max(aisImagesExactNLL.count, 1))
        var summary = Summary(
            exactNllNats: exactNLL.mean, exactNllStandardError: exactNLL.standardError,
            kdeNllNats: kdeNLL.mean, kdeNllStandardError: kdeNLL.standardError, kdeBandwidth: kdeBandwidth,
            kdeNllFloorNats: KernelDensityEstimate.floorNLL(dimension: dimension, bandwidth: kdeBandwidth),
            kdeBandwidthGrid: kdeGrid, kdeValidationNllNats: kdeValidationNLL,
            aisNllNats: ais.meanNLL, aisNllStandardError: ais.standardError, aisImages: aisImages,
            aisSigma: aisSigma, aisNllFloorNats: AISConfiguration.floorNLL(dimension: dimension, sigma: aisSigma),
            aisImagesExactNllNats: aisExact, aisMinusExactNats: ais.meanNLL - aisExact, aisAcceptanceRate: ais.acceptanceRate,
            bdmcImages: aisCheck.gaps.count, bdmcUpperNllNats: aisCheck.lower.meanNLL, bdmcLowerNllNats: aisCheck.upper.meanNLL,
            bdmcGapNats: aisCheck.meanGap, bdmcGapStandardError: aisCheck.gapStandardError,
            aisPosteriorKlNats: meanAndStandardError(ais.posteriorKLEstimates).mean,
            nllPriorTermNats: priorTerm, nllVolumeTermNats: volumeTerm,
            saturatedPixelShare: saturatedPixelShare, whiteSquareShare: whiteSquareShare,
            modeScore: mode.mean, modeScoreSd: mode.standardDeviation,
            inceptionScore: inception.mean, inceptionScoreSd: inception.standardDeviation,
            jacobianPoints: singularValues.count, jacobianConditionMedian: medianCondition, jacobianConditions: conditionNumbers,
            jacobianConditionResolutionLimit: 1 / LinearAlgebra.singularValueResolution(largest: 1, rows: rows, columns: dimension),
            jacobianSingularValueMedian: Self.median(allPixel), jacobianSingularValueMin: allPixel.min() ?? .nan,
            jacobianSingularValueMax: allPixel.max() ?? .nan,
            jacobianLogSingularValueMean: allPixel.map { Foundation.log($0) }.reduce(0, +) / Double(max(allPixel.count, 1)),
            jacobianSingularValuesBelowResolution: pixelBelow, jacobianResolutionMax: resolutions.max() ?? .nan,
            logitJacobianConditionMedian: Self.medianCondition(logitConditionNumbers),
            logitJacobianSingularValuesBelowResolution: logitBelow, logitJacobianSingularValueMedian: Self.median(allLogit),
            logitJacobianSingularValueMin: allLogit.min() ?? .nan, logitJacobianSingularValueMax: allLogit.max() ?? .nan)
        if cifar {
            // bpd = 8 + NLL / (D ln 2), the unit CIFAR-10's literature reports.
            summary.jacobianRows = jacobianRows
            summary.exactNllBitsPerDim = bitsPerDimension(nllNats: exactNLL.mean, dimension: 3072)
            summary.kdeNllBitsPerDim = bitsPerDimension(nllNats: kdeNLL.mean, dimension: 3072)
            summary.aisNllBitsPerDim = bitsPerDimension(nllNats: ais.meanNLL, dimension: 3072)
        }
        return summary
    }
}

/// Everything chapter 06 measures of one model, in the order the random streams are drawn.
// [book:ch06-evaluate]
func evaluate(_ flow: NormalizingFlow, objective: Objective, data: DatasetSplits, classifier: any ImageClassifier,
              marginal: [Double], settings: Settings, seed: UInt64) throws -> ModelEvaluation {
    // Exact likelihood: the change of variables, on the test images (CIFAR-10: 1,000, as
    // every pass through Real NVP is expensive).
    let testImages = settings.testImages.map { data.test.slice(0..<min($0, data.test.count)).images } ?? data.test.images
    let exact = evaluateNLL(flow, images: testImages)
    let sampleCount = settings.samples
    let generated = generateSamples(flow, count: sampleCount, seed: seed)
    let probabilities = classifier.probabilities(generated)
    let mode = SampleQuality.modeScore(probabilities: probabilities, trainingLabelMarginal: marginal)
    let inception = SampleQuality.inceptionScore(probabilities: probabilities)
    let saturation = saturationShares(generated, count: sampleCount)
    let kde = kernelDensityEstimate(generated: generated, sampleCount: sampleCount, data: data, testImages: testImages)
    var noise = kde.noise
    let (ais, aisCheck, aisCount, aisExact) = checkedAIS(flow, data: data, noise: &noise, label: objective.rawValue.uppercased(),
                                                         settings: settings, seed: seed)
    let (priorTerm, volumeTerm) = likelihoodTerms(flow, testImages: testImages)
    // The generator's Jacobian ∂G/∂z at random latent points: its singular values in
    // Double, through the pixel map's own derivative (see flowJacobianSpectra).
    var jacobianGenerator = RandomGenerator(seed: seed, stream: .jacobianLatents)
    let spectra = try flowJacobianSpectra(flow, points: settings.jacobianPoints, generator: &jacobianGenerator,
                                          // 3072 copies of one point through Real NVP at once would not fit in memory.
                                          rowsPerPass: data.name == .cifar10 ? 128 : nil,
                                          outputRows: jacobianRowSubset(settings.jacobianRows, dimension: flow.dimension))
    let evaluation = ModelEvaluation(exactNLL: exact, kdeNLL: kde.nll, kdeBandwidth: kde.bandwidth, kdeGrid: kde.grid,
                                     kdeValidationNLL: kde.search.map { -$0 }, ais: ais, aisCheck: aisCheck, aisImages: aisCount,
                                     aisSigma: settings.aisSigma, aisImagesExactNLL: aisExact,
                                     mode: mode, inception: inception, singularValues: spectra.pixel,
                                     conditionNumbers: spectra.pixelConditions, resolutions: spectra.pixelResolutions,
                                     logitSingularValues: spectra.logit, logitConditionNumbers: spectra.logitConditions,
                                     logitResolutions: spectra.logitResolutions,
                                     jacobianRows: spectra.pixel.first?.count ?? 0,
                                     priorTerm: priorTerm, volumeTerm: volumeTerm,
                                     saturatedPixelShare: saturation.0, whiteSquareShare: saturation.1)
    report(evaluation, label: objective.rawValue.uppercased(), dimension: flow.dimension, cifar: data.name == .cifar10)
    return evaluation
}
// [/book:ch06-evaluate]

/// `count` samples of the flow, from the run's own stream.
func generateSamples(_ flow: NormalizingFlow, count: Int, seed: UInt64) -> Tensor {
    var sampler = RandomGenerator(seed: seed, stream: .evaluationSamples)
    return drawSamples(flow, count: count, generator: &sampler)
}

/// Saturation: the share of sample pixels above 0.99, and of samples more than half of
/// whose pixels are (the white squares of ADV's sample grids).
func saturationShares(_ generated: Tensor, count sampleCount: Int) -> (Double, Double) {
    generated.withUnsafeBufferPointer { pixels -> (Double, Double) in
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
}

/// The KDE's NLL of the test images, its bandwidth, the grid searched and the validation
/// log-likelihoods; and the dequantisation noise, which AIS continues.
func kernelDensityEstimate(generated: Tensor, sampleCount: Int, data: DatasetSplits, testImages: Tensor)
    -> (nll: (mean: Double, standardError: Double), bandwidth: Double, grid: [Double], search: [Double], noise: RandomGenerator) {
    // [book:kde]
    // KDE: Gaussian kernels on the generated samples, bandwidth chosen on validation
    // images, evaluated on (dequantised) test images, the same points as the exact NLL.
    let kde = KernelDensityEstimate(centres: generated.reshaped([sampleCount, -1]))
    var noise = RandomGenerator.evaluationNoise
    let validation = Dequantization.apply(data.validation.slice(0..<1000).images, generator: &noise).reshaped([1000, -1])
    let grid = KernelDensityEstimate.logSpacedGrid(from: 0.01, to: 1.0, count: 15)
    let (bandwidth, _, search) = KernelDensityEstimate.selectBandwidth(
        centres: generated.reshaped([sampleCount, -1]), validation: validation, grid: grid)
    let kdeNLL = kde.negativeLogLikelihood(Dequantization.apply(testImages, generator: &noise).reshaped([testImages.shape[0], -1]),
                                           bandwidth: bandwidth)
    // [/book:kde]
    return (kdeNLL, bandwidth, grid, search, noise)
}

/// AIS with its accuracy measured: the flow as a decoder with Gaussian observation noise,
/// p(x|z) = N(x; G(z), σ²I). First bidirectional Monte Carlo on `aisCheckImages` images
/// simulated from the model at this σ (an adaptive pilot on them fixes one HMC step size per
/// temperature), with forward AIS on the first test images (dequantised with `noise`) in the
/// same batch and transitions; beside the exact NLL of the same test images. The BDMC gap
/// stochastically bounds how far the forward estimate is from log p_σ(x) on the simulated
/// images; for the test images it is evidence, not proof.
func checkedAIS(_ flow: NormalizingFlow, data: DatasetSplits, noise: inout RandomGenerator, label: String,
                settings: Settings, seed: UInt64) -> (estimate: AISResult, check: BDMCResult, images: Int, exact: [Double]) {
    // [book:checked-ais]
    let configuration = AISConfiguration(steps: settings.aisSteps, leapfrogSteps: settings.aisLeapfrogSteps,
                                         chains: settings.aisChains, noiseStandardDeviation: settings.aisSigma,
                                         initialStepSize: min(0.05, settings.aisSigma),
                                         schedule: AISConfiguration.schedule(sigma: settings.aisSigma))
    let count = min(settings.aisImages, data.test.count)
    let testImages = Dequantization.apply(data.test.slice(0..<count).images, generator: &noise)
    // Images the model generated, x = G(z) + σε, annealed forward (with the test images, in
    // one batch) and in reverse from the z that made them: the gap between the two bounds
    // is how far AIS can be off at this σ and schedule.
    var simulation = RandomGenerator(seed: seed, stream: .bdmcSimulation)
    let progress = ProgressLine("\(label) AIS with its BDMC check", total: 3 * configuration.steps)
    let (_, check) = bidirectionalMonteCarlo(flow: flow, count: settings.aisCheckImages, configuration: configuration,
                                             alongside: testImages, generator: &simulation,
                                             progress: { done, _ in progress.update(done) })
    let estimate = check.alongside!
    // [/book:checked-ais]
    let exact = GradientRecording.withoutRecording { flow.logLikelihood(Variable(testImages)).value.values.map { -Double($0) } }
    return (estimate, check, count, exact)
}

/// The exact NLL in its two parts, on 1,000 dequantised test images: -log p(z) at z = f(x)
/// (how far into the prior's tails f sends the image) and -log |det ∂f/∂x| (how much f
/// stretches volume around it).
func likelihoodTerms(_ flow: NormalizingFlow, testImages: Tensor) -> (prior: Double, volume: Double) {
    var splitNoise = RandomGenerator(seed: RandomStream.evaluationSeed, stream: .likelihoodTermsNoise)
    let splitImages = Dequantization.apply(testImages.slice(0..<min(1000, testImages.shape[0]), alongAxis: 0), generator: &splitNoise)
    return GradientRecording.withoutRecording { () -> (Double, Double) in
        let (z, logDeterminant) = flow.flow.forward(Variable(splitImages))
        let logPrior = flow.prior.logProbability(z).value.values
        let n = Double(logPrior.count)
        return (-logPrior.reduce(0) { $0 + Double($1) } / n, -logDeterminant.value.values.reduce(0) { $0 + Double($1) } / n)
    }
}

/// One model's numbers in a line (CIFAR-10's NLLs also in bits/dim).
func report(_ e: ModelEvaluation, label: String, dimension: Int, cifar: Bool) {
    if cifar {
        print(String(format: "%@: exact NLL %.3f bits/dim, AIS %.3f, KDE %.3f", label,
                     bitsPerDimension(nllNats: e.exactNLL.mean, dimension: dimension),
                     bitsPerDimension(nllNats: e.ais.meanNLL, dimension: dimension),
                     bitsPerDimension(nllNats: e.kdeNLL.mean, dimension: dimension)))
    }
    let aisExactMean = e.aisImagesExactNLL.reduce(0, +) / Double(max(e.aisImagesExactNLL.count, 1))
    print(String(format: "%@: exact NLL %.1f; AIS %.1f ± %.1f on %d images whose exact NLL is %.1f (floor %.0f at sigma %.3g, BDMC gap %.1f); KDE %.1f (bandwidth %.3f, floor %.0f); MODE %.2f, Inception %.2f; median condition number %@",
                 label, e.exactNLL.mean, e.ais.meanNLL, e.ais.standardError, e.aisImages, aisExactMean,
                 AISConfiguration.floorNLL(dimension: dimension, sigma: e.aisSigma), e.aisSigma, e.aisCheck.meanGap, e.kdeNLL.mean, e.kdeBandwidth,
                 KernelDensityEstimate.floorNLL(dimension: dimension, bandwidth: e.kdeBandwidth), e.mode.mean, e.inception.mean,
                 e.medianCondition.map { String(format: "%.3g", $0) } ?? "beyond the SVD's resolution"))
}

/// Which rows of ∂G/∂z the spectra use: `count` evenly spaced rows (CIFAR-10: 768 of 3072,
/// or 256 with --quick, as each row costs a forward and backward pass through Real NVP);
/// nil means all.
func jacobianRowSubset(_ count: Int?, dimension: Int) -> [Int]? {
    guard let count, count < dimension else { return nil }
    return (0..<count).map { $0 * dimension / count }
}
