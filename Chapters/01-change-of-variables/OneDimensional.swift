import Foundation
import TensorCore
import Autodiff
import Figures
import Course

/// An invertible map of the real line with its inverse and the derivative of the inverse,
/// so the formula p_X(x) = p_Z(f⁻¹(x)) |d f⁻¹/dx| can be evaluated in closed form.
struct OneDimensionalMap {
    let name: String
    let formula: String
    let forward: (Double) -> Double
    let inverse: (Double) -> Double
    let inverseDerivative: (Double) -> Double
    let range: ClosedRange<Double>

    static let all: [OneDimensionalMap] = [
        OneDimensionalMap(name: "affine", formula: "x = 0.5 z + 1",
                          forward: { 0.5 * $0 + 1 }, inverse: { ($0 - 1) / 0.5 }, inverseDerivative: { _ in 2 },
                          range: -1...3),
        OneDimensionalMap(name: "exp", formula: "x = exp(z)",
                          forward: { Foundation.exp($0) }, inverse: { Foundation.log($0) }, inverseDerivative: { 1 / $0 },
                          range: 0.01...5),
        OneDimensionalMap(name: "sinh", formula: "x = sinh(2z)",
                          forward: { Foundation.sinh(2 * $0) }, inverse: { Foundation.asinh($0) / 2 },
                          inverseDerivative: { 0.5 / ($0 * $0 + 1).squareRoot() },
                          range: -8...8),
    ]

    // [book:density-1d]
    /// The change-of-variables formula in one dimension.
    func density(_ x: Double) -> Double {
        let z = inverse(x)
        let standardNormal = Foundation.exp(-z * z / 2) / (2 * Double.pi).squareRoot()
        return standardNormal * abs(inverseDerivative(x))
    }
    // [/book:density-1d]
}

/// Standard normal samples pushed through a 1-D map, as a histogram beside the formula.
struct PushedHistogram {
    let map: OneDimensionalMap
    let samples: Int
    /// Bin centres and the histogram's density in each bin.
    let centres: [Double]
    let density: [Double]
    /// Total variation distance between the histogram's bin probabilities and the formula's.
    let totalVariation: Double
}

/// Pushes standard normal samples through `map` and histograms them; the formula's bin
/// probabilities come from Simpson's rule on each bin.
func pushedHistogram(_ map: OneDimensionalMap, samples: Int, generator: inout RandomGenerator) -> PushedHistogram {
    let bins = 120
    let (low, high) = (map.range.lowerBound, map.range.upperBound)
    let width = (high - low) / Double(bins)
    var counts = [Int](repeating: 0, count: bins)
    for _ in 0..<samples {
        let x = map.forward(Double(generator.nextNormal()))
        let bin = Int(((x - low) / width).rounded(.down))
        if bin >= 0 && bin < bins { counts[bin] += 1 }
    }
    var totalVariation = 0.0
    var centres: [Double] = [], histogram: [Double] = []
    for i in 0..<bins {
        let a = low + Double(i) * width, b = a + width
        let predicted = width / 6 * (map.density(a) + 4 * map.density((a + b) / 2) + map.density(b))
        let observed = Double(counts[i]) / Double(samples)
        totalVariation += abs(predicted - observed) / 2
        centres.append((a + b) / 2)
        histogram.append(observed / width)
    }
    return PushedHistogram(map: map, samples: samples, centres: centres, density: histogram, totalVariation: totalVariation)
}
