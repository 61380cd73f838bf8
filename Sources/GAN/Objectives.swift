import Autodiff

/// How the generator learns (book.md, appendix "The paper's recipe").
public enum Objective: String, CaseIterable, Sendable {
    /// Maximum likelihood: the NLL only, no critic.
    case mle
    /// Adversarial: the WGAN generator loss -E[D(G(z))] only.
    case adv
    /// Both: g_loss / λ + NLL, the paper's V - λ log p scaled by 1/λ.
    case hybrid
}

// [book:generator-objective]
/// The loss the generator minimises under each objective, from the critic's mean score
/// of a batch of generated samples, E[D(G(z))], and the NLL of a batch of data. Both are
/// closures, so that MLE does not run the critic and ADV does not compute the NLL.
public func generatorObjective(_ objective: Objective, lambda: Float,
                               criticScoreOfSamples: () -> Variable, nll: () -> Variable) -> Variable {
    switch objective {
    case .mle:
        return nll()
    case .adv:
        return -criticScoreOfSamples()
    case .hybrid:
        let generatorLoss = -criticScoreOfSamples()
        return generatorLoss * (1 / lambda) + nll()
    }
}
// [/book:generator-objective]

/// A value with one entry per objective under the objectives' own names (a chapter's
/// results: `mle`, `adv`, `hybrid`), reachable by objective.
public protocol OneEntryPerObjective {
    associatedtype Entry
    var mle: Entry? { get set }
    var adv: Entry? { get set }
    var hybrid: Entry? { get set }
}

extension OneEntryPerObjective {
    public subscript(objective: Objective) -> Entry? {
        get {
            switch objective {
            case .mle: return mle
            case .adv: return adv
            case .hybrid: return hybrid
            }
        }
        set {
            switch objective {
            case .mle: mle = newValue
            case .adv: adv = newValue
            case .hybrid: hybrid = newValue
            }
        }
    }
}
