/// A checkpoint that does not fit the model or the run reading it: `source` names the
/// file (or "the best model in memory"), `reason` says what is wrong.
public struct CheckpointMismatch: Error, CustomStringConvertible {
    public let source: String
    public let reason: String

    public init(source: String, reason: String) {
        self.source = source; self.reason = reason
    }

    public var description: String { "\(source): does not fit this run: \(reason)" }
}
