public import Engine

/// What a `reprocess` would do to one stored item, output by output: make what is missing,
/// replace what was made from another key (naming which part changed: the input, the
/// settings or the tools), remove what is no longer configured. The reprocess job's stages
/// decide the same way, with the same keys (`ProcessorStage`, `TranscodeStage`).
public struct ReprocessChange: Sendable, Equatable {
    public enum Action: String, Sendable {
        case make, replace, remove
    }

    /// `source:remote_id`.
    public var item: String
    /// `rendition NAME`, `processor NAME`, `peaks files`, `poster files`.
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

/// Plans a `reprocess` of stored items under a rendition plan and a processor plan.
public struct ReprocessPlanner: Sendable {
    public let renditions: RenditionPlan
    public let processors: ProcessorPlan
    public let store: any CatalogStore
    public let library: LocalLibrary

    public init(renditions: RenditionPlan, processors: ProcessorPlan, store: any CatalogStore, library: LocalLibrary) {
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
        let planned = processors.processors(for: entry.mediaKind)
        let results = try await store.assetResults(assetID: original.assetID)
        for processor in planned {
            let stored = results.first { $0.processor == processor.rawValue }
            compare("processor \(processor.rawValue)", stored: stored.map { Optional($0.key) }, current: processors.key(for: processor, input: original.sha256), present: true)
        }
        for result in results where !planned.map(\.rawValue).contains(result.processor) { add("processor \(result.processor)", .remove, ["not configured"]) }
        let derived = Dictionary(grouping: try await store.derivedFiles(parentAssetID: original.assetID), by: \.kind)
        for kind in DerivedKind.allCases {
            let files = derived[kind] ?? []
            let output = "\(kind.rawValue) files"
            guard let processor = planned.first(where: { ProcessorStage.fileKind(of: $0) == kind }), original.backend == LocalLibrary.backendName
            else {
                if !files.isEmpty { add(output, .remove, ["not configured"]) }
                continue
            }
            // A result made with no files (a file too short for a poster) has none to compare.
            if files.isEmpty, results.contains(where: { $0.processor == processor.rawValue }) { continue }
            let current = processors.key(for: processor, input: original.sha256)
            let stale = files.first { $0.key != current }
            compare(
                output, stored: files.isEmpty ? nil : .some(stale?.key ?? current), current: current,
                present: files.allSatisfy { library.holds($0.file.locator, size: $0.file.size) })
        }
        let profiles = renditions.profiles(for: entry.mediaKind)
        let gain = try await ReplayGain.stored(itemID: entry.itemID, assetID: original.assetID, in: store)
        for profile in profiles {
            let stored = entry.renditions.first { $0.profile == profile.name }
            compare(
                "rendition \(profile.name)", stored: stored.map(\.key),
                current: profile.key(input: original.sha256, tags: gain.tags(for: profile)),
                present: stored.map { library.holds($0.file.locator, size: $0.file.size) } ?? true)
        }
        for stored in entry.renditions where !profiles.contains(where: { $0.name == stored.profile }) {
            add("rendition \(stored.profile)", .remove, ["not configured"])
        }
        return changes
    }
}
