import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine upload --backend NAME`: an `upload_only` job — the stored files (originals and
/// renditions) the backend lacks go up. Run in the foreground when no runner holds the data
/// directory; otherwise queued for that runner.
struct UploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload", abstract: "Upload the stored files a backend lacks (an upload_only job).")

    @Option(help: "The storage backend.") var backend: String
    @Option(name: .customLong("collection"), help: "Only items of this collection (locator or title). Repeatable.")
    var collections: [String] = []
    @Option(name: .customLong("source"), help: "Only items of this source. Repeatable.") var sources: [String] = []
    @Option(help: "At most this many items.") var limit: Int?
    @Option(help: "Items uploading at once, and the parts of one file (default 4).") var workers: Int?
    @Option(help: "Bytes/s shared by all uploads (2M, 500k, …; default: the limit_rate setting).") var limitRate: String?
    @Option(help: "Seconds in-flight uploads get after SIGTERM.") var grace: Double = 10
    @Flag(help: "Print the summary as JSON.") var json = false
    @OptionGroup var data: DataDirOptions

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
        if let limitRate, ByteSize.parse(limitRate) == nil { throw ValidationError("--limit-rate: '\(limitRate)' is not a size (2M, 500k, …)") }
    }

    func run() async throws {
        let settings = data.settings(limitRate.map { ["limit_rate": $0] } ?? [:])
        let store = try await BackendCommand.store(data, command: "upload")
        try await BackendAccess.check(backend, store: store, command: "upload")
        var options = JobOptions()
        options.backend = backend
        options.uploadWorkers = workers
        options.limitRate = settings["limit_rate"].flatMap(ByteSize.parse)
        options.multipartThreshold = settings["s3_multipart_threshold"].flatMap(ByteSize.parse)
        options.partSize = settings["s3_part_size"].flatMap(ByteSize.parse)
        let job = try await store.createJob(
            JobSpec(
                type: .uploadOnly, inputs: [CatalogCollector.input], scope: JobScope(sources: sources, collections: collections, limit: limit),
                options: options.encoded, stages: JobAssembly.stageNames(.uploadOnly)))
        try await ForegroundRun(grace: grace, json: json).runOrQueue(job, settings: settings, command: "upload")
    }
}
