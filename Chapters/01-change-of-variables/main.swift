// Chapter 01: the change-of-variables formula, p_X(x) = p_Z(f⁻¹(x)) |det ∂f⁻¹/∂x|, seen in
// one and two dimensions and checked three ways. Read top to bottom beside book.md's
// chapter 01; `swift run chapter01-change-of-variables --help` lists every setting.
import Foundation
import TensorCore
import Autodiff
import Figures
import Course
import Flows

// [book:ch01-settings]
/// The chapter's settings: the default run's values here, `--quick`'s below.
struct Settings: ChapterSettings {
    /// Samples pushed through each 1-D map.
    var samples = 400_000
    /// Grid points per side of the 2-D density and grid figures.
    var gridSize = 240
    /// Random points at which log|det J| is computed three ways.
    var logDeterminantPoints = 32
    /// The planar flow's u; with w = (2.5, 1) it is invertible while uᵀw ≥ -1.
    var planarU: [Float] = TwoDimensionalMaps.defaultPlanarU

    static let presets = [
        Preset("default", Settings(), help: "the book's figures (seconds)"),
        Preset("quick", Settings(samples: 50_000, gridSize: 120, logDeterminantPoints: 8), help: "a smoke run"),
    ]
    static let table: [Setting<Settings>] = [
        .integer("samples", \.samples, 1000...100_000_000, "samples pushed through each 1-D map"),
        .integer("grid-size", \.gridSize, 20...2000, "grid points per side of the 2-D figures"),
        .integer("logdet-points", \.logDeterminantPoints, 1...10_000, "random points where log|det J| is computed three ways"),
        Setting.numbers("planar-u", \.planarU, count: 2, .within(-100...100), "the planar flow's u, e.g. 1.2,-0.6")
            .requiring { settings in
                let dot = zip(settings.planarU, TwoDimensionalMaps.planarW).map(*).reduce(0, +)
                return dot > -1 ? nil : "--planar-u: u·w = \(dot) with w = (2.5, 1); this chapter draws the planar flow only while u·w > -1 (then 1 + u·w tanh'(w·z + b) > 0 everywhere)"
            },
    ]
}
// [/book:ch01-settings]

/// What the chapter measured (ch01-results.json).
struct Results: Codable {
    var chapter = "01-change-of-variables"
    var quick: Bool
    var samples1D: Int
    var totalVariation1D: [String: Double] = [:]
    var planarUDotW: Double
    var planarDensityIntegral = Double.nan
    var linearDensityIntegral = Double.nan
    var logdetPoints = 0
    var logdetMaxDisagreementAutodiff = Double.nan
    var logdetMaxDisagreementFiniteDifferences = Double.nan
    var seconds = 0.0

    enum CodingKeys: String, CodingKey {
        case chapter, quick, seconds, planarDensityIntegral, linearDensityIntegral, logdetPoints
        case logdetMaxDisagreementAutodiff, logdetMaxDisagreementFiniteDifferences
        case samples1D = "samples_1d", totalVariation1D = "total_variation_1d", planarUDotW = "planar_u_dot_w"
    }
}

let program = ChapterProgram<Settings>(
    command: "chapter01-change-of-variables", shortName: "ch01",
    abstract: "Chapter 01: how an invertible map changes a density.",
    discussion: """
    Pushes a standard normal through invertible maps in 1-D and 2-D, draws the density the \
    change-of-variables formula predicts over histograms of the pushed samples, deforms a grid, \
    and computes log|det J| three ways (closed form, autodiff Jacobian with an LU determinant, \
    finite differences). Writes ch01-* figures, their gnuplot scripts and data, and \
    ch01-results.json into --out.
    """)

let run = program.start()
do {
    let settings = run.settings
    let started = Date()
    var generator = RandomGenerator(seed: run.seed)
    let planarFlow = try PlanarFlow(u: settings.planarU, w: TwoDimensionalMaps.planarW, b: TwoDimensionalMaps.planarB)
    var results = Results(quick: run.isQuick, samples1D: settings.samples,
                          planarUDotW: Double(zip(settings.planarU, TwoDimensionalMaps.planarW).map(*).reduce(0, +)))

    // 1. One dimension: histograms of pushed samples against the formula.
    var histograms: [PushedHistogram] = []
    for map in OneDimensionalMap.all {
        let pushed = pushedHistogram(map, samples: settings.samples, generator: &generator)
        histograms.append(pushed)
        results.totalVariation1D[map.name] = pushed.totalVariation
        print(String(format: "1-D %@: total variation between histogram and formula = %.4f", map.name, pushed.totalVariation))
    }

    // 2. Two dimensions: the densities the formula gives after a linear map and a planar flow.
    let densities = pushedDensities(gridSize: settings.gridSize, planarFlow: planarFlow)
    results.planarDensityIntegral = densities.planarIntegral
    results.linearDensityIntegral = densities.linearIntegral
    print(String(format: "2-D: the pushed densities integrate to %.4f (linear) and %.4f (planar) on the grid",
                 densities.linearIntegral, densities.planarIntegral))

    // 3. log|det J| three ways: closed form, autodiff Jacobian + LU, finite differences + LU.
    let check = try compareLogDeterminants(points: settings.logDeterminantPoints, planarFlow: planarFlow, generator: &generator)
    results.logdetPoints = check.points
    results.logdetMaxDisagreementAutodiff = check.autodiff
    results.logdetMaxDisagreementFiniteDifferences = check.finiteDifferences
    print(String(format: "log|det J|: largest disagreement with the closed form: autodiff+LU %.2e, finite differences+LU %.2e",
                 check.autodiff, check.finiteDifferences))

    // 4. The numbers, before any figure: a figure that fails cannot cost the run its results.
    results.seconds = Date().timeIntervalSince(started)
    try writeResults(results, settings: settings, preset: run.preset, seed: run.seed, to: run.path("ch01-results.json"))

    // 5. Draw: the histograms; a grid through each 2-D map (the linear map stretches the
    //    grid's corners out to about ±7.2, the planar flow moves points by at most
    //    |u| ≈ 1.34); the three densities; the planar density with axes.
    for pushed in histograms { try drawHistogram(pushed, folder: run.folder) }
    try drawGrid("linear", title: "x = A z, det A = 0.75", reach: 8, map: TwoDimensionalMaps.applyLinear, folder: run.folder)
    try drawGrid("planar", title: "planar flow x = z + u tanh(w^T z + b)", reach: 5, map: { planarFlow($0) }, folder: run.folder)
    try drawDensities(densities, folder: run.folder)
    try drawPlanarDensity(densities, folder: run.folder)
    results.seconds = Date().timeIntervalSince(started)   // the whole run, figures included
    try writeResults(results, settings: settings, preset: run.preset, seed: run.seed, to: run.path("ch01-results.json"))
    print("Wrote ch01-results.json and figures to \(run.folder)/")
} catch {
    run.stop(error)
}
