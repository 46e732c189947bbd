import Engine
import Foundation
import Stages
import Synchronization

extension RunCommand {
    /// `engine run --dry-run`: collects the inputs (remote playlists are fetched) and compares
    /// them with the catalog read-only, as the run's enqueue and catalog stage would: what
    /// would be downloaded (new items up to `--limit`, and stored ones whose library file is
    /// gone, which the limit does not count), which stored items would get renditions or
    /// processor results, what is already complete. Nothing is created or written. With an S3
    /// library (`--library-backend`), an original and its renditions count when recorded on
    /// that backend, and an incomplete item is fetched again.
    func planDryRun(_ options: JobOptions) async throws {
        let file = try options.graphFile()
        guard file.keepsOriginals else {
            Output.error("run", "--dry-run plans graphs that keep originals in the library; '\(file.name)' has no 'store' stage")
            throw EngineExit.usage
        }
        let inputs = !self.inputs.isEmpty ? self.inputs : !file.inputs.isEmpty ? file.inputs : [try DemoCatalog.locate()]
        let plan = options.noRenditions ? RenditionPlan.none : file.renditions
        let processors = JobAssembly.processors(.ingest, options: options, graph: file)
        // The graph's own source, as `engine collect`: the items a run would take in.
        let source = CollectorSource(
            inputs: inputs, collector: Collector(fetcher: PageFetcher(), sources: options.sources ?? file.sources))
        var collected: [MediaItem] = []
        let issues = Mutex<[SourceIssue]>([])
        try await source.produce(into: { collected.append($0) }, context: SourceContext { issue in issues.withLock { $0.append(issue) } })
        var known: [String: LookedUpItem] = [:]
        let settings = data.settings()
        let library = options.libraryBackend == nil ? LocalLibrary(root: settings.directory.library) : nil
        do {
            switch settings.storeLocation {
            case .sqlite(let path): known = try SQLiteJobStore.lookUp(collected, inDatabaseAt: path, processorState: !processors.isEmpty)
            case .postgres: Output.note("dry run: the PostgreSQL store is not consulted (a dry run writes nothing, not even a schema); every item counts as new")
            }
        } catch {
            Output.error("run", "\(error)")
            throw EngineExit.cannotRun
        }
        var downloads: [MediaItem] = [], completions: [(item: MediaItem, profiles: [String], processors: [String])] = []
        var complete = 0, new = 0
        for item in collected {
            guard let found = known[item.key], let stored = found.entry.storedOriginal else {
                // `--limit` counts new items, and the run takes none after the first past it.
                if let limit, new >= limit { break }
                new += 1
                downloads.append(item)
                continue
            }
            // A recorded original the library no longer holds is fetched again (not new).
            guard library?.holds(stored.locator, size: stored.size) ?? (stored.backend == options.libraryBackend) else {
                downloads.append(item)
                continue
            }
            let profiles = options.libraryBackend.map { plan.missing(for: found.entry, on: $0) } ?? plan.missing(for: found.entry)
            func stale(onlyMissing: Bool) -> [String] {
                ProcessorStage.stale(
                    processors.processors(for: found.entry.mediaKind), plan: processors, input: stored.sha256, results: found.results,
                    files: found.derivedFiles, library: library, onlyMissing: onlyMissing
                ).map(\.rawValue)
            }
            if profiles.isEmpty, stale(onlyMissing: true).isEmpty {
                complete += 1
            } else if options.libraryBackend != nil {
                downloads.append(item)  // an S3 library's incomplete item is fetched again
            } else {
                // Forwarded, the item gets its missing renditions and every stale processor result.
                completions.append((item, profiles.map(\.name), stale(onlyMissing: false)))
            }
        }
        let planned = ["audio": plan.audio.map(\.name), "video": plan.video.map(\.name)]
        if json {
            Output.line(JSONValue.object([
                ("dry_run", .bool(true)),
                ("download", .array(downloads.map { .object([("item_key", .string($0.key)), ("title", .string($0.title)), ("url", .string($0.url))]) })),
                ("renditions_per_kind", .object(planned.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map(JSONValue.string))) })),
                ("renditions", .array(completions.filter { !$0.profiles.isEmpty }.map { item, profiles, _ in
                    .object([("item_key", .string(item.key)), ("title", .string(item.title)), ("profiles", .array(profiles.map(JSONValue.string)))])
                })),
                ("processors", .array(completions.filter { !$0.processors.isEmpty }.map { item, _, processors in
                    .object([("item_key", .string(item.key)), ("title", .string(item.title)), ("processors", .array(processors.map(JSONValue.string)))])
                })),
                ("already_stored", .int(complete)),
                ("issues", .array(issues.withLock { $0 }.map { .string($0.description) })),
            ]).serialized())
            return
        }
        Output.line("dry run: nothing is downloaded, made or recorded")
        for item in downloads { Output.line("download    \(item.key)  \(item.title)") }
        for (item, profiles, processors) in completions {
            if !profiles.isEmpty { Output.line("renditions  \(item.key)  \(item.title): \(profiles.joined(separator: ", "))") }
            if !processors.isEmpty { Output.line("processors  \(item.key)  \(item.title): \(processors.joined(separator: ", "))") }
        }
        for issue in issues.withLock({ $0 }) { Output.error("run", issue.description) }
        let perKind = plan.isEmpty ? "no renditions" : "renditions after each download: audio \(planned["audio"]!.joined(separator: ", ")); video \(planned["video"]!.joined(separator: ", "))"
        Output.line(
            "\(downloads.count) to download (\(perKind)), \(completions.count) stored item(s) to complete with renditions or processor results, \(complete) already complete")
    }
}
