import Engine
import Foundation
import Stages

/// The options a job runs with, kept with the job as a JSON snapshot so that a resumed job (or
/// a worker that picks it up) runs as it was submitted: the graph file's text, not its path.
struct JobOptions: Codable {
    var graph = "default"
    var graphText: String?
    var workers: Int?
    var stallTimeout: Double?
    var connectTimeout: Double?
    var noRenditions = false
    /// Optional: options saved before it existed must still decode.
    var noProcessors: Bool?
    var attempts: Int?
    var retryDelay: Double?
    var limitRate: Int64?
    var maxSize: Int64?
    /// upload_only, download_upload: the backend files go to, and items uploading at once.
    var backend: String?
    var uploadWorkers: Int?
    /// Web catalogs for `catalog:NAME` inputs: the config file's and the graph file's (which
    /// wins on a name both define), as they were when the job was submitted.
    var sources: [CatalogSource]?
    /// The ranking resolver's plan: the graph file's, else the config file's (nil: none).
    var resolve: ResolvePlan?
    /// The S3 backend that is the library (`library_backend`; nil: the local library folder).
    var libraryBackend: String?
    /// S3 uploads: files above the threshold go in parts of this size (nil: 16 MiB each).
    var multipartThreshold: Int64?
    var partSize: Int64?

    /// How the job's uploads go up.
    func uploader(partConcurrency: Int = 4) -> S3Uploader {
        S3Uploader(threshold: multipartThreshold ?? 16 << 20, partSize: partSize ?? 16 << 20, partConcurrency: partConcurrency)
    }

    var encoded: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self) }

    static func decode(_ text: String) -> JobOptions {
        (try? JSONDecoder().decode(JobOptions.self, from: Data(text.utf8))) ?? JobOptions()
    }

    /// Reads and checks the graph file these options name, keeping its text; a missing or
    /// invalid file is a one-line error for `command` (exit 2).
    mutating func loadGraph(command: String) throws {
        do {
            if graph != "default" {
                let path = FileManager.default.fileExists(atPath: graph) ? graph : Bundled.graph(graph)
                guard let path else {
                    Output.error(command, "unknown graph '\(graph)': give 'default', a bundled graph (`engine graph --list`) or a graph file")
                    throw EngineExit.usage
                }
                graphText = try String(contentsOfFile: path, encoding: .utf8)
            }
            _ = try graphFile()
        } catch let error as GraphFileError {
            Output.error(command, error.description)
            throw EngineExit.usage
        } catch {
            Output.error(command, "\(graph): \(error.localizedDescription)")
            throw EngineExit.usage
        }
    }

    /// The job's download settings and renditions switch from `settings`, layered around the
    /// graph file: a flag or `ENGINE_*` outranks the file's `download:` value, the config file
    /// is outranked by it (the built-in default graph sets nothing of its own: its values are
    /// the defaults). Call after `loadGraph`.
    mutating func apply(_ settings: Settings, command: String) throws {
        let loaded = try graphFile()
        let file = graph == "default" ? nil : loaded
        func layered<T>(_ key: String, _ graphValue: T?, _ parse: (String) -> T?) -> T? {
            settings.aboveGraph(key).flatMap(parse) ?? graphValue ?? settings.belowGraph(key).flatMap(parse)
        }
        workers = layered("download_workers", file?.downloadWorkers) { Int($0) }
        stallTimeout = layered("stall_timeout", file?.stallTimeout) { Double($0) }
        connectTimeout = layered("connect_timeout", file?.connectTimeout) { Double($0) }
        attempts = layered("attempts", file?.attempts) { Int($0) }
        retryDelay = layered("retry_delay", file?.retryDelay) { Double($0) }
        limitRate = layered("limit_rate", file?.limitRate) { ByteSize.parse($0) }
        maxSize = layered("max_size", file?.maxSize) { ByteSize.parse($0) }
        noRenditions = settings["renditions"] == "false"
        noProcessors = settings["run_processors"] == "false" ? true : nil
        let ownNames = Set(loaded.sources.map(\.name))
        sources = settings.sources.filter { !ownNames.contains($0.name) } + loaded.sources
        resolve = loaded.resolve ?? settings.resolve
        libraryBackend = loaded.keepsOriginals ? settings["library_backend"] : nil
        multipartThreshold = settings["s3_multipart_threshold"].flatMap(ByteSize.parse)
        partSize = settings["s3_part_size"].flatMap(ByteSize.parse)
        if let library = libraryBackend, let upload = loaded.uploadBackend {
            Output.error(command, "the library is backend '\(library)': graph '\(loaded.name)' also uploads to '\(upload)', which it cannot read from there yet")
            throw EngineExit.usage
        }
        if noRenditions, let backend = loaded.renditionsBackend {
            Output.error(command, "renditions are off: graph '\(loaded.name)' keeps nothing but renditions (on backend '\(backend)')")
            throw EngineExit.usage
        }
    }

    /// The graph file these options name (its saved text when there is one).
    func graphFile() throws(GraphFileError) -> GraphFile {
        if let graphText { return try GraphFile.parse(graphText, file: graph) }
        return try GraphFile.load(graph)
    }
}

