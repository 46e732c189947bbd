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
    public let store: any CatalogStore
    public let library: LocalLibrary
    public let concurrency: Int
    private let placements = Placements()

    public init(store: any CatalogStore, library: LocalLibrary, concurrency: Int = 4) {
        self.store = store
        self.library = library
        self.concurrency = concurrency
    }

    public var name: String { "store" }
    public var lane: LaneKind? { .disk }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        guard let id = item.catalogID, let file = item.downloadedFile, let sha256 = item.sha256, let size = item.byteCount else {
            throw StageInputError(item: item.key, stage: name, missing: "a download")
        }
        let stored = try await store.storedOriginal(sha256: sha256, backend: LocalLibrary.backendName)
        let placement = try placements.place(file, sha256: sha256, storedLocator: stored.flatMap {
            library.holds($0.locator, size: $0.size) ? $0.locator : nil
        }) { try placeNew(file, item: item, sha256: sha256) }
        do {
            _ = try await store.recordOriginal(
                itemID: id, sha256: sha256, size: size, format: item.containerFormat, backend: LocalLibrary.backendName,
                locator: placement.locator,
                description: ItemDescription(
                    title: item.title, creators: item.creators, duration: item.duration, mediaKind: item.mediaKind),
                lease: item.lease)
        } catch {
            // Not recorded: a file placed in this run must not stay in the library unaccounted
            // for, unless another item that shares it recorded it (or still may).
            if placement.tracked, let orphan = placements.finished(sha256, recorded: false), let path = library.path(for: orphan) {
                unlink(path)
            }
            throw error
        }
        if placement.tracked { _ = placements.finished(sha256, recorded: true) }
        var item = item
        item.locator = placement.locator
        item.reusedExistingFile = placement.reused
        item.downloadedFile = nil
        return .forward(item)
    }

    private func placeNew(_ file: String, item: MediaItem, sha256: String) throws -> String {
        var ext = URL(string: item.url)?.pathExtension ?? ""
        if !MediaExtensions.all.contains(ext.lowercased()) { ext = LibraryPath.extensionFor(format: item.containerFormat) }
        let base = LibraryPath.locator(source: item.source, creator: item.creators.first, title: item.title, ext: ext)
        // The readable name first; only when another file has it, a content-tagged one.
        return try library.place(file, sha256: sha256, candidates: LibraryPath.candidates(base, sha256: sha256))
    }
}

/// What this run has placed, by content: with the database (earlier runs) it answers "is this
/// content stored already?" even before this run's records are committed. Each placed file
/// counts the items that use it until they have recorded it, so an item whose record fails
/// deletes the file only when no other item recorded it or may still.
final class Placements: Sendable {
    struct Placement {
        var locator: String
        /// The content was already in the library (this run or an earlier one).
        var reused: Bool
        /// Placed in this run: the item must report `finished` once its record is done.
        var tracked: Bool
    }

    private struct Entry {
        var locator: String
        var holders: Int
        var recorded: Bool
    }

    private let placed = Mutex<[String: Entry]>([:])

    /// Where `sha256` is; `placeNew` runs (inside the critical section) only when neither this
    /// run nor the database has the content.
    func place(_ file: String, sha256: String, storedLocator: String?, placeNew: () throws -> String) throws -> Placement {
        try placed.withLock { placed in
            if var entry = placed[sha256] {
                entry.holders += 1
                placed[sha256] = entry
                return Placement(locator: entry.locator, reused: true, tracked: true)
            }
            if let storedLocator { return Placement(locator: storedLocator, reused: true, tracked: false) }
            let locator = try placeNew()
            placed[sha256] = Entry(locator: locator, holders: 1, recorded: false)
            return Placement(locator: locator, reused: false, tracked: true)
        }
    }

    /// One item that used the file placed for `sha256` is done; returns the locator to delete
    /// when it was the last and no item recorded the file.
    func finished(_ sha256: String, recorded: Bool) -> String? {
        placed.withLock { placed in
            guard var entry = placed[sha256] else { return nil }
            entry.holders -= 1
            entry.recorded = entry.recorded || recorded
            if entry.holders > 0 || entry.recorded {
                placed[sha256] = entry
                return nil
            }
            placed[sha256] = nil
            return entry.locator
        }
    }
}
