import Foundation

// The two summaries every estimate in the course goes through, written once.

/// The mean of `values` and its standard error: the sample standard deviation (n - 1 in
/// the denominator) over √n. One value has a standard error of 0; none, a mean of 0.
public func meanAndStandardError(_ values: [Double]) -> (mean: Double, standardError: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0, +) / max(n, 1)
    let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / max(n - 1, 1)
    return (mean, (variance / max(n, 1)).squareRoot())
}

/// log((1/n) Σ exp(tᵢ)), computed stably by factoring out the largest term, so that
/// nothing overflows or underflows to zero. A largest term that is not finite is the
/// answer (-∞ when every term is -∞, or the collection is empty).
public func logMeanExp<Terms: Collection>(_ terms: Terms) -> Double where Terms.Element == Double {
    guard let top = terms.max(), top.isFinite else { return terms.max() ?? -.infinity }
    let sum = terms.reduce(0) { $0 + Foundation.exp($1 - top) }
    return top + Foundation.log(sum / Double(terms.count))
}