/// Puts together what runs a job of any type: its stages, collector and lanes.
enum JobAssembly {
    /// What is wrong with a job of `type` given these inputs (nil: nothing). `flags`: name the
    /// CLI's flags (`--input`), else the fields (the console's form).
    static func problem(_ type: JobType, inputs: [String], backend: String?, flags: Bool) -> String? {
        let input = flags ? "--input" : "inputs", scope = flags ? "--source/--collection" : "sources or collections"
        switch type {
        case .ingest, .collectOnly:
            if inputs.isEmpty { return "give at least one \(flags ? "--input" : "input")" }
        case .downloadOnly, .reprocess, .uploadOnly, .downloadUpload:
            if !inputs.isEmpty { return "\(type.rawValue) takes its items from the catalog: give \(scope), not \(input)" }
            if [.uploadOnly, .downloadUpload].contains(type), backend == nil { return "\(type.rawValue) needs \(flags ? "--backend NAME" : "a backend")" }
        }
        return nil
    }

    /// The processors a job of `type` runs: the graph's, where the job has a process stage
    /// (the catalog stage asks for their results) and they are not turned off.
    static func processors(_ type: JobType, options: JobOptions, graph: GraphFile) -> ProcessorPlan {
        options.noProcessors == true || !stageNames(type, graph: graph).contains("process") ? .none : graph.processors
    }

    /// The stages a job of `type` runs; an ingest's as its graph file lists them.
    /// With an S3 library (`libraryBackend`), an ingest's renditions go up to it in an upload stage.
    static func stageNames(_ type: JobType, graph: GraphFile = .builtInDefault, libraryBackend: String? = nil) -> [String] {
        switch type {
        case .ingest:
            ["catalog", "resolve"]
                + graph.stages.flatMap { stage -> [String] in
                    switch stage {
                    case .collect: []
                    case .probe: graph.keepsOriginals ? ["probe"] : ["probe", "record"]
                    default: [stage.rawValue]
                    }
                }
                + (libraryBackend != nil && graph.keepsOriginals && graph.uploadBackend == nil ? ["upload"] : [])
        case .collectOnly: ["catalog"]
        case .downloadOnly: ["catalog", "resolve", "download", "probe", "store"]
        case .reprocess: ["catalog", "probe", "process", "transcode"]
        case .uploadOnly: ["upload"]
        case .downloadUpload: ["catalog", "resolve", "download", "probe", "store", "upload"]
        }
    }

    /// The renditions a job with these options makes.
    static func renditions(_ options: JobOptions, file: GraphFile) -> RenditionPlan {
        options.noRenditions ? .none : file.renditions
    }

    /// The job's rendition failures: those it recorded, and those recorded earlier that kept it
    /// from trying a rendition it would make (same profile, same settings).
    static func renditionFailures(
        _ job: JobRecord, store: any EngineStore
    ) async throws -> (now: [JobRenditionFailure], earlier: [JobRenditionFailure]) {
        let all = try await store.renditionFailures(jobID: job.id)
        let options = JobOptions.decode(job.options)
        let plan = (try? options.graphFile()).map { renditions(options, file: $0) } ?? .none
        let planned = Set((plan.audio + plan.video).map { "\($0.name) \($0.settingsFingerprint)" })
        return (
            all.filter { $0.failure.jobID == job.id },
            all.filter { $0.failure.jobID != job.id && planned.contains("\($0.failure.profile) \($0.failure.settings)") }
        )
    }

