import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine reprocess [--dry-run]`: a `reprocess` job over the stored items (of some sources or
/// collections) that makes exactly the outputs — renditions, processor results, peaks files —
/// whose key (input SHA-256, settings hash, tool versions) is missing or changed, and removes
/// the ones no longer configured. `--dry-run` prints that plan and touches nothing. Run in the
/// foreground when no runner holds the data directory; otherwise queued for that runner.
struct ReprocessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprocess",
        abstract: "Make the renditions and processor results whose settings, tools or input changed; remove those no longer configured.")

    @Option(name: .customLong("collection"), help: "Only items of this collection (locator or title). Repeatable.")
    var collections: [String] = []
    @Option(name: .customLong("source"), help: "Only items of this source. Repeatable.") var sources: [String] = []
    @Option(help: "A graph file: the renditions and processors the items should have (default: the built-in graph's).")
    var graph = "default"
    @Flag(help: "Print what would be made, replaced and removed, and why; change nothing.") var dryRun = false
    @Option(help: "Seconds in-flight items get after SIGTERM.") var grace: Double = 10
    @Flag(help: "Print JSON (the plan with --dry-run, else the summary).") var json = false
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        let settings = data.settings()
        let directory = settings.directory
        var options = JobOptions(graph: graph)
        try options.loadGraph(command: "reprocess")
        try options.apply(settings, command: "reprocess")
        let file = try options.graphFile()
        guard settings.storeLocation.exists else {
            Output.error("reprocess", "nothing to reprocess: there is no store at \(directory.root.path)")
            throw EngineExit.usage
        }
        let store = try await settings.storeLocation.open()
        if dryRun {
            try await plan(store: store, file: file, options: options, library: LocalLibrary(root: directory.library))
            return
        }
        let job = try await store.createJob(
            JobSpec(
                type: .reprocess, inputs: [CatalogCollector.input], scope: JobScope(sources: sources, collections: collections),
                options: options.encoded, stages: JobAssembly.stageNames(.reprocess)))
        try await ForegroundRun(grace: grace, json: json).runOrQueue(job, settings: settings, command: "reprocess")
    }

    private func plan(store: any EngineStore, file: GraphFile, options: JobOptions, library: LocalLibrary) async throws {
        let planner = ReprocessPlanner(
            renditions: options.noRenditions ? nil : file.renditions, processors: options.noProcessors == true ? nil : file.processors, store: store,
            library: library)
        var changes: [ReprocessChange] = []
        for item in try await store.catalogItems(stored: true, on: LocalLibrary.backendName, sources: sources, collections: collections) {
            guard let id = item.catalogID, let entry = try await store.libraryItem(key: "\(id)") else { continue }
            changes += try await planner.changes(entry)
        }
        if json {
            Output.line(JSONValue.array(changes.map(\.json)).serialized())
            return
        }
        for change in changes {
            Output.line("\(change.action.rawValue) \(change.output) of \(change.item) (\(change.reasons.joined(separator: ", ")))")
        }
        let count = { (action: ReprocessChange.Action) in changes.filter { $0.action == action }.count }
        Output.line("\(count(.make)) to make, \(count(.replace)) to replace, \(count(.remove)) to remove; nothing was changed (--dry-run)")
    }
}
