import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine run --graph default`: collect, download, probe and store into the library.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a graph: collect inputs, download, probe and store them in the library.",
        discussion: "With no --input, ingests the bundled demo catalog (fixtures/demo)."
    )

    @Option(help: "The graph: 'default' (built in; `engine graph` prints it) or a graph file (YAML).")
    var graph = "default"

    @Option(name: .customLong("input"), help: "A playlist (M3U, PLS, XSPF, plain list), folder, media file or URL. Repeatable.")
    var inputs: [String] = []

    @OptionGroup var data: DataDirOptions

    @Option(help: "Concurrent downloads (the network lane; default from the graph: 8).")
    var workers: Int?

    @Option(help: "Stop collecting after this many items.")
    var limit: Int?

    @Option(help: "Seconds a download may move no data before it fails (default from the graph: 30).")
    var stallTimeout: Double?

    @Option(help: "Seconds allowed to connect (default from the graph: 15).")
    var connectTimeout: Double?

    @Flag(help: "Make no renditions (store originals only).")
    var noRenditions = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        if graph != "default", !graph.hasSuffix(".yaml"), !graph.hasSuffix(".yml"), !FileManager.default.fileExists(atPath: graph) {
            throw ValidationError("unknown graph '\(graph)': give 'default' or the path of a graph file (YAML)")
        }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
        for timeout in [stallTimeout, connectTimeout] {
            if let timeout, !(timeout > 0 && timeout <= 86_400) { throw ValidationError("timeouts must be from 0 to 86400 seconds") }
        }
    }

    func run() async throws {
        let file: GraphFile
        do {
            file = try GraphFile.load(graph)
        } catch {
            Output.error("run", error.description)
            throw EngineExit.usage
        }
        let workers = self.workers ?? file.downloadWorkers ?? 8
        let stallTimeout = self.stallTimeout ?? file.stallTimeout ?? 30
        let connectTimeout = self.connectTimeout ?? file.connectTimeout ?? 15
        let directory = data.directory
        let inputs: [String]
        let lock: RunnerLock
        let store: SQLiteJobStore
        do {
            inputs = self.inputs.isEmpty ? [try DemoCatalog.locate()] : self.inputs
            try directory.prepare()
            lock = try directory.lockRunner()
            store = try SQLiteJobStore(path: directory.database.path)
        } catch {
            Output.error("run", "\(error)")
            throw EngineExit.cannotRun
        }
        directory.removeStaleTemporaryFiles()

        let options = DefaultGraph.Options(
            inputs: inputs, limit: limit, downloadWorkers: workers,
            download: DownloadOptions(
                connectTimeout: .milliseconds(Int(connectTimeout * 1000)), stallTimeout: .milliseconds(Int(stallTimeout * 1000))),
            renditions: noRenditions ? .none : file.renditions)
        let library = LocalLibrary(root: directory.library)
        let graph = DefaultGraph.make(options, store: store, library: library, temporaryDirectory: directory.temporary)
        let observer = IngestObserver(store: store)
        let lanes = Lanes(LaneLimits(network: workers))

        let clock = ContinuousClock()
        let start = clock.now
        let progress = ProgressLine.startIfTerminal(observer: observer)
        let runTask = Task { try await graph.run(lanes: lanes, temporaryDirectory: directory.temporary, observer: observer) }
        let interrupt = Interrupt.onSIGINT { runTask.cancel() }
        var canceled = false
        do {
            try await runTask.value
        } catch {
            canceled = true
        }
        interrupt.cancel()
        await progress?.stop()
        withExtendedLifetime(lock) {}

        let summary = RunSummary(
            tally: observer.snapshot, wallTime: clock.now - start, dataDirectory: directory, canceled: canceled)
        Output.line(json ? summary.json.serialized() : summary.text)
        if !summary.tally.isClean || canceled { throw EngineExit.failures }
    }
}
