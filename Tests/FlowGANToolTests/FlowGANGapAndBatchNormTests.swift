import Foundation
import Testing
import TestSupport
import TensorCore
import Autodiff
import Datasets
import Flows
import Checkpoints
import Evaluation
import Training
import Course
@testable import FlowGANTool

/// `flowgan gap`, `flowgan batchnorm` and the library's `reestimateBatchNormAverages`,
/// against oracles outside the code under test: the library's `evaluateNLL` of each image
/// through a model built here, standard errors computed in the test from their definition,
/// and the likelihood batch norm gives in training mode, where it normalises with the
/// batch's own statistics (which re-estimated averages must reproduce in evaluation mode).
@Suite("flowgan: the train-test gap and batch norm's averages")
struct FlowGANGapAndBatchNormTests {
    static func mnist() throws -> DatasetSplits {
        try DatasetSplits.load(.mnist, search: DataSearch(explicitDirectory: repositoryDataFolder))
    }

    @Test("re-estimated averages make evaluation mode give the likelihood of training mode on the same images; no parameter moves")
    func reestimatedAveragesMatchBatchStatistics() throws {
        let images = try Self.mnist().train.images.slice(0..<200, alongAxis: 0)
        let flow = FlowGANToolTests.tinyFlow()
        let parameters = flow.parameters.map(\.value.values)
        // The oracle: training mode normalises each batch norm's input with the statistics of
        // the batch itself, here all 200 images at once (dequantised with evaluateNLL's noise).
        var noise = RandomGenerator.evaluationNoise
        let dequantised = Dequantization.apply(images, generator: &noise)
        flow.isTraining = true
        let batchStatistics = GradientRecording.withoutRecording { Double(flow.negativeLogLikelihood(Variable(dequantised)).value.scalar) }
        try flow.loadBuffers(Dictionary(uniqueKeysWithValues: FlowGANToolTests.tinyFlow().namedBuffers.map { ($0.name, $0.buffer) }))
        flow.isTraining = false
        let before = evaluateNLL(flow, images: images).mean
        // 60 passes of the same 200 images: the running averages forget their start
        // (0.9^60 < 0.2%) and settle on these images' statistics.
        var generator = RandomGenerator(seed: 3)
        reestimateBatchNormAverages(flow, images: images, batches: 60, batchSize: 200, generator: &generator)
        let after = evaluateNLL(flow, images: images).mean
        #expect(!flow.isTraining, "the flow is left in evaluation mode, as it was")
        #expect(flow.parameters.map(\.value.values) == parameters, "only the averages may change")
        // The untouched averages (mean 0, variance 1) are far from these images' statistics;
        // re-estimated, the two modes agree up to the dequantisation noise of the passes and
        // the unbiased variance's factor 200/199.
        let tolerance = 0.02 * abs(batchStatistics)
        #expect(abs(before - batchStatistics) > 10 * tolerance, "before \(before), training mode \(batchStatistics)")
        #expect(abs(after - batchStatistics) < tolerance, "after \(after), training mode \(batchStatistics)")
    }

    @Test("gap's arithmetic: means, standard errors from their definition, and the gap's error from independent sets")
    func gapSummaryArithmetic() {
        let train = [1.0, 2, 3, 4], validation = [2.0, 2, 2, 6], test = [3.0, 5, 7, 9, 11]
        let summary = GapSummary(train: train, validation: validation, test: test, iterations: 5)
        // Sample variances: train 5/3, test 10; validation 4.
        #expect(summary.train.meanNllNats == 2.5 && summary.test.meanNllNats == 7)
        #expect(abs(summary.train.standardError - (5.0 / 3 / 4).squareRoot()) < 1e-12)
        #expect(abs(summary.test.standardError - (10.0 / 5).squareRoot()) < 1e-12)
        #expect(summary.testMinusTrainNats == 4.5)
        #expect(abs(summary.testMinusTrainStandardError - (5.0 / 12 + 2).squareRoot()) < 1e-12)
        #expect(summary.validationMinusTrainNats == 0.5)
        #expect(abs(summary.validationMinusTrainStandardError - (1.0 + 5.0 / 12).squareRoot()) < 1e-12)
    }

