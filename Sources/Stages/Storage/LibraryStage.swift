public import Engine
import Foundation

/// Stores each downloaded original in the local library and records it, marking the item
/// succeeded in the same transaction. The same content twice is one file asset: a second item
/// with those bytes links to the stored file and its download is discarded, never stored as a
/// copy. A different file that wants a taken name gets ` [<sha256 prefix>]` added.
///
/// Items with the same content take turns: in one process a `KeyedLock` on the SHA-256, held
/// across the placement and its record; across processes the store's content claim
/// (`claimContent`), which a job item's attempt holds until it records the file. The second
/// finds the first's committed record and links to it. Different contents are placed side by
/// side; the file work runs off the cooperative pool. Nothing is kept per content once an item
/// is done, so memory stays flat.
public struct LibraryStage: OriginalStage {
    public let store: any CatalogStore
    public let library: LocalLibrary
    public let concurrency: Int
    private let placing = KeyedLock<String>()

    /// `concurrency`: items at once. The disk lane bounds the placements; the rest wait on
    /// their claims and records, which share transactions the more of them there are.
    public init(store: any CatalogStore, library: LocalLibrary, concurrency: Int = 16) {
        self.store = store
        self.library = library
        self.concurrency = concurrency
    }

    public var name: String { "store" }
    public var lane: LaneKind? { .disk }
    /// The disk slot covers placing the file, not the claim, the wait for another process or the record.
    public var takesLaneItself: Bool { true }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        guard let id = item.catalogID, let file = item.downloadedFile, let sha256 = item.sha256, let size = item.byteCount else {
            throw StageInputError(item: item.key, stage: name, missing: "a download")
        }
        let description = ItemDescription(title: item.title, creators: item.creators, duration: item.duration, mediaKind: item.mediaKind)
        let (locator, reused) = try await placing.withLock(sha256) { () async throws -> (String, Bool) in
            // Across processes: the store's claim (in this one, the lock already serializes).
            try await ContentPlacement.place(
                .original(sha256: sha256), backend: LocalLibrary.backendName, lease: item.lease, store: store,
                reuse: {
                    guard let stored = try await store.storedOriginal(sha256: sha256, backend: LocalLibrary.backendName),
                        library.holds(stored.locator, size: stored.size)
                    else { return nil }
                    _ = try await store.recordOriginal(
                        itemID: id, sha256: sha256, size: size, format: item.containerFormat, backend: LocalLibrary.backendName,
                        locator: stored.locator, description: description, lease: item.lease)
                    return (stored.locator, true)
                },
                place: {
                    let placed = try await context.withLane(.disk) { try await BlockingIO.run { try placeNew(file, item: item, sha256: sha256) } }
                    do {
                        _ = try await store.recordOriginal(
                            itemID: id, sha256: sha256, size: size, format: item.containerFormat, backend: LocalLibrary.backendName,
                            locator: placed, description: description, lease: item.lease)
                    } catch {
                        await library.abandon(placed, claim: .original(sha256: sha256), lease: item.lease, store: store, after: error)
                        throw error
                    }
                    return (placed, false)
                })
        }
        var item = item
        item.locator = locator
        item.reusedExistingFile = reused
        item.downloadedFile = nil
        return .forward(item)
    }

    private func placeNew(_ file: String, item: MediaItem, sha256: String) throws -> String {
        var ext = URL(string: item.resolvedURL ?? item.url)?.pathExtension ?? ""  // what was downloaded, wherever it was listed
        if !MediaExtensions.all.contains(ext.lowercased()) { ext = LibraryPath.extensionFor(format: item.containerFormat) }
        // The source it was downloaded from, which the resolver may have chosen over the one that listed it.
        let base = LibraryPath.locator(source: item.resolvedSource ?? item.source, creator: item.creators.first, title: item.title, ext: ext)
        // The readable name first; only when another file has it, a content-tagged one.
        return try library.place(file, sha256: sha256, candidates: LibraryPath.candidates(base, sha256: sha256))
    }
}
