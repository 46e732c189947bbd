public import Engine
import Foundation
import Synchronization

/// Last stage of the default graph: moves the download into the local library and records
/// it, marking the item succeeded in the same transaction. The same content twice is one file
/// asset: a second item with those bytes links to the stored file and its download is
/// discarded, never stored as a copy. A different file that wants a taken name gets
/// ` [<sha256 prefix>]` added.
///
/// Placement (is this content stored? is this name free? link it) is one short critical
/// section, so workers never store the same content twice; the database writes around it run
/// concurrently and are group-committed.
public struct LibraryStage: OriginalStage {
    public let store: any JobStore
    public let library: LocalLibrary
    public let concurrency: Int
    private let placements = Placements()

    public init(store: any JobStore, library: LocalLibrary, concurrency: Int = 4) {
        self.store = store
        self.library = library
        self.concurrency = concurrency
    }

    public var name: String { "store" }
    public var lane: LaneKind? { .disk }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        guard let id = item.catalogID, let file = item.downloadedFile, let sha256 = item.sha256, let size = item.byteCount else {
            throw StorageError.cannotWrite(path: item.key, reason: "the item reached the library without a download")
        }
        let stored = try await store.storedOriginal(sha256: sha256, backend: LocalLibrary.backendName)
        let (locator, reused) = try placements.place(file, sha256: sha256, storedLocator: stored.flatMap {
            library.holds($0.locator, size: $0.size) ? $0.locator : nil
        }) { try placeNew(file, item: item, sha256: sha256) }
        do {
            _ = try await store.recordOriginal(
                itemID: id, sha256: sha256, size: size, format: item.containerFormat, backend: LocalLibrary.backendName,
                locator: locator,
                description: ItemDescription(
                    title: item.title, creators: item.creators, duration: item.duration, mediaKind: item.mediaKind))
        } catch {
            // Not recorded: a file this item placed must not stay in the library unaccounted for.
            if !reused {
                placements.forget(sha256)
                if let path = library.path(for: locator) { unlink(path) }
            }
            throw error
        }
        var item = item
        item.locator = locator
        item.reusedExistingFile = reused
        item.downloadedFile = nil
        return .forward(item)
    }

    private func placeNew(_ file: String, item: MediaItem, sha256: String) throws -> String {
        var ext = URL(string: item.url)?.pathExtension ?? ""
        if !MediaExtensions.all.contains(ext.lowercased()) { ext = LibraryPath.extensionFor(format: item.containerFormat) }
        let base = LibraryPath.locator(source: item.source, creator: item.creators.first, title: item.title, ext: ext)
        // The readable name first; only when another file has it, a content-tagged one.
        for tag in [nil, String(sha256.prefix(8)), sha256] {
            let candidate = tag.map { LibraryPath.disambiguated(base, tag: $0) } ?? base
            do {
                try library.place(file, at: candidate)
                return candidate
            } catch StorageError.taken {
                continue
            }
        }
        throw StorageError.taken(locator: base)
    }
}

/// What this run has placed, by content: with the database (earlier runs) it answers "is this
/// content stored already?" even before this run's records are committed.
final class Placements: Sendable {
    private let placed = Mutex<[String: String]>([:])

    /// The locator holding `sha256` and whether it was already there; `placeNew` runs (inside
    /// the critical section) only when neither this run nor the database has the content.
    func place(
        _ file: String, sha256: String, storedLocator: String?, placeNew: () throws -> String
    ) throws -> (locator: String, reused: Bool) {
        try placed.withLock { placed in
            if let locator = placed[sha256] ?? storedLocator { return (locator, true) }
            let locator = try placeNew()
            placed[sha256] = locator
            return (locator, false)
        }
    }

    func forget(_ sha256: String) {
        _ = placed.withLock { $0.removeValue(forKey: sha256) }
    }
}
