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

    @Option(help: "The graph to run (only the built-in 'default' for now).")
    var graph = "default"

    @Option(name: .customLong("input"), help: "A playlist (M3U, PLS, XSPF, plain list), folder, media file or URL. Repeatable.")
    var inputs: [String] = []

    @OptionGroup var data: DataDirOptions

    @Option(help: "Concurrent downloads (the network lane).")
    var workers = 8

    @Option(help: "Stop collecting after this many items.")
    var limit: Int?

    @Option(help: "Seconds a download may move no data before it fails.")
    var stallTimeout: Double = 30

    @Option(help: "Seconds allowed to connect.")
    var connectTimeout: Double = 15

    @Flag(help: "Make no renditions (store originals only).")
    var noRenditions = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        guard graph == "default" else {
            throw ValidationError("unknown graph '\(graph)': only the built-in 'default' graph exists so far")
        }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
        guard stallTimeout > 0, connectTimeout > 0 else { throw ValidationError("timeouts must be positive") }
    }

    func run() async throws {
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
            renditions: noRenditions ? .none : .standard)
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