    static func makeRun(
        _ job: JobRecord, store: any EngineStore, directory: DataDirectory, runner: String, shared: Bool
    ) async throws -> JobRun {
        let options = JobOptions.decode(job.options)
        let file = try options.graphFile()
        let workers = options.workers ?? file.downloadWorkers ?? 8
        let stall = options.stallTimeout ?? file.stallTimeout ?? 30
        let connect = options.connectTimeout ?? file.connectTimeout ?? 15
        let download = DownloadOptions(
            connectTimeout: .milliseconds(Int(connect * 1000)), stallTimeout: .milliseconds(Int(stall * 1000)),
            maxSize: options.maxSize ?? file.maxSize ?? 4 << 30, limitRate: options.limitRate ?? file.limitRate)
        var settings = JobRunSettings()
        settings.shared = shared
        if shared {
            // Runners elsewhere claim from the same job: claim about what this one can start
            // soon, hold little more than its downloads in flight, and buffer little between
            // stages, so items are not held idle here while another worker has nothing to do.
            settings.claimBatch = max(1, workers / 2)
            settings.maxHeld = workers + settings.claimBatch
            settings.channelCapacity = 2
        }
        // The process's downloads are this job's: jobs that download run one at a time (the
        // download lane); the others report none.
        if [.ingest, .downloadOnly, .downloadUpload].contains(job.type) {
            settings.transfers = {
                TransferRegistry.shared.snapshot().transfers.compactMap { transfer in
                    let now = transfer.current
                    return transfer.lease.map { TransferSample(lease: $0, title: transfer.title, bytes: now.bytes, expected: now.expected) }
                }
            }
            settings.receivedBytes = { TransferRegistry.shared.snapshot().receivedBytes }
        }
        settings.retry = RetryPolicy(
            attempts: options.attempts ?? file.attempts ?? 5,
            baseDelay: .milliseconds(Int((options.retryDelay ?? file.retryDelay ?? 1) * 1000)))
        var graphOptions = DefaultGraph.Options(
            inputs: [], downloadWorkers: workers, download: download,
            renditions: [.uploadOnly, .downloadUpload].contains(job.type) ? .none : renditions(options, file: file))
        graphOptions.processors = processors(job.type, options: options, graph: file)
        graphOptions.objectStores = BackendAccess.clients(store: store)
        if job.type == .ingest { graphOptions.renditionsBackend = file.renditionsBackend }
        graphOptions.resolve = options.resolve ?? file.resolve
        if let name = options.libraryBackend, job.type != .ingest, job.type != .collectOnly {
            throw S3Error.invalidSetting(
                backend: name, reason: "it is the library (library_backend), which \(job.type.rawValue) jobs cannot use yet: they read the local library")
        }
        if let name = options.libraryBackend, job.type == .ingest {
            graphOptions.libraryClient = try await BackendAccess.client(
                named: name, store: store, bandwidth: options.limitRate.map { BandwidthLimit(bytesPerSecond: $0) })
            graphOptions.libraryUploader = options.uploader()
        }
        let library = LocalLibrary(root: directory.library)
        let downloader = Downloader(options: graphOptions.download)
        // The backend an upload job names, or the one an ingest's graph file uploads to.
        let uploadBackend = [.uploadOnly, .downloadUpload].contains(job.type) ? options.backend : job.type == .ingest ? file.uploadBackend : nil
        let stages: [any ItemStage<MediaItem>]
        switch job.type {
        case .ingest, .downloadOnly, .downloadUpload:
            let wanted = Set(stageNames(job.type, graph: file))
            // The renditions an S3 library's ingest makes go up to it.
            let renditionsTo = job.type == .ingest ? graphOptions.libraryClient?.name : nil
            var graph = DefaultGraph.stages(graphOptions, store: store, library: library, downloader: downloader).filter { wanted.contains($0.name) }
            if let backend = uploadBackend ?? renditionsTo {
                graph.append(
                    try await uploadStage(
                        to: backend, options, store: store, library: library,
                        fromLibrary: graphOptions.renditionsBackend == nil && renditionsTo == nil))
            }
            stages = graph
        case .uploadOnly:
            stages = [try await uploadStage(to: uploadBackend, options, store: store, library: library)]
        case .collectOnly:
            stages = [CatalogStage(store: store, library: library)]
        case .reprocess:
            // Processors or renditions turned off (`--no-processors`, `--no-renditions`) are left
            // as they are; what the graph file no longer lists is taken out.
            stages =
                [CatalogStage(store: store, library: library, renditions: graphOptions.renditions, reprocess: true), ProbeStage(store: store, storedOriginals: library)]
                + (options.noProcessors == true ? [] : [ProcessorStage(plan: graphOptions.processors, store: store, library: library, reprocess: true)])
                + (options.noRenditions ? [] : [TranscodeStage(plan: graphOptions.renditions, store: store, library: library, remake: true)])
        }
        let collector: any JobCollector =
            switch job.type {
            case .downloadOnly, .reprocess, .uploadOnly, .downloadUpload:
                CatalogCollector(
                    store: store, scope: job.scope, backend: LocalLibrary.backendName, stored: [.reprocess, .uploadOnly].contains(job.type))
            case .ingest, .collectOnly:
                CollectorInputs(
                    Collector(
                        fetcher: PageFetcher(options: download, cache: directory.pageCache), objectStores: graphOptions.objectStores,
                        sources: options.sources ?? file.sources))
            }
        return JobRun(
            store: store, jobID: job.id, runner: runner, stages: stages, collector: collector,
            lanes: Lanes(LaneLimits(network: workers)), temporaryDirectory: directory.temporary, settings: settings)
    }

    /// The upload stage for the backend the job names (its credentials from the environment).
    static func uploadStage(
        to backend: String?, _ options: JobOptions, store: any EngineStore, library: LocalLibrary, fromLibrary: Bool = true
    ) async throws -> UploadStage {
        guard let backend else { throw S3Error.invalidSetting(backend: "", reason: "the job names no backend to upload to") }
        let client = try await BackendAccess.client(
            named: backend, store: store, bandwidth: options.limitRate.map { BandwidthLimit(bytesPerSecond: $0) })
        let workers = options.uploadWorkers ?? 4
        return UploadStage(
            store: store, client: client, library: library, uploader: options.uploader(partConcurrency: workers), concurrency: workers,
            fromLibrary: fromLibrary)
    }
}
