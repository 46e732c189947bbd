public import Engine

/// First stage: records the item in the catalog (unless its job did), and skips it when the library already holds
/// its original and every planned rendition (a second run over the same input downloads
/// nothing). When only renditions or processor results are missing (an earlier attempt that
/// stopped after storing the original, a rendition added to the plan), the item goes on to
/// make just those.
///
/// With `reprocess`, a stored item always goes on (to be probed and have its renditions made
/// again), and an item whose original the library does not hold fails, naming where it should be.
///
/// In a graph that keeps no originals (`renditionsBackend`: its renditions go to that backend,
/// its originals stay where they were found), an item is skipped when its original is recorded
/// and the backend holds every planned rendition; otherwise it goes on to be fetched again.
/// With an S3 library (`libraryBackend`) likewise: skipped when the original and every planned
/// rendition are on that backend.
public struct CatalogStage: ItemStage {
    public let store: any CatalogStore
    public let library: LocalLibrary
    public let renditions: RenditionPlan
    /// The processors the graph runs: a stored item without all their results goes on.
    public let processors: ProcessorPlan
    public let reprocess: Bool
    public let renditionsBackend: String?
    /// The library is this S3 backend (`library_backend`), not the local folder.
    public let libraryBackend: String?

    public init(
        store: any CatalogStore, library: LocalLibrary, renditions: RenditionPlan = .none, processors: ProcessorPlan = .none,
        reprocess: Bool = false, renditionsBackend: String? = nil, libraryBackend: String? = nil
    ) {
        self.libraryBackend = libraryBackend
        self.processors = processors
        self.store = store
        self.library = library
        self.renditions = renditions
        self.reprocess = reprocess
        self.renditionsBackend = renditionsBackend
    }

    public var name: String { "catalog" }
    /// Several at once, so their writes share group commits.
    public var concurrency: Int { 8 }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        var item = item
        // A job's items are in the catalog already (written when collected): only read, unless
        // the job's claim saw that no original is linked to the record (nothing to skip for).
        let entry: CatalogEntry
        if let id = item.catalogID {
            entry = item.catalogHasOriginal == false && !reprocess ? CatalogEntry(itemID: id) : try await store.catalogEntry(itemID: id)
        } else {
            entry = try await store.upsertItem(item)
        }
        item.catalogID = entry.itemID
        if let backend = renditionsBackend {
            // Said before the download: such a graph records originals where they were found.
            guard ObjectURL(item.url) != nil else { throw SourceRecordError.notInBackend(item: item.key, url: item.url) }
            if entry.storedOriginal != nil {
                item.renditions = entry.renditionProfiles(on: backend)
                if renditions.missing(for: entry, on: backend).isEmpty, try await processorsDone(entry, libraryFiles: false) {
                    return .skip(item, reason: "its renditions are on backend '\(backend)' already")
                }
            }
            return .forward(item)
        }
        if let backend = libraryBackend {
            // An S3 library: the original recorded there and every planned rendition beside it
            // is a stored item; anything less is fetched again (the original comes from its
            // source, as the first time, and is found stored when it gets there).
            if let stored = entry.storedOriginal, stored.backend == backend {
                item.renditions = entry.renditionProfiles(on: backend)
                if renditions.missing(for: entry, on: backend).isEmpty, try await processorsDone(entry, libraryFiles: false) {
                    return .skip(item, reason: "already in the library on backend '\(backend)' at \(stored.locator)")
                }
            }
            return .forward(item)
        }
        if let stored = entry.storedOriginal, library.holds(stored.locator, size: stored.size) {
            item.locator = stored.locator
            item.sha256 = stored.sha256
            item.byteCount = stored.size
            item.mediaKind = entry.mediaKind
            item.renditions = entry.renditionProfiles(on: LocalLibrary.backendName)
            item.originalAlreadyStored = true
            if !reprocess, renditions.missing(for: entry).isEmpty, try await processorsDone(entry, libraryFiles: true) {
                return .skip(item, reason: "already in the library at \(stored.locator)")
            }
        } else if reprocess {
            throw CatalogError.originalMissing(
                item: item.key, path: entry.storedOriginal.map { library.path(for: $0.locator) ?? $0.locator })
        }
        return .forward(item)
    }

    /// Whether the stored original has a result of every planned processor (and, with
    /// `libraryFiles`, the files it lists, in the library). A result made from another key
    /// counts: remaking those is `engine reprocess`'s.
    private func processorsDone(_ entry: CatalogEntry, libraryFiles: Bool) async throws -> Bool {
        let planned = processors.processors(for: entry.mediaKind)
        guard !planned.isEmpty, let original = entry.storedOriginal else { return true }
        return ProcessorStage.stale(
            planned, plan: processors, input: original.sha256, results: try await store.assetResults(assetID: original.assetID),
            files: libraryFiles ? try await store.derivedFiles(parentAssetID: original.assetID) : [],
            library: libraryFiles ? library : nil, onlyMissing: true
        ).isEmpty
    }
}

/// Why the catalog stage failed an item: a stored item to reprocess whose original is missing.
public enum CatalogError: Error, Sendable, CustomStringConvertible {
    /// A stored item (`reprocess`) whose original the library does not hold.
    case originalMissing(item: String, path: String?)

    public var description: String {
        switch self {
        case .originalMissing(let item, let path?): "\(item): its original is not in the library (recorded at \(path))"
        case .originalMissing(let item, nil): "\(item): it has no stored original to reprocess"
        }
    }
}
