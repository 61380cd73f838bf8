import Foundation
import Testing
import TestSupport
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import Checkpoints

/// Chapter 05 saves a CIFAR-10 Real NVP with its size in the metadata and chapter 06
/// rebuilds it from there: the rebuilt model must give the saved model's log-likelihoods.
@Suite("Flow architecture in checkpoint metadata")
struct FlowArchitectureTests {
    /// A small Real NVP with every parameter set from SplitMix64 (the s/t networks' last
    /// convolution starts at 0, which would make every coupling the identity) and batch
    /// norm running averages moved by a few training-mode passes.
    static func perturbedRealNVP(features: Int, blocks: Int, seed: UInt64) -> NormalizingFlow {
        var generator = RandomGenerator(seed: seed)
        let flow = FlowModels.realNVP(features: features, blocks: blocks, generator: &generator)
        var random = SplitMix64(state: seed)
        for parameter in flow.parameters {
            parameter.value = Tensor(shape: parameter.shape, values: (0..<parameter.value.count).map { _ in random.nextFloat(-0.05, 0.05) })
        }
        flow.isTraining = true
        GradientRecording.withoutRecording {
            for k in 0..<3 { _ = flow.logLikelihood(Variable(sampleTensor([4, 3, 32, 32], seed: seed + UInt64(k), low: 0.05, high: 0.95))) }
        }
        flow.isTraining = false
        return flow
    }

    static func logLikelihoods(_ flow: NormalizingFlow, _ x: Tensor) -> [Float] {
        GradientRecording.withoutRecording { flow.logLikelihood(Variable(x)).value.values }
    }

    @Test("a Real NVP saved with its metadata and rebuilt from it gives the same log-likelihoods")
    func roundTrip() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let original = Self.perturbedRealNVP(features: 4, blocks: 2, seed: 31)
        let path = scratch.file("ch05-hybrid.safetensors")
        let architecture = FlowArchitecture.realNVP(features: 4, blocks: 2)
        try saveModel(original, metadata: architecture.metadata.merging(["dataset": "cifar10", "objective": "hybrid"]) { $1 }, to: path)

        let batch = sampleTensor([3, 3, 32, 32], seed: 32, low: 0.02, high: 0.98)
        let expected = Self.logLikelihoods(original, batch)
        var other = RandomGenerator(seed: 777)
        let (rebuilt, readArchitecture, metadata) = try loadFlow(from: path, generator: &other)
        rebuilt.isTraining = false
        #expect(readArchitecture == architecture)
        #expect(metadata["architecture"] == "realnvp" && metadata["features"] == "4" && metadata["blocks"] == "2")
        #expect(metadata["dataset"] == "cifar10")
        #expect(Self.logLikelihoods(rebuilt, batch) == expected)
        // Sanity of the check itself: another model's values differ.
        let stranger = Self.perturbedRealNVP(features: 4, blocks: 2, seed: 33)
        #expect(Self.logLikelihoods(stranger, batch) != expected)
    }

    @Test("metadata of another size, a missing size, or an unknown architecture is an error, not a wrong model")
    func mismatches() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let flow = Self.perturbedRealNVP(features: 4, blocks: 1, seed: 41)
        var generator = RandomGenerator(seed: 0)
        for (name, metadata) in [("wider", ["architecture": "realnvp", "features": "8", "blocks": "1"]),
                                 ("deeper", ["architecture": "realnvp", "features": "4", "blocks": "2"]),
                                 ("sizeless", ["architecture": "realnvp"]),
                                 ("unknown", ["architecture": "glow", "features": "4", "blocks": "1"]),
                                 ("nice", [:])] {
            let path = scratch.file("\(name).safetensors")
            try saveModel(flow, metadata: metadata, to: path)
            #expect(throws: CheckpointMismatch.self, "\(name)") { _ = try loadFlow(from: path, generator: &generator) }
        }
    }

    @Test("chapter 03's MNIST Real NVP (1x28x28, logistic prior) saved and rebuilt from its metadata gives the same log-likelihoods")
    func mnistRealNVPRoundTrip() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let architecture = FlowArchitecture.realNVP(features: 4, blocks: 1, sampleShape: [1, 28, 28], prior: .standardLogistic)
        var generator = RandomGenerator(seed: 51)
        let original = architecture.build(generator: &generator)
        var random = SplitMix64(state: 52)
        for parameter in original.parameters {
            parameter.value = Tensor(shape: parameter.shape, values: (0..<parameter.value.count).map { _ in random.nextFloat(-0.05, 0.05) })
        }
        original.isTraining = false
        let path = scratch.file("ch03-realnvp.safetensors")
        try saveModel(original, metadata: architecture.metadata, to: path)
        #expect(architecture.metadata["sample_shape"] == "1x28x28" && architecture.metadata["prior"] == "logistic")

        let batch = sampleTensor([3, 1, 28, 28], seed: 53, low: 0.02, high: 0.98)
        var other = RandomGenerator(seed: 778)
        let (rebuilt, readArchitecture, _) = try loadFlow(from: path, generator: &other)
        rebuilt.isTraining = false
        #expect(readArchitecture == architecture && rebuilt.prior == .standardLogistic)
        #expect(Self.logLikelihoods(rebuilt, batch) == Self.logLikelihoods(original, batch))
        // The same weights under the CIFAR-10 default (3x32x32, normal prior) do not load.
        var cifar = architecture.metadata
        cifar["sample_shape"] = nil; cifar["prior"] = nil
        let wrong = scratch.file("no-shape.safetensors")
        try saveModel(original, metadata: cifar, to: wrong)
        #expect(throws: CheckpointMismatch.self) { _ = try loadFlow(from: wrong, generator: &other) }
        // Malformed values are refused with the file's name, not trapped on.
        for (key, value) in [("sample_shape", "1x27x28"), ("sample_shape", "2x28x28"), ("sample_shape", "28x28"),
                             ("sample_shape", "1x100000x28"), ("prior", "cauchy")] {
            var entries = architecture.metadata
            entries[key] = value
            #expect(throws: CheckpointMismatch.self, "\(key) \(value)") { _ = try FlowArchitecture(metadata: entries, source: "x") }
        }
    }

    @Test("no architecture key means the paper's NICE (checkpoints written before the key existed)")
    func legacyMetadata() throws {
        #expect(try FlowArchitecture(metadata: ["model": "nice-mnist-mle", "dataset": "mnist"], source: "x") == .nice)
        #expect(try FlowArchitecture(metadata: ["architecture": "nice"], source: "x").sampleShape == [1, 28, 28])
        let real = try FlowArchitecture(metadata: ["architecture": "realnvp", "features": "64", "blocks": "8"], source: "x")
        #expect(real == .realNVP() && real.sampleShape == [3, 32, 32])
        #expect(FlowArchitecture.nice.metadata == ["architecture": "nice", "hidden": "1000", "depth": "5"])
        // A narrower NICE records its width and depth and reads back the same.
        let narrow = FlowArchitecture.nice(hidden: 300, depth: 3)
        #expect(try FlowArchitecture(metadata: narrow.metadata, source: "x") == narrow && narrow != .nice)
        #expect(throws: CheckpointMismatch.self) { try FlowArchitecture(metadata: ["architecture": "nice", "hidden": "0"], source: "x") }
    }
}
