import ArgumentParser
import Console
import Engine
import Foundation
import Stages

/// `engine export COLLECTION... (--to DIR | --zip FILE)`: collections as folders (files in
/// collection order, hard-linked from the library where the volume allows, a playlist with
/// relative paths, cover art) or as one ZIP streamed as it is written. A collection that is not
/// ready is never exported partially: the job that completes it is queued (`ingest` when it was
/// never collected, `download_only` when items are missing) and waited for, or with `--no-wait`
/// left queued.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export collections as folders or a ZIP, with a playlist; queue the job that completes one that is not ready.")

    @Argument(help: "Collections by id or name (a playlist's or feed's title, or its locator), as `engine collections` lists them.")
    var collections: [String]
    @Option(help: "Write a folder per collection into this directory.") var to: String?
    @Option(help: "Write one ZIP file of all the collections.") var zip: String?
    @Option(name: .customLong("profile-rendition"), help: "Export the renditions of this profile instead of the originals.")
    var rendition: String?
    @Option(help: "The playlist written with the files: m3u8 or xspf.") var playlist = "m3u8"
    @Flag(help: "When a collection is not ready, print the queued job and return instead of waiting for it.") var noWait = false
    @Option(help: "Seconds in-flight items get after SIGTERM (while a queued job runs here).") var grace: Double = 10
    @Flag(help: "Print JSON: what was exported, or the queued jobs.") var json = false
    @OptionGroup var data: DataDirOptions

    func validate() throws {
        if collections.isEmpty { throw ValidationError("name at least one collection") }
        if (to == nil) == (zip == nil) { throw ValidationError("give either --to DIR or --zip FILE") }
        if ExportPlaylistFormat(rawValue: playlist) == nil { throw ValidationError("--playlist: m3u8 or xspf, not '\(playlist)'") }
    }

    func run() async throws {
        let settings = data.settings()
        guard settings.storeLocation.exists else {
            Output.error("export", "no collections: there is no catalog at \(settings.directory.root.path) yet")
            throw EngineExit.usage
        }
        let store = try await settings.storeLocation.open()
        var rows = try await CollectionLookup.find(collections, store: store, command: "export")
        let notReady = rows.filter { $0.status != .downloaded }
        if !notReady.isEmpty {
            let jobs = try await queueJobs(for: notReady, settings: settings, store: store)
            if noWait {
                if json {
                    Output.line(JSONValue.array(jobs.map { .object([("status", .string("queued")), ("job", .int($0.id)), ("type", .string($0.type.rawValue))]) }).serialized())
                } else {
                    for job in jobs { Output.line("queued job \(job.id) (\(job.type.rawValue)): export again when it has completed") }
                }
                return
            }
            for job in jobs { try await runOrFollow(job, settings: settings, store: store) }
            rows = try await CollectionLookup.refreshed(rows, store: store)
        }
        let options = ExportOptions(rendition: rendition, playlist: ExportPlaylistFormat(rawValue: playlist) ?? .m3u8)
        let exporter = LibraryExporter(store: store, library: LocalLibrary(root: settings.directory.library))
        do {
            let plans = try await exporter.plans(rows, options: options)
            if let zip {
                let path = URL(fileURLWithPath: zip).standardizedFileURL.path
                let partial = path + ".partial"
                let sink = try FileSink(path: partial)
                do {
                    try await exporter.zip(plans, to: sink)
                    try sink.sync()
                    guard rename(partial, path) == 0 else { throw ExportError.unwritable(path: path, reason: String(errno: errno)) }
                } catch {
                    unlink(partial)
                    throw error
                }
                report(plans, into: path, outcomes: nil)
            } else if let to {
                let directory = URL(fileURLWithPath: to).standardizedFileURL
                var outcomes: [ExportFolder.Outcome] = []
                for plan in plans { outcomes.append(try await ExportFolder.write(plan, into: directory)) }
                report(plans, into: directory.path, outcomes: outcomes)
            }
        } catch let error as ExportError {
            Output.error("export", error.description)
            throw EngineExit.failures
        }
    }

    private func report(_ plans: [ExportPlan], into target: String, outcomes: [ExportFolder.Outcome]?) {
        if json {
            Output.line(JSONValue.array(plans.enumerated().map { index, plan in
                var fields: [(key: String, value: JSONValue)] = [
                    ("collection", .int(plan.collection.id)), ("files", .int(plan.files.count)),
                    ("bytes", .int(plan.files.reduce(0) { $0 + $1.size })), ("playlist", .string(plan.playlistName)),
                    ("target", .string(target)),
                ]
                if outcomes == nil { fields.append(("folder", .string(plan.folder))) }
                if let outcome = outcomes?[index] {
                    switch outcome {
                    case .unchanged(let folder): fields += [("folder", .string(folder)), ("status", .string("unchanged"))]
                    case .written(let folder, let linked, let copied):
                        fields += [("folder", .string(folder)), ("status", .string("written")), ("linked", .int(linked)), ("copied", .int(copied))]
                    }
                }
                return .object(fields)
            }).serialized())
            return
        }
        for (index, plan) in plans.enumerated() {
            var folder = plan.folder, how = "zipped"
            switch outcomes?[index] {
            case .unchanged(let name)?: (folder, how) = (name, "unchanged")
            case .written(let name, let linked, let copied)?: (folder, how) = (name, "\(linked) linked, \(copied) copied")
            case nil: break
            }
            Output.line("\(folder): \(plan.files.count) file(s), \(ByteCountText.format(plan.files.reduce(0) { $0 + $1.size })) (\(how))")
        }
        Output.line("exported \(plans.count) collection(s) to \(target)")
    }

    /// `ingest` for the collections never collected, `download_only` for the rest (a collection
    /// a running job is downloading gets a `download_only` too: it runs after that job, in the
    /// download lane, and fetches only what is still missing).
    private func queueJobs(for rows: [CollectionRow], settings: Settings, store: any EngineStore) async throws -> [JobRecord] {
        let collect = rows.filter { $0.status == .notCollected }, fetch = rows.filter { $0.status != .notCollected }
        var requests: [LaunchRequest] = []
        var jobs: [JobRecord] = []
        if !collect.isEmpty { requests.append(LaunchRequest(type: .ingest, inputs: collect.map(\.locator))) }
        if !fetch.isEmpty {
            // A download job already queued for these collections (an earlier `--no-wait`) is the one to wait for.
            let open = try await store.jobs(in: [.queued, .running, .pauseRequested, .paused])
            if let queued = open.first(where: { $0.type == .downloadOnly && Set(fetch.map(\.locator)).isSubset(of: $0.scope.collections) }) {
                jobs.append(queued)
            } else {
                requests.append(LaunchRequest(type: .downloadOnly, collections: fetch.map(\.locator)))
            }
        }
        for request in requests {
            do {
                jobs.append(try await ConsoleLaunch.submit(request, settings: settings, store: store))
            } catch let error as LaunchError {
                Output.error("export", error.description)
                throw EngineExit.usage
            }
        }
        for row in rows {
            Output.note("collection '\(row.title ?? Redaction.url(row.locator))' is \(row.status.rawValue.replacingOccurrences(of: "_", with: " ")): queued")
        }
        return jobs
    }

    /// Runs the job here when no runner holds the data directory, else follows it to its end.
    private func runOrFollow(_ job: JobRecord, settings: Settings, store: any EngineStore) async throws {
        do {
            // Its summary goes to standard error: standard output is the export's.
            try await ForegroundRun(grace: grace, json: false, summaryToStandardError: true).runOrQueue(job, settings: settings, command: "export")
        } catch let exit as ExitCode where exit == EngineExit.failures {
            // Some items failed: the readiness check below says whether the export can go on.
        }
        while true {
            guard let status = try await store.job(job.id)?.status else { break }
            if status.isFinished { break }
            if status == .paused {
                Output.error("export", "job \(job.id) is paused: nothing was exported (`engine jobs resume \(job.id)`, then export again)")
                throw EngineExit.interrupted
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
