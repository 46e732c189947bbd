public import Engine

/// Probes the downloaded file in-process, keeps the result (ffprobe JSON) as the item's
/// `probe` processor result, and fills what the collector did not know (title and artist
/// tags, duration, media kind). A file with no audio or video fails the item.
///
/// With `storedOriginals` (a `reprocess` job) it probes what the library holds instead of a
/// download, and the item's description is updated with the result.
public struct ProbeStage: OriginalStage {
    public static let processorVersion = 1

    public let store: any CatalogStore
    public let prober: MediaProber
    public let storedOriginals: LocalLibrary?

    public init(store: any CatalogStore, prober: MediaProber = MediaProber(), storedOriginals: LocalLibrary? = nil) {
        self.store = store
        self.prober = prober
        self.storedOriginals = storedOriginals
    }

    public func handles(_ item: MediaItem) -> Bool { storedOriginals != nil || !item.originalAlreadyStored }

    public var name: String { "probe" }
    public var concurrency: Int { LaneLimits.cores }
    public var lane: LaneKind? { .cpu }
    /// The cpu slot covers the probe, not the commit of its result.
    public var takesLaneItself: Bool { true }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        guard let file = storedOriginals.map({ library in item.locator.flatMap(library.path(for:)) }) ?? item.downloadedFile else {
            throw StageInputError(item: item.key, stage: name, missing: storedOriginals == nil ? "a download" : "a stored original")
        }
        let prober = prober
        let result: ProbeResult
        do {
            result = try await context.withLane(.cpu) { try await BlockingIO.run { try prober.probe(file) } }.withFilename(item.url)
        } catch let error as ProbeError {
            throw error.with(path: item.url)
        }
        guard result.mediaKind != .other else {
            throw ProbeError.noStreams(path: item.url)
        }
        var item = item
        item.containerFormat = result.format.formatName
        item.mediaKind = result.mediaKind.rawValue
        item.duration = result.format.duration ?? item.durationHint
        let tags = result.format.tags
        if item.titleIsFileName, let title = tags.value(for: "title"), !title.isEmpty {
            item.title = title
            item.titleIsFileName = false
        }
        if item.creators.isEmpty, let artist = tags.value(for: "artist") ?? tags.value(for: "album_artist"), !artist.isEmpty {
            item.creators = [artist]
        }
        if let id = item.catalogID {
            // An ingest records the description with the original it stores; a reprocess here.
            let description =
                storedOriginals == nil
                ? nil : ItemDescription(title: item.title, creators: item.creators, duration: item.duration, mediaKind: item.mediaKind)
            try await store.saveProcessorResult(
                itemID: id, processor: "probe", version: Self.processorVersion, json: result.ffprobeJSON.serialized(pretty: false),
                description: description, lease: item.lease)
        }
        return .forward(item)
    }
}

extension ProbeResult {
    /// The same result reported under another name (the item's URL rather than a temp path).
    func withFilename(_ name: String) -> ProbeResult {
        var copy = self
        copy.format.filename = name
        return copy
    }
}
