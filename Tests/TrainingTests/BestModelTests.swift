import Foundation
import Testing
import TensorCore
import Autodiff
import NeuralLayers
import Flows
import Training

/// The best model by validation NLL is what every chapter reports: `record` keeps the
/// weights of the best evaluation, `restoreBest` puts them back.
@Suite("The best model is kept and restored")
struct BestModelTests {
    @Test("after a worse evaluation, restoreBest brings back the weights of the best one")
    func restoresBest() throws {
        var generator = RandomGenerator(seed: 11)
        let flow = FlowModels.nice(sampleShape: [1, 2, 2], hidden: 6, depth: 1, couplings: 2, generator: &generator)
        let trainer = FlowTrainer(model: flow, learningRate: 1e-2, beta1: 0.5, beta2: 0.9, batchSize: 3, seed: 5)
        let data = Tensor.uniform([3, 1, 2, 2], generator: &generator)
        _ = try trainer.maximumLikelihoodStep(data)
        trainer.record(TrainingRecord(iteration: 1, seconds: 0, trainLoss: 0, validationNLL: 5))
        let bestWeights = stateTensors(of: flow).map(\.1.values)
        _ = try trainer.maximumLikelihoodStep(data)
        trainer.record(TrainingRecord(iteration: 2, seconds: 0, trainLoss: 0, validationNLL: 6))   // worse
        let lastWeights = stateTensors(of: flow).map(\.1.values)
        #expect(lastWeights != bestWeights, "the second step should have changed the weights")
        #expect(trainer.best?.iteration == 1 && trainer.best?.validationNLL == 5)
        try trainer.restoreBest()
        #expect(stateTensors(of: flow).map(\.1.values) == bestWeights)
        // A better evaluation replaces the best.
        _ = try trainer.maximumLikelihoodStep(data)
        trainer.record(TrainingRecord(iteration: 3, seconds: 0, trainLoss: 0, validationNLL: 4))
        #expect(trainer.best?.iteration == 3)
    }
}
