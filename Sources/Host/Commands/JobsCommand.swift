import ArgumentParser
import Engine
import Foundation

/// `engine jobs`: watch and steer jobs from any process; commands go through the store.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, show, submit, pause, resume, cancel and retry jobs (from any process).",
        subcommands: [
            JobsListCommand.self, JobsShowCommand.self, JobsSubmitCommand.self, JobsPauseCommand.self, JobsResumeCommand.self,
            JobsCancelCommand.self, JobsRetryCommand.self,
        ]
    )
}

/// The data directory's store, for commands that steer jobs without running them.
struct JobStoreAccess {
    let store: any EngineStore

    init(_ data: DataDirOptions, command: String) async throws {
        let settings = data.settings()
        let location = settings.storeLocation
        guard location.exists else {
            Output.error(command, "no jobs yet in \(settings.directory.root.path)")
            throw EngineExit.usage
        }
        do {
            store = try await location.open()
        } catch {
            Output.error(command, "\(error)")
            throw EngineExit.cannotRun
        }
    }

    func job(_ id: Int64, command: String) async throws -> JobRecord {
        guard let job = try await store.job(id) else {
            Output.error(command, "no job \(id)")
            throw EngineExit.usage
        }
        return job
    }

    /// Pause, resume or cancel through `JobSteering`: its outcome as a line, its refusal as an
    /// error (exit 2).
    func steer(_ command: String, _ action: (JobSteering) async throws -> JobSteering.Outcome, id: Int64, sent: String) async throws {
        do {
            switch try await action(JobSteering(store: store)) {
            case .sentToRunner: Output.line("job \(id): \(sent) sent to its runner")
            case .changed(let status): Output.line("job \(id) \(status == .queued ? "resumed (queued: a waiting `engine run`, `engine worker` or `engine run --resume` runs it)" : status.rawValue)")
            }
        } catch let error as JobSteeringError {
            Output.error(command, "\(error)")
            throw EngineExit.usage
        }
    }
}

struct JobsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The newest jobs, with their status and items.")

    @OptionGroup var data: DataDirOptions
    @Flag(help: "Print a JSON array.") var json = false
    @Option(help: "How many jobs.") var limit = 50

    func run() async throws {
        let access = try await JobStoreAccess(data, command: "jobs list")
        var rows: [JSONValue] = []
        for job in try await access.store.jobs(limit: limit) {
            let counters = try await access.store.counters(jobID: job.id)
            if json {
                rows.append(job.json(counters: counters))
            } else {
                let done = counters[.succeeded] + counters[.skipped]
                Output.line(
                    "\(job.id)\t\(job.type.rawValue)\t\(job.status.rawValue)\t\(done)/\(counters.total) done, "
                        + "\(counters[.failed]) failed\t\(ISO8601DateFormatter().string(from: job.createdAt))")
            }
        }
        if json { Output.line(JSONValue.array(rows).serialized()) }
    }
}

struct JobsSubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Queue a job for `engine worker` (or `engine run --resume`).")

    @Argument(help: "ingest | collect_only | download_only | reprocess") var type: String
    @Option(name: .customLong("input"), help: "A playlist, folder, media file or URL (ingest, collect_only). Repeatable.")
    var inputs: [String] = []
    @Option(name: .customLong("source"), help: "download_only, reprocess: only items of this source. Repeatable.")
    var sources: [String] = []
    @Option(
        name: .customLong("collection"), help: "download_only, reprocess: only items of this collection (locator or title). Repeatable.")
    var collections: [String] = []
    @Option(help: "A graph file: its renditions and download settings (the job keeps its text).") var graph = "default"
    @Option(help: "Stop collecting after this many new items (not yet in the library; reprocess: items).") var limit: Int?
    @Flag(help: "Make no renditions.") var noRenditions = false
    @Option(help: "upload_only, download_upload: the storage backend to upload to.") var backend: String?
    @OptionGroup var transfer: TransferOptions
    @OptionGroup var data: DataDirOptions
    @Flag(help: "Print the job as JSON.") var json = false

    func validate() throws {
        guard let type = JobType(rawValue: type) else {
            throw ValidationError("unknown job type '\(type)' (known: \(JobType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if let problem = JobAssembly.problem(type, inputs: inputs, backend: backend, flags: true) { throw ValidationError(problem) }
    }

    func run() async throws {
        let settings = data.settings(transfer.flags.merging(noRenditions ? ["renditions": "false"] : [:]) { $1 })
        let directory = settings.directory
        try directory.prepare()
        let store = try await settings.storeLocation.open()
        let type = JobType(rawValue: type)!
        var options = JobOptions(graph: graph)
        options.backend = backend
        try options.loadGraph(command: "jobs submit")
        try options.apply(settings, command: "jobs submit")
        let job = try await store.createJob(
            JobSpec(
                type: type, inputs: [.ingest, .collectOnly].contains(type) ? inputs : [CatalogCollector.input],
                scope: JobScope(sources: sources, collections: collections, limit: limit),
                options: options.encoded, stages: JobAssembly.stageNames(type, graph: try options.graphFile(), libraryBackend: options.libraryBackend)))
        Output.line(json ? job.json(counters: JobCounters()).serialized() : "job \(job.id) queued")
    }
}

struct JobsPauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause a job: in-flight items finish (or, --immediate, go back to the queue).")

    @Argument(help: "The job id.") var id: Int64
    @Flag(help: "Interrupt in-flight items instead of letting them finish.") var immediate = false
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        try await JobStoreAccess(data, command: "jobs pause").steer("jobs pause", { try await $0.pause(id, immediate: immediate) }, id: id, sent: "pause")
    }
}

struct JobsResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused job where it stopped.")

    @Argument(help: "The job id.") var id: Int64
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        try await JobStoreAccess(data, command: "jobs resume").steer("jobs resume", { try await $0.resume(id) }, id: id, sent: "resume")
    }
}

struct JobsCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a job: in-flight items stop, their temp files go, open items are canceled.")

    @Argument(help: "The job id.") var id: Int64
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        try await JobStoreAccess(data, command: "jobs cancel").steer("jobs cancel", { try await $0.cancel(id) }, id: id, sent: "cancel")
    }
}

struct JobsRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Requeue a job's failed items and failed renditions (or one item's; --force also succeeded ones).")

    @Argument(help: "The job id.") var id: Int64
    @Option(help: "Only this item (its key, as `jobs show` lists it).") var item: String?
    @Flag(help: "Requeue succeeded and skipped items too.") var force = false
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        let access = try await JobStoreAccess(data, command: "jobs retry")
        _ = try await access.job(id, command: "jobs retry")
        switch try await JobSteering(store: access.store).retry(id, keys: item.map { [$0] }, force: force) {
        case .sentToRunner: Output.line("job \(id): retry sent to its runner")
        case .requeued(let count, let queued): Output.line("job \(id): \(count) item(s) requeued" + (queued ? "; the job is queued again" : ""))
        }
    }
}
