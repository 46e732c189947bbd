public import Engine
import Foundation

/// Puts an item's stored files — its original and its renditions — on an S3 backend, under
/// keys that mirror their library locators below the backend's base prefix, and records each
/// remote copy as a location (not primary; with its public URL when the backend has one). An
/// item whose files are all there already is skipped: a second upload job uploads nothing.
///
/// In a graph that keeps no originals (`fromLibrary` false) it uploads the renditions the
/// transcode stage made in the item's temp space (`MediaItem.madeRenditions`) instead, each the
/// primary copy of its asset.
public struct UploadStage: ItemStage {
    public let store: any UploadStore
    public let client: S3Client
    public let library: LocalLibrary
    public let uploader: S3Uploader
    public let concurrency: Int
    public let fromLibrary: Bool
    /// What the backend holds, a folder listed at a time (one request per folder, not a HEAD per file).
    private let listing: ObjectListing

    public init(
        store: any UploadStore, client: S3Client, library: LocalLibrary, uploader: S3Uploader = S3Uploader(), concurrency: Int = 4,
        fromLibrary: Bool = true
    ) {
        self.store = store
        self.client = client
        self.library = library
        self.uploader = uploader
        self.concurrency = concurrency
        self.fromLibrary = fromLibrary
        listing = ObjectListing(client: client)
    }

    public var name: String { "upload" }
    /// Network permits around each request body only (parts of one file go up side by side).
    public var takesLaneItself: Bool { true }
    public var lane: LaneKind? { .network }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        guard let id = item.catalogID else { throw StageInputError(item: item.key, stage: name, missing: "a catalog record") }
        guard fromLibrary else { return .forward(try await uploadMadeRenditions(item, context: context)) }
        let assets = try await store.assetsToUpload(itemID: id, from: LocalLibrary.backendName, to: client.name)
        guard !assets.isEmpty else { return .skip(item, reason: "already on backend '\(client.name)'") }
        var item = item
        for asset in assets {
            guard let path = library.path(for: asset.locator), library.holds(asset.locator, size: asset.size) else {
                throw UploadError.missingFile(item: item.key, locator: asset.locator)
            }
            try await uploader.upload(
                file: path, size: asset.size, key: client.config.key(for: asset.locator), assetID: asset.assetID, client: client,
                store: store, lease: item.lease, context: context, listing: listing)
            item.uploadedBytes = (item.uploadedBytes ?? 0) + asset.size
        }
        return .forward(item)
    }

    private func uploadMadeRenditions(_ item: MediaItem, context: StageContext) async throws -> MediaItem {
        var item = item
        for rendition in item.madeRenditions {
            try await uploader.upload(
                file: rendition.path, size: rendition.size, key: client.config.key(for: rendition.locator), assetID: rendition.assetID,
                client: client, store: store, lease: item.lease, context: context, listing: listing)
            item.renditions.insert(rendition.profile)
            item.uploadedBytes = (item.uploadedBytes ?? 0) + rendition.size
        }
        item.madeRenditions = []
        return item
    }
}

/// Why an item has nothing to upload: the library does not hold the file its store row names.
public enum UploadError: Error, Sendable, CustomStringConvertible {
    case missingFile(item: String, locator: String)

    public var description: String {
        switch self {
        case .missingFile(let item, let locator): "\(item): \(locator) is recorded but not in the library; nothing to upload"
        }
    }
}
