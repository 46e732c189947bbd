public import Engine
import Foundation

/// The library on an S3 backend (`library_backend`): each downloaded original goes up from the
/// item's temp space under the key its library locator gives (below the backend's base
/// prefix), and only then is recorded there — its location primary on that backend, the item
/// succeeded. No worker needs a shared folder: the download stays in the item's temp space for
/// the transcode stage (whose renditions the upload stage puts beside it) and goes when the
/// item leaves the graph.
///
/// Every write is the attempt's (its lease): the asset, the upload task (the fenced "begin
/// upload"), the parts, the location. The same content twice is one object: items with those
/// bytes take turns through the store's content claim, and the second links to the first's
/// record. A key another content holds (or is being put at, by another attempt: the key is
/// claimed in the store too) is never written over: the name gets ` [<sha256 prefix>]`, as in
/// the local library.
public struct S3LibraryStage: OriginalStage {
    public let store: any CatalogStore & UploadStore
    public let client: S3Client
    public let uploader: S3Uploader
    private let placing = KeyedLock<String>()

    public init(store: any CatalogStore & UploadStore, client: S3Client, uploader: S3Uploader = S3Uploader()) {
        self.store = store
        self.client = client
        self.uploader = uploader
    }

    public var name: String { "store" }
    public var lane: LaneKind? { .network }
    /// Network permits around each request body only (the claim and the records take none).
    public var takesLaneItself: Bool { true }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        guard let id = item.catalogID, let file = item.downloadedFile, let sha256 = item.sha256, let size = item.byteCount else {
            throw StageInputError(item: item.key, stage: name, missing: "a download")
        }
        let description = ItemDescription(title: item.title, creators: item.creators, duration: item.duration, mediaKind: item.mediaKind)
        let content = ContentKey.original(sha256: sha256)
        let (key, reused) = try await placing.withLock(sha256) { () async throws -> (String, Bool) in
            try await ContentPlacement.place(
                content, backend: client.name, lease: item.lease, store: store,
                reuse: {
                    guard let stored = try await store.storedOriginal(sha256: sha256, backend: client.name),
                        try await client.headObject(stored.locator)?.size == stored.size
                    else { return nil }
                    _ = try await store.recordOriginal(
                        itemID: id, sha256: sha256, size: size, format: item.containerFormat, backend: client.name,
                        locator: stored.locator, description: description, lease: item.lease)
                    return (stored.locator, true)
                },
                place: {
                    do {
                        let key = try await freeKey(item, file: file, sha256: sha256, size: size)
                        let assetID = try await store.recordOriginalAsset(sha256: sha256, size: size, format: item.containerFormat, lease: item.lease)
                        try await uploader.upload(
                            file: file, size: size, key: key, assetID: assetID, client: client, store: store, lease: item.lease, context: context)
                        _ = try await store.recordOriginal(
                            itemID: id, sha256: sha256, size: size, format: item.containerFormat, backend: client.name, locator: key,
                            description: description, lease: item.lease)
                        return (key, false)
                    } catch {
                        // The claim goes back (unless the lease passed on: the newer attempt owns it).
                        if case StoreError.leaseLost = error { throw error }
                        try? await ContentPlacement.release(content, backend: client.name, lease: item.lease, store: store)
                        throw error
                    }
                })
        }
        var item = item
        // The locator below the base prefix: the renditions are named after it.
        let prefix = client.config.key(for: "")
        item.locator = key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key
        item.reusedExistingFile = reused
        return .forward(item)
    }

    /// The first of the item's library names whose key holds nothing, or already these very
    /// bytes (an upload that was cut before its record): never one that holds another content.
    private func freeKey(_ item: MediaItem, file: String, sha256: String, size: Int64) async throws -> String {
        var ext = URL(string: item.resolvedURL ?? item.url)?.pathExtension ?? ""
        if !MediaExtensions.all.contains(ext.lowercased()) { ext = LibraryPath.extensionFor(format: item.containerFormat) }
        let base = LibraryPath.locator(source: item.resolvedSource ?? item.source, creator: item.creators.first, title: item.title, ext: ext)
        let candidates = LibraryPath.candidates(base, sha256: sha256)
        let layout = size > uploader.threshold ? uploader.partSize(for: size) : nil
        for locator in candidates {
            let key = client.config.key(for: locator)
            // The key is this attempt's while it puts the file there (another content with
            // the same name takes the next candidate); the claim ends with the attempt.
            if let lease = item.lease {
                let claim = try await store.claimContent(.object(key: key), backend: client.name, lease: lease, replacing: true)
                if claim == .busy { continue }
            }
            guard let object = try await client.headObject(key) else { return key }
            if object.size == size, object.etag == (try await S3Uploader.expectedETag(file: file, size: size, partSize: layout)) { return key }
            try? await ContentPlacement.release(.object(key: key), backend: client.name, lease: item.lease, store: store)
        }
        throw StorageError.taken(locator: candidates.last ?? base)
    }
}
