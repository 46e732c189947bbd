public import Engine
import Foundation

/// Last stage of the default graph: moves the download into the local library and records
/// it, marking the item succeeded in the same transaction. The same content twice is one file asset: a second item with those bytes links to the
/// stored file and its download is discarded, never stored as a copy. A different file that
/// wants a taken name gets ` [<sha256 prefix>]` added.
///
/// One worker: placement decisions (is this content stored? is this name free?) are serial.
public struct LibraryStage: ItemStage {
    public let store: any JobStore
    public let library: LocalLibrary

    public init(store: any JobStore, library: LocalLibrary) {
        self.store = store
        self.library = library
    }

    public var name: String { "store" }
    public var lane: LaneKind? { .disk }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        guard let id = item.catalogID, let file = item.downloadedFile, let sha256 = item.sha256, let size = item.byteCount else {
            throw StorageError.cannotWrite(path: item.key, reason: "the item reached the library without a download")
        }
        var item = item
        let locator: String
        if let existing = try await store.storedOriginal(sha256: sha256, backend: LocalLibrary.backendName),
            library.holds(existing.locator, size: existing.size)
        {
            locator = existing.locator
            item.reusedExistingFile = true
        } else {
            locator = try placeNew(file, item: item, sha256: sha256)
        }
        _ = try await store.recordOriginal(
            itemID: id, sha256: sha256, size: size, format: item.containerFormat, backend: LocalLibrary.backendName,
            locator: locator,
            description: ItemDescription(
                title: item.title, creators: item.creators, duration: item.duration, mediaKind: item.mediaKind))
        item.locator = locator
        item.downloadedFile = nil
        return .forward(item)
    }

    private func placeNew(_ file: String, item: MediaItem, sha256: String) throws -> String {
        var ext = URL(string: item.url)?.pathExtension ?? ""
        if !MediaExtensions.all.contains(ext.lowercased()) { ext = LibraryPath.extensionFor(format: item.containerFormat) }
        let base = LibraryPath.locator(source: item.source, creator: item.creators.first, title: item.title, ext: ext)
        for candidate in [base, LibraryPath.disambiguated(base, tag: String(sha256.prefix(8))),
                          LibraryPath.disambiguated(base, tag: sha256)] {
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
