package import Engine

/// What a `reprocess` would do to one stored item, output by output: make what is missing,
/// replace what was made from another key (naming which part changed: the input, the
/// settings or the tools), remove what is no longer configured. The reprocess job's stages
/// decide the same way, with the same keys (`ProcessorStage`, `TranscodeStage`).
package struct ReprocessChange: Sendable, Equatable {
    public enum Action: String, Sendable {
        case make, replace, remove
    }

    /// `source:remote_id`.
    public var item: String
    /// `rendition NAME`, `processor NAME` (its result and files), `peaks files`, `poster files` (removed).
    public var output: String
    public var action: Action
    /// Which parts of the key changed (`replace`), or why it is made (`missing`, `file missing`).
    public var reasons: [String]

    public var json: JSONValue {
        .object([
            ("item", .string(item)), ("output", .string(output)), ("action", .string(action.rawValue)),
            ("reasons", .array(reasons.map(JSONValue.string))),
        ])
    }
}

/// Plans a `reprocess` of stored items under a rendition plan and a processor plan; a plan that
/// is nil (renditions or processors turned off) leaves those outputs as they are.
package struct ReprocessPlanner: Sendable {
    public let renditions: RenditionPlan?
    public let processors: ProcessorPlan?
    public let store: any CatalogStore
    public let library: LocalLibrary

    public init(renditions: RenditionPlan?, processors: ProcessorPlan?, store: any CatalogStore, library: LocalLibrary) {
        self.renditions = renditions
        self.processors = processors
        self.store = store
        self.library = library
    }

    public func changes(_ entry: LibraryEntry) async throws -> [ReprocessChange] {
        guard let original = entry.file else { return [] }
        let item = "\(entry.source):\(entry.remoteID)"
        var changes: [ReprocessChange] = []
        func add(_ output: String, _ action: ReprocessChange.Action, _ reasons: [String]) {
            changes.append(ReprocessChange(item: item, output: output, action: action, reasons: reasons))
        }
        func compare(_ output: String, stored: OutputKey??, current: OutputKey, present: Bool) {
            guard let stored, present else { return add(output, .make, [stored == nil ? "missing" : "file missing"]) }
            guard let key = stored else { return add(output, .replace, ["made before keys were kept"]) }
            let parts = current.changes(from: key)
            if !parts.isEmpty { add(output, .replace, parts.map { "\($0) changed" }) }
        }
        if let processors {
            // As the stage decides (`ProcessorStage.staleness`): a processor's output is its
            // result and the files it lists.
            let planned = processors.processors(for: entry.mediaKind)
            let results = try await store.assetResults(assetID: original.assetID)
            let files = try await store.derivedFiles(parentAssetID: original.assetID)
            for processor in planned {
                let result = results.first { $0.processor == processor.rawValue }
                let why = ProcessorStage.staleness(
                    processor, plan: processors, input: original.sha256, result: result, files: files,
                    library: original.backend == LocalLibrary.backendName ? library : nil)
                if !why.isEmpty { add("processor \(processor.rawValue)", result == nil ? .make : .replace, why) }
            }
            for result in results where !planned.map(\.rawValue).contains(result.processor) {
                add("processor \(result.processor)", .remove, ["not configured"])
            }
            for kind in DerivedKind.allCases where !planned.contains(where: { ProcessorStage.fileKind(of: $0) == kind }) {
                if files.contains(where: { $0.kind == kind }) { add("\(kind.rawValue) files", .remove, ["not configured"]) }
            }
        }
        guard let renditions else { return changes }
        let profiles = renditions.profiles(for: entry.mediaKind)
        let gain = try await ReplayGain.stored(itemID: entry.itemID, assetID: original.assetID, in: store)
        for profile in profiles {
            let stored = entry.renditions.first { $0.profile == profile.name }
            compare(
                "rendition \(profile.name)", stored: stored.map(\.key),
                current: profile.key(input: original.sha256, tags: gain.tags(for: profile)),
                present: stored.map { library.holds($0.file.locator, size: $0.file.size) } ?? true)
        }
        for stored in entry.renditions where stored.file.backend == LocalLibrary.backendName && !profiles.contains(where: { $0.name == stored.profile }) {
            add("rendition \(stored.profile)", .remove, ["not configured"])
        }
        return changes
    }
}
