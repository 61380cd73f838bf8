import Foundation
import TensorCore
import Autodiff
import NeuralLayers

/// A flow model: a chain of invertible layers from data x to latent z and a prior p_Z.
///
/// By the change of variables, log p(x) = log p_Z(f(x)) + log |det ∂f/∂x|, where the
/// log-determinant sums over the layers. Sampling runs the chain backwards:
/// x = f⁻¹(z), z ~ p_Z. For images, the chain starts with the logit preprocessing, so
/// log p(x) is a density on [0, 1]^D (nats per image, the paper's unit).
public final class NormalizingFlow: Module {
    public let flow: FlowSequence
    public let prior: Prior
    /// The shape of one data sample, e.g. [1, 28, 28] or [2].
    public let sampleShape: [Int]
    /// The shape of one latent sample (the flow's output), e.g. [784].
    public let latentShape: [Int]

    public init(_ layers: [any FlowLayer], prior: Prior, sampleShape: [Int], latentShape: [Int]) {
        flow = FlowSequence(layers)
        self.prior = prior
        self.sampleShape = sampleShape
        self.latentShape = latentShape
    }

    public var dimension: Int { sampleShape.reduce(1, *) }

    // [book:log-likelihood]
    /// log p(x) for each sample, [N].
    public func logLikelihood(_ x: Variable) -> Variable {
        let (z, logDeterminant) = flow.forward(x)
        return prior.logProbability(z) + logDeterminant
    }
    // [/book:log-likelihood]

    /// The mean negative log-likelihood of a batch, the maximum-likelihood loss.
    public func negativeLogLikelihood(_ x: Variable) -> Variable {
        -logLikelihood(x).mean()
    }

    /// The generator G(z) = f⁻¹(z), differentiable with respect to the parameters.
    public func generate(_ z: Variable) -> Variable {
        flow.inverseOutput(z)
    }

    /// `n` samples; `temperature` scales the prior's spread.
    public func sample(_ n: Int, generator: inout RandomGenerator, temperature: Float = 1) -> Variable {
        generate(Variable(prior.sample(n, shape: latentShape, generator: &generator, temperature: temperature)))
    }

    public var children: [(name: String, module: any Module)] { [("flow", flow)] }
}
