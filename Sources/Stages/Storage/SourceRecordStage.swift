public import Engine

/// In a graph that keeps no originals in the library: records each fetched original where it
/// was found — its `s3://BACKEND/KEY` object, a location on that backend — with what the probe
/// learned, marking the item succeeded, so that its renditions have an original to belong to
/// and a later run knows it. The download itself stays in the item's temp space (deleted when
/// the item leaves the graph).
public struct SourceRecordStage: OriginalStage {
    public let store: any CatalogStore

    public init(store: any CatalogStore) {
        self.store = store
    }

    public var name: String { "record" }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        guard let id = item.catalogID, item.downloadedFile != nil, let sha256 = item.sha256, let size = item.byteCount else {
            throw StageInputError(item: item.key, stage: name, missing: "a download")
        }
        guard let source = ObjectURL(item.url) else { throw SourceRecordError.notInBackend(item: item.key, url: item.url) }
        _ = try await store.recordOriginal(
            itemID: id, sha256: sha256, size: size, format: item.containerFormat, backend: source.backend, locator: source.key,
            description: ItemDescription(title: item.title, creators: item.creators, duration: item.duration, mediaKind: item.mediaKind),
            lease: item.lease)
        var item = item
        item.locator = source.key
        return .forward(item)
    }
}

package enum SourceRecordError: ClassifiedError, Sendable, CustomStringConvertible {
    case notInBackend(item: String, url: String)

    public var kind: ItemErrorKind { .config }

    public var description: String {
        switch self {
        case .notInBackend(let item, let url):
            "\(item): this graph keeps no originals (it has no 'store' stage), so they must stay in a storage backend, "
                + "and \(url) is not an s3://BACKEND/KEY object; add 'store' to the graph to keep it in the library"
        }
    }
}
