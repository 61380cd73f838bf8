import Foundation
import Testing

/// Each module knows one thing, and the dependencies point down. The engine's layers,
/// bottom to top, are TensorCore, Autodiff, NeuralLayers, Flows and GAN, Training,
/// Checkpoints (models and training states in files, so it sees all of them), Evaluation:
/// a module imports modules of lower layers only. Datasets, Figures and Reporting stand
/// beside the layers: they import TensorCore only, and any layer above TensorCore may
/// import them. Course, the chapters' shared options, sits on
/// top. The test reads the `import` lines of Sources/*/*.swift.
@Suite("Module layering: every import points down")
struct ModuleLayeringTests {
    /// The layers, bottom to top; modules in one layer do not import each other.
    static let layers: [[String]] = [["TensorCore"], ["Autodiff"], ["NeuralLayers"], ["Flows", "GAN"], ["Training"], ["Checkpoints"],
                                     ["Evaluation"]]
    /// Beside the layers: may import TensorCore only.
    static let beside: Set<String> = ["Datasets", "Figures", "Reporting"]
    /// On top: may import any module of the project.
    static let top: Set<String> = ["Course"]
    /// Not the project's: the system's and Swift's modules, the C libraries, packages.
    static let external: Set<String> = ["Foundation", "Dispatch", "Glibc", "Darwin", "_Builtin_intrinsics",
                                        "CBLAS", "CLAPACKE", "CPNG", "CZlib", "BLASKernels", "ArgumentParser"]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func layer(of module: String) -> Int? { layers.firstIndex { $0.contains(module) } }

    /// The project's modules that `module` may import.
    static func allowed(for module: String) -> Set<String>? {
        if let k = layer(of: module) {
            return Set(layers[..<k].joined()).union(k > 0 ? beside : [])
        }
        if beside.contains(module) { return ["TensorCore"] }
        if top.contains(module) { return Set(layers.joined()).union(beside) }
        return nil
    }

    /// The imports of `module` that break the layering (an unknown importer breaks it whole).
    static func violations(_ module: String, imports: Set<String>) -> [String] {
        guard let allowed = allowed(for: module) else { return ["\(module) is in no layer of ModuleLayeringTests"] }
        return imports.subtracting(external).subtracting(allowed).sorted().map { "\(module) imports \($0)" }
    }

    /// The modules a Swift file imports (`import X`, `@_exported import X`, `import struct X.Y`, ...).
    static func imports(in text: String) -> Set<String> {
        let regex = try! NSRegularExpression(
            pattern: #"^[ \t]*(?:@\w+[ \t]+)*import[ \t]+(?:(?:typealias|struct|class|enum|protocol|let|var|func)[ \t]+)?(\w+)"#,
            options: [.anchorsMatchLines])
        let ns = text as NSString
        return Set(regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) })
    }

    @Test("the rules catch an upward import")
    func rulesCatchViolations() {
        #expect(!Self.violations("Datasets", imports: ["Autodiff"]).isEmpty)
        #expect(!Self.violations("Flows", imports: ["GAN"]).isEmpty)
        #expect(!Self.violations("Training", imports: ["Evaluation"]).isEmpty)
        #expect(!Self.violations("Training", imports: ["Checkpoints"]).isEmpty)
        #expect(!Self.violations("NeuralLayers", imports: ["Checkpoints"]).isEmpty)
        #expect(!Self.violations("Figures", imports: ["Flows"]).isEmpty)
        #expect(Self.violations("Checkpoints", imports: ["Flows", "Training", "NeuralLayers", "Foundation"]).isEmpty)
        #expect(Self.violations("Training", imports: ["Flows", "GAN", "Datasets", "Foundation"]).isEmpty)
        #expect(Self.imports(in: "import A\n@_exported import B\n  import struct C.D\n// import E\n") == ["A", "B", "C"])
    }

    @Test("no module in Sources imports one above it")
    func sourcesFollowTheLayering() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources.path).sorted()
        var checked = 0
        for module in modules {
            let folder = sources.appendingPathComponent(module)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            var imported: Set<String> = []
            for file in files where file.hasSuffix(".swift") {
                imported.formUnion(Self.imports(in: try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)))
            }
            guard files.contains(where: { $0.hasSuffix(".swift") }) else { continue }   // C and system modules
            checked += 1
            for violation in Self.violations(module, imports: imported) { Issue.record("\(violation)") }
        }
        #expect(checked >= 12, "checked only \(checked) Swift modules")
    }
}