    @Test("gap on the command line: each split's mean is evaluateNLL's of its images one by one")
    func gapOnTheCommandLine() throws {
        let scratch = try FlowGANCommandLineTests.folderOfCheckpoints()
        defer { scratch.remove() }
        let out = scratch.file("out")
        let (status, output) = try FlowGANCommandLineTests.run(["gap", "--checkpoint-dir", scratch.path, "--data-dir", repositoryDataFolder,
                                                                  "--images", "100", "--out", out])
        #expect(status == 0, "\(output)")
        let report = try readResults(GapReport.self, from: (out as NSString).appendingPathComponent("flowgan-gap.json"))
        let summary = try #require(report.models["ch05-mle"])
        let splits = try Self.mnist(), flow = FlowGANToolTests.tinyFlow()
        for (name, split, measured) in [("train", splits.train, summary.train), ("validation", splits.validation, summary.validation),
                                        ("test", splits.test, summary.test)] {
            let nlls = (0..<100).map { evaluateNLL(flow, images: split.images.slice($0..<($0 + 1), alongAxis: 0)).mean }
            let expected = nlls.reduce(0, +) / 100
            #expect(measured.images == 100)
            #expect(abs(measured.meanNllNats - expected) <= 1e-4 * abs(expected), "\(name): \(measured.meanNllNats) vs \(expected)")
        }
        #expect(FileManager.default.fileExists(atPath: (out as NSString).appendingPathComponent("flowgan-gap-ch05-mle.png")))
    }

    @Test("batchnorm on the command line: the saved model scores as printed, the trained one is untouched, and a bad folder is refused")
    func batchNormOnTheCommandLine() throws {
        let scratch = try FlowGANCommandLineTests.folderOfCheckpoints()
        defer { scratch.remove() }
        let original = try Data(contentsOf: URL(fileURLWithPath: scratch.file("ch05-mle.safetensors")))
        let saved = scratch.file("changed")
        let (status, output) = try FlowGANCommandLineTests.run(["batchnorm", "--checkpoint-dir", scratch.path, "--data-dir", repositoryDataFolder,
                                                                  "--batches", "20", "--test-images", "100", "--save", saved])
        #expect(status == 0, "\(output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.file("ch05-mle.safetensors"))) == original)
        let report = try readResults(BatchNormReport.self, from: (saved as NSString).appendingPathComponent("flowgan-batchnorm.json"))
        let numbers = try #require(report.models["ch05-mle"])
        // The oracle: evaluateNLL of each test image on its own, through the models read back here.
        let test = try Self.mnist().test.images.slice(0..<100, alongAxis: 0)
        func meanNLL(_ path: String) throws -> Double {
            var generator = RandomGenerator(seed: 0)
            let (flow, _, _) = try loadFlow(from: path, generator: &generator)
            flow.isTraining = false
            return (0..<100).map { evaluateNLL(flow, images: test.slice($0..<($0 + 1), alongAxis: 0)).mean }.reduce(0, +) / 100
        }
        let before = try meanNLL(scratch.file("ch05-mle.safetensors")), after = try meanNLL((saved as NSString).appendingPathComponent("ch05-mle.safetensors"))
        #expect(abs(numbers.testNllNatsBefore - before) <= 1e-4 * abs(before), "\(numbers.testNllNatsBefore) vs \(before)")
        #expect(abs(numbers.testNllNatsAfter - after) <= 1e-4 * abs(after), "\(numbers.testNllNatsAfter) vs \(after)")
        #expect(abs(after - before) > 1, "twenty batches of MNIST move the fresh averages (mean 0, variance 1)")
        let metadata = try checkpointMetadata((saved as NSString).appendingPathComponent("ch05-mle.safetensors"))
        #expect(metadata["batch_norm_averages"]?.contains("20 batches") == true)

        let (refused, message) = try FlowGANCommandLineTests.run(["batchnorm", "--checkpoint-dir", scratch.path, "--data-dir", repositoryDataFolder,
                                                                   "--save", scratch.path], readErrors: true)
        #expect(refused == 1 && message.contains("the checkpoint folder itself"), "\(message)")
        let (badFlag, flagMessage) = try FlowGANCommandLineTests.run(["batchnorm", "--batches", "0"], readErrors: true)
        #expect(badFlag == 64 && flagMessage.contains("--batches"), "\(flagMessage)")
    }
}
