// swift-tools-version: 6.0
//
// Flow-GAN in Swift: a numerical core (TensorCore, Autodiff, NeuralLayers) over
// OpenBLAS, and one executable per chapter of book.md on top of it.
import PackageDescription

/// The numeric modules are compiled optimised in every configuration, so that a plain
/// `swift run chapter05-hybrid` (a debug build) trains at close to release speed and the
/// tests run in seconds. SwiftPM accepts unsafe flags for a root package's own targets.
///
/// On x86-64 the numeric code is compiled for AVX2 and FMA (Haswell, 2013, and every
/// x86-64 CPU since), which doubles the width of the vectorised elementwise loops and of
/// the Adam update; the GEMMs are OpenBLAS's, which picks its kernels at run time.
#if arch(x86_64)
let vectorISA: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let vectorISA: [SwiftSetting] = []
#endif

let optimisedInDebug: [SwiftSetting] = [
    .unsafeFlags(["-O"], .when(configuration: .debug)),
] + vectorISA

/// A chapter: an executable over the library modules it `uses` (its command line comes
/// from its settings, through Course).
func chapter(_ name: String, path: String, uses modules: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: modules, path: path, swiftSettings: optimisedInDebug)
}

let package = Package(
    name: "FlowGAN",
    products: [
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "Autodiff", targets: ["Autodiff"]),
        .library(name: "NeuralLayers", targets: ["NeuralLayers"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Figures", targets: ["Figures"]),
        .library(name: "Flows", targets: ["Flows"]),
        .executable(name: "flowgan-bench", targets: ["FlowGANBench"]),
        .executable(name: "chapter01-change-of-variables", targets: ["Chapter01"]),
        .executable(name: "chapter02-coupling-layers", targets: ["Chapter02"]),
        .executable(name: "chapter03-realnvp", targets: ["Chapter03"]),
        .executable(name: "chapter04-wgan-critic", targets: ["Chapter04"]),
        .executable(name: "chapter05-hybrid", targets: ["Chapter05"]),
        .executable(name: "chapter06-evaluation", targets: ["Chapter06"]),
        .executable(name: "flowgan", targets: ["FlowGANCommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries, found with pkg-config; each names the Debian package that provides it.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLAPACKE", path: "Sources/CLAPACKE", pkgConfig: "lapacke",
                       providers: [.apt(["liblapacke-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        // Chooses OpenBLAS's kernels by the CPU's features before `main` (C: it runs as a
        // constructor and may execute the program again; see BLASKernels.c).
        .target(name: "BLASKernels", dependencies: ["CBLAS"]),

        // The layers of the engine, bottom to top: a module imports only modules of lower
        // layers and the modules beside them (Tests/BookTests/ModuleLayeringTests checks it):
        // TensorCore -> Autodiff -> NeuralLayers -> Flows, GAN -> Training -> Checkpoints -> Evaluation.
        .target(name: "TensorCore", dependencies: ["CBLAS", "CLAPACKE", "BLASKernels"],
                swiftSettings: optimisedInDebug),
        .target(name: "Autodiff", dependencies: ["TensorCore"],
                swiftSettings: optimisedInDebug),
        .target(name: "NeuralLayers", dependencies: ["TensorCore", "Autodiff"],
                swiftSettings: optimisedInDebug),
        .target(name: "Flows", dependencies: ["TensorCore", "Autodiff", "NeuralLayers"],
                swiftSettings: optimisedInDebug),
        .target(name: "GAN", dependencies: ["TensorCore", "Autodiff", "NeuralLayers"],
                swiftSettings: optimisedInDebug),
        .target(name: "Training", dependencies: ["TensorCore", "Autodiff", "NeuralLayers", "Datasets", "Flows", "GAN", "Reporting"],
                swiftSettings: optimisedInDebug),
        // Models and training states in files (safetensors), for every module below it.
        .target(name: "Checkpoints", dependencies: ["TensorCore", "CZlib", "NeuralLayers", "Flows", "Training"],
                swiftSettings: optimisedInDebug),
        .target(name: "Evaluation", dependencies: ["TensorCore", "Autodiff", "NeuralLayers", "Datasets", "Flows", "Checkpoints", "Reporting"],
                swiftSettings: optimisedInDebug),

        // Beside the layers: each over TensorCore (and C libraries) only.
        .target(name: "Datasets", dependencies: ["TensorCore", "CZlib"],
                swiftSettings: optimisedInDebug),
        .target(name: "Figures", dependencies: ["TensorCore", "CPNG"],
                swiftSettings: optimisedInDebug),

        .target(name: "Reporting", swiftSettings: optimisedInDebug),

        // What every chapter shares, on top: its settings declared once (the command line,
        // --help, errors and run names derive from them), where a run writes, the data.
        .target(name: "Course", dependencies: ["TensorCore", "Datasets", "Figures", "Reporting"],
                swiftSettings: optimisedInDebug),

        // Benchmarks (run with -c release).
        .executableTarget(name: "FlowGANBench",
                          dependencies: ["CBLAS", "BLASKernels", "TensorCore", "Autodiff", "NeuralLayers", "Flows", "GAN", "Training", "Evaluation",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Benchmarks/flowgan-bench",
                          swiftSettings: optimisedInDebug),

        // The chapters, one executable each.
        chapter("Chapter01", path: "Chapters/01-change-of-variables", uses: ["TensorCore", "Autodiff", "Flows", "Figures", "Course"]),
        chapter("Chapter02", path: "Chapters/02-coupling-layers", uses: ["TensorCore", "Autodiff", "NeuralLayers", "Datasets", "Flows", "Figures", "Course"]),
        chapter("Chapter03", path: "Chapters/03-realnvp", uses: ["TensorCore", "Autodiff", "Datasets", "Flows", "Training", "Checkpoints", "Evaluation", "Figures", "Course"]),
        chapter("Chapter04", path: "Chapters/04-wgan-critic", uses: ["TensorCore", "Autodiff", "Datasets", "Flows", "GAN", "Training", "Checkpoints", "Evaluation", "Figures", "Course"]),
        chapter("Chapter05", path: "Chapters/05-hybrid", uses: ["TensorCore", "Autodiff", "NeuralLayers", "Datasets", "Flows", "GAN", "Training", "Checkpoints", "Evaluation", "Figures", "Course"]),
        chapter("Chapter06", path: "Chapters/06-evaluation", uses: ["TensorCore", "Autodiff", "Datasets", "Flows", "GAN", "Training", "Checkpoints", "Evaluation", "Figures", "Course"]),

        // flowgan, the tool that pokes at the saved models: its subcommands in a library the
        // tests import, under a thin executable.
        .target(name: "FlowGANTool",
                dependencies: ["TensorCore", "Autodiff", "Datasets", "Flows", "Checkpoints", "Evaluation", "Figures", "Course",
                               .product(name: "ArgumentParser", package: "swift-argument-parser")],
                path: "Tools/FlowGANTool", swiftSettings: optimisedInDebug),
        .executableTarget(name: "FlowGANCommand", dependencies: ["FlowGANTool"], path: "Tools/flowgan",
                          swiftSettings: optimisedInDebug),

        // Helpers shared by the test targets (an independent input source, finite differences, scratch folders).
        .target(name: "TestSupport", dependencies: ["TensorCore"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["BLASKernels", "TensorCore", "TestSupport"]),
        .testTarget(name: "AutodiffTests", dependencies: ["TestSupport", "TensorCore", "Autodiff"]),
        .testTarget(name: "NeuralLayersTests", dependencies: ["TestSupport", "TensorCore", "Autodiff", "NeuralLayers"]),
        .testTarget(name: "DatasetsTests", dependencies: ["TestSupport", "TensorCore", "Datasets"]),
        .testTarget(name: "FiguresTests", dependencies: ["TestSupport", "TensorCore", "Figures"]),
        .testTarget(name: "FlowsTests", dependencies: ["TestSupport", "TensorCore", "Autodiff", "NeuralLayers", "Flows"]),
        .testTarget(name: "GANTests", dependencies: ["TestSupport", "TensorCore", "Autodiff", "NeuralLayers", "Datasets", "Flows", "GAN", "Checkpoints", "Training"]),
        .testTarget(name: "EvaluationTests", dependencies: ["TestSupport", "TensorCore", "Autodiff", "NeuralLayers", "Datasets", "Flows", "Checkpoints", "Evaluation"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["TestSupport", "TensorCore", "Checkpoints"]),
        .testTarget(name: "TrainingTests", dependencies: ["TestSupport", "TensorCore", "Autodiff", "NeuralLayers", "Flows", "Checkpoints", "Training"]),
        .testTarget(name: "ChapterTests", dependencies: ["TestSupport", "TensorCore", "Autodiff", "NeuralLayers", "Flows", "Checkpoints", "Training", "Datasets"]),
        .testTarget(name: "CourseTests", dependencies: ["TestSupport", "TensorCore", "Course"]),
        .testTarget(name: "BookTests", dependencies: []),
        .testTarget(name: "FlowGANToolTests", dependencies: ["TestSupport", "TensorCore", "Autodiff", "Datasets", "Flows", "Training",
                                                             "Checkpoints", "Evaluation", "Figures", "FlowGANTool"]),
    ],
    swiftLanguageModes: [.v5]
)
