import ArgumentParser
import Foundation
import Checkpoints

/// `flowgan models`: what the checkpoint folder holds.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Lists the models in the checkpoint folder.",
        discussion: """
        Reads the metadata of every .safetensors file in the checkpoint folder and the folders \
        inside it (side runs save into Checkpoints/<chapter>-<settings>/) and lists the models: \
        the name to pass as --model, the chapter and objective that trained them, the \
        architecture and its sizes, the seed, the iterations, and the test NLL when the file \
        records one. Training states and classifier caches are listed apart; they are not models.

        Example: flowgan models --checkpoint-dir /tmp/fg-ck
        """)

    @OptionGroup var folders: ModelFolders

    func run() throws {
        let catalog = try folders.catalog()
        let models = catalog.models
        guard !models.isEmpty else {
            print(catalog.noModelsMessage)
            return
        }
        print("\(models.count) model\(models.count == 1 ? "" : "s") in \(catalog.folder):")
        for (entry, metadata) in models { print("  " + Self.describe(entry, metadata)) }
        let others = catalog.entries.compactMap { entry -> String? in
            switch entry.kind {
            case .model: return nil
            case .trainingState: return "\(entry.name) (training state for --resume)"
            case .classifier(let kind): return "\(entry.name) (chapter 06's classifier, \(kind))"
            case .other(let reason): return "\(entry.name) (unreadable as a model: \(reason))"
            }
        }
        if !others.isEmpty { print("not models: " + others.joined(separator: "; ")) }
    }

    /// "ch05-hybrid: chapter 05, hybrid objective (lambda 0.1); NICE ...; seed 0; 3 iterations (--quick); test NLL not recorded".
    static func describe(_ entry: CatalogEntry, _ metadata: ModelMetadata) -> String {
        var parts: [String] = []
        let chapter = metadata.chapter.map { "chapter \($0)" } ?? "chapter unrecorded"
        let objective = metadata.objective.map { $0 == "hybrid" ? "hybrid objective (lambda \(metadata.lambda.map { "\($0)" } ?? "?"))" : "\($0) objective" }
        parts.append([chapter, objective].compactMap { $0 }.joined(separator: ", "))
        parts.append("\(metadata.architecture)" + (metadata.architecture == .nice ? " (coupling networks 1000 wide, 6 hidden layers)" : ""))
        parts.append(metadata.dataset.map { "trained on \($0)" } ?? "data set unrecorded")
        parts.append(metadata.seed.map { "seed \($0)" } ?? "seed unrecorded")
        parts.append((metadata.iterations.map { "\($0) iterations" } ?? "iterations unrecorded")
                     + (metadata.quick == true ? " (a --quick run)" : ""))
        let testNLL = (try? checkpointMetadata(entry.path))?["test_nll"].flatMap(Double.init)
        parts.append(testNLL.map { String(format: "test NLL %.1f nats", $0) } ?? "test NLL not in its metadata")
        return "\(entry.name): " + parts.joined(separator: "; ")
    }
}
