import ArgumentParser
import Foundation
import TensorCore
import Autodiff
import Figures
import Course
import Flows

/// Chapter 01: the change-of-variables formula, p_X(x) = p_Z(f⁻¹(x)) |det ∂f⁻¹/∂x|,
/// seen in one and two dimensions and checked three ways.
@main
struct Chapter01: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter01-change-of-variables",
        abstract: "Chapter 01: how an invertible map changes a density.",
        discussion: """
        Pushes a standard normal through invertible maps in 1-D and 2-D, draws the \
        density the change-of-variables formula predicts over histograms of the pushed \
        samples, deforms a grid, and computes log|det J| three ways (closed form, autodiff \
        Jacobian with an LU determinant, finite differences). Writes ch01-* figures, their \
        gnuplot scripts and data, and ch01-results.json into --out.
        """)

    @OptionGroup var options: ChapterOptions

    @Option(help: "Samples pushed through each 1-D map.")
    var samples: Int = ChapterSettings.standard.samples

    @Option(help: "The planar flow's u as two numbers, e.g. 1.2,-0.6 (with w = (2.5, 1) the flow is invertible only while u·w > -1).")
    var planarU: String?

    /// The run's sizes: the default run's, or the `--quick` run's.
    struct ChapterSettings {
        /// Samples pushed through each 1-D map (the default run's is `--samples`).
        var samples: Int
        /// Grid points per side of the 2-D density and grid figures.
        var gridSize: Int
        /// Random points at which log|det J| is computed three ways.
        var logDeterminantPoints: Int

        static let standard = ChapterSettings(samples: 400_000, gridSize: 240, logDeterminantPoints: 32)
        static let quick = ChapterSettings(samples: 50_000, gridSize: 120, logDeterminantPoints: 8)
    }

    var settings: ChapterSettings { options.quick ? .quick : .standard }

    /// --planar-u parsed, or the default.
    var planarUValues: [Float] {
        planarU.map { $0.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) } }
            ?? TwoDimensionalMaps.defaultPlanarU
    }

    func validate() throws {
        guard (1000...100_000_000).contains(samples) else { throw ValidationError("--samples must be in 1000...100000000, got \(samples)") }
        let u = planarUValues
        guard u.count == 2, u.allSatisfy({ $0.isFinite && abs($0) <= 100 }) else {
            throw ValidationError("--planar-u takes two numbers separated by a comma, each within ±100, e.g. 1.2,-0.6; got \(planarU ?? "")")
        }
        let dot = zip(u, TwoDimensionalMaps.planarW).map(*).reduce(0, +)
        guard dot > -1 else {
            throw ValidationError("--planar-u \(planarU ?? ""): u·w = \(dot) with w = (2.5, 1), but the planar flow is invertible only while u·w > -1 (then 1 + u·w tanh'(w·z + b) > 0 everywhere)")
        }
    }

    mutating func run() throws {
        try options.prepare(chapter: "ch01", changes: [samples != ChapterSettings.standard.samples ? "samples-\(samples)" : nil,
                                                       planarU.map { "planar-u-\($0)" }])
        let started = Date()
        var generator = RandomGenerator(seed: options.seed)
        var results = ResultsFile()
        results["chapter"] = "01-change-of-variables"
        results["seed"] = options.seed
        results["quick"] = options.quick

        // 1. One dimension: histograms of pushed samples against the formula.
        let count = options.quick ? ChapterSettings.quick.samples : samples
        results["samples_1d"] = count
        var distances: [String: Double] = [:]
        for map in OneDimensionalMap.all {
            let comparison = try compareHistogram(map, samples: count, generator: &generator, out: options.folder)
            distances[map.name] = comparison
            print(String(format: "1-D %@: total variation between histogram and formula = %.4f", map.name, comparison))
        }
        results["total_variation_1d"] = distances

        // 2. Two dimensions: a linear map and a planar flow, grids and densities.
        let flow = PlanarFlow(u: planarUValues, w: TwoDimensionalMaps.planarW, b: TwoDimensionalMaps.planarB)
        results["planar_u_dot_w"] = Double(zip(planarUValues, TwoDimensionalMaps.planarW).map(*).reduce(0, +))
        let planar = try drawTwoDimensional(out: options.folder, gridSize: settings.gridSize, planarFlow: flow)
        results["planar_density_integral"] = planar.integral
        results["linear_density_integral"] = planar.linearIntegral
        print(String(format: "2-D: the pushed densities integrate to %.4f (linear) and %.4f (planar) on the grid",
                     planar.linearIntegral, planar.integral))

        // 3. log|det J| three ways.
        let check = try compareLogDeterminants(points: settings.logDeterminantPoints, planarFlow: flow, generator: &generator)
        results["logdet_points"] = check.points
        results["logdet_max_disagreement_autodiff"] = check.autodiff
        results["logdet_max_disagreement_finite_differences"] = check.finiteDifferences
        print(String(format: "log|det J|: largest disagreement with the closed form: autodiff+LU %.2e, finite differences+LU %.2e",
                     check.autodiff, check.finiteDifferences))

        results["seconds"] = Date().timeIntervalSince(started)
        try results.write(to: options.outputPath("ch01-results.json"))
        print("Wrote figures and ch01-results.json to \(options.folder)/")
    }
}
