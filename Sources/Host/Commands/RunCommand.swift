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

    @Option(help: "The graph: 'default' (built in; `engine graph` prints it), a bundled graph (`engine graph --list`) or a graph file (YAML).")
    var graph = "default"

    @Option(name: .customLong("input"), help: "A playlist (M3U, PLS, XSPF, plain list), folder, media file or URL. Repeatable.")
    var inputOptions: [String] = []

    @Argument(help: "Inputs, as with --input (`engine run list.m3u dir/ *.mp3`).")
    var inputArguments: [String] = []

    /// Every input, `--input`s first.
    var inputs: [String] { inputOptions + inputArguments }

    @OptionGroup var data: DataDirOptions

    @Option(help: "Concurrent downloads (the network lane; default from the graph: 8).")
    var workers: Int?

    @Option(help: "Take at most this many new items (those the library does not hold yet), as yt-dlp's --max-downloads.")
    var limit: Int?

    @OptionGroup var transfer: TransferOptions

    @Flag(help: "Make no renditions (store originals only).")
    var noRenditions = false

    @Flag(help: "Run no processors (loudness, peaks, fingerprint; scenes) on the stored originals.")
    var noProcessors = false

    @Option(help: "Seconds in-flight items get to finish after SIGTERM before going back to the queue.")
    var grace: Double = 10

    @Flag(help: "Continue the newest unfinished job instead of starting one (its inputs and options as it started).")
    var resume = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "List what would be downloaded and made, touching nothing (no data dir, database or file is written).")
    var dryRun = false

    /// The settings this command's own flags give, by key.
    var settingFlags: [String: String] {
        var flags = transfer.flags
        if let workers { flags["download_workers"] = String(workers) }
        if noRenditions { flags["renditions"] = "false" }
        if noProcessors { flags["run_processors"] = "false" }
        return flags
    }

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
        if !(grace >= 0 && grace <= 3600) { throw ValidationError("--grace must be from 0 to 3600 seconds") }
        if resume, !inputs.isEmpty { throw ValidationError("--resume continues a job with its own inputs: give no --input") }
        if resume, dryRun { throw ValidationError("--dry-run plans a new run: it cannot be combined with --resume") }
    }

    func run() async throws {
        let settings = data.settings(settingFlags)
        var options = JobOptions(graph: graph)
        try options.loadGraph(command: "run")
        try options.apply(settings, command: "run")
        if dryRun {
            try await planDryRun(options)
            return
        }
        let directory = settings.directory
        let host: RunnerHost
        do {
            host = try await RunnerHost.start(settings)
        } catch {
            Output.error("run", "\(error)")
            throw EngineExit.cannotRun
        }
        do {
            try await runJob(host: host, options: options, directory: directory)
        } catch {
            await host.stop()
            throw error
        }
        await host.stop()
    }

    private func runJob(host: RunnerHost, options: JobOptions, directory: DataDirectory) async throws {
        let store = host.store

        var job: JobRecord
        if resume {
            guard let unfinished = try await store.newestUnfinishedJob() else {
                Output.error("run", "no unfinished job to resume in \(directory.root.path)")
                throw EngineExit.usage
            }
            job = unfinished
            if job.status == .running || job.status == .pauseRequested {
                job = try await store.transitionJob(job.id, to: .paused, runner: nil, error: nil)
            }
        } else {
            if let backend = try options.graphFile().uploadBackend { try await BackendAccess.check(backend, store: store, command: "run") }
            var inputs = self.inputs
            do {
                if inputs.isEmpty { inputs = try options.graphFile().inputs }
                if inputs.isEmpty {
                    let demo = try DemoCatalog.locate()
                    Output.note("no input given: ingesting the bundled demo catalog (\(demo))")
                    inputs = [demo]
                }
            } catch {
                Output.error("run", "\(error)")
                throw EngineExit.cannotRun
            }
            job = try await store.createJob(
                JobSpec(
                    type: .ingest, inputs: inputs, scope: JobScope(limit: limit), options: options.encoded,
                    stages: JobAssembly.stageNames(.ingest, graph: try options.graphFile(), libraryBackend: options.libraryBackend)))
        }
        Output.note("job \(job.id)" + (resume ? " resumed" : ""))
        try await ForegroundRun(grace: grace, json: json).run(job, host: host, directory: directory)
    }
}

/// The run the Ctrl-C handler steers. @unchecked Sendable: every field is behind `lock`.
final class CurrentRun: @unchecked Sendable {
    private let lock = NSLock()
    private var _run: JobRun?
    private var _paused = false, _canceled = false, _terminated = false

    var run: JobRun? {
        get { lock.withLock { _run } }
        set { lock.withLock { _run = newValue } }
    }
    var pausedHere: Bool {
        get { lock.withLock { _paused } }
        set { lock.withLock { _paused = newValue } }
    }
    var canceledHere: Bool {
        get { lock.withLock { _canceled } }
        set { lock.withLock { _canceled = newValue } }
    }
    var terminated: Bool {
        get { lock.withLock { _terminated } }
        set { lock.withLock { _terminated = newValue } }
    }
}
