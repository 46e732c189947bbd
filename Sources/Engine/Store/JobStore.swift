/// The engine's persistent state: the catalog, storage and processing results (`CatalogStore`)
/// and the job queue (`JobQueue`). SQLite today (`SQLiteJobStore`), PostgreSQL later; every
/// method is one transaction, and nothing in either protocol is specific to SQLite.
public typealias JobStore = CatalogStore & JobQueue

/// What the stages read and write: items, stored files, renditions, processor results. A write
/// made for a job item carries its `ItemLease` and changes nothing once the lease has passed
/// to another attempt (it throws `StoreError.leaseLost`).
public protocol CatalogStore: Sendable {
    /// Adds the item (and its source, creators and collection link) or refreshes its
    /// metadata; returns its catalog id and the original the library already holds for it.
    func upsertItem(_ item: MediaItem) async throws -> CatalogEntry

    /// What the catalog holds for an item already in it (no write).
    func catalogEntry(itemID: Int64) async throws -> CatalogEntry

    /// The primary stored original of an item, if it has one.
    func storedOriginal(itemID: Int64) async throws -> StoredFile?

    /// An original already stored with this content, on `backend`.
    func storedOriginal(sha256: String, backend: String) async throws -> StoredFile?

    /// Records that the item's original is the content `sha256` stored at `locator` on
    /// `backend`: one asset per distinct content, linked to every item that has it. With a
    /// `description` (what the probe learned), also updates the item and marks it succeeded,
    /// in the same transaction.
    func recordOriginal(
        itemID: Int64, sha256: String, size: Int64, format: String?, backend: String, locator: String,
        description: ItemDescription?, lease: ItemLease?
    ) async throws -> StoredFile

    /// Records an original on its way to a backend (uploaded before it is recorded there):
    /// its asset only, with no location and no link to an item yet. Returns the asset's id.
    func recordOriginalAsset(sha256: String, size: Int64, format: String?, lease: ItemLease?) async throws -> Int64

    /// Records a rendition of the original with content `originalSHA256`: a file asset of kind
    /// `rendition` (one per original and profile) at `locator` on `backend`, linked to the item,
    /// with the warnings its transcode gave and the key it was made from; a failure recorded
    /// for it before is cleared.
    func recordRendition(
        itemID: Int64, originalSHA256: String, profile: String, sha256: String, size: Int64, format: String?,
        warnings: [String], key: OutputKey?, backend: String, locator: String, lease: ItemLease?
    ) async throws -> StoredRendition

    /// Records a rendition made but not stored anywhere yet (in the temp folder, on its way to a
    /// backend): its asset and link to the item as `recordRendition`, without a location (the
    /// upload that puts it on a backend records that). Returns the asset's id.
    func recordRenditionAsset(
        itemID: Int64, originalSHA256: String, profile: String, sha256: String, size: Int64, format: String?,
        warnings: [String], key: OutputKey?, lease: ItemLease?
    ) async throws -> Int64

    /// Records that rendition `profile` (with `settings`, the profile's fingerprint) of the
    /// original with content `originalSHA256` could not be made, and why; the lease's job is
    /// kept as the one that tried.
    func recordRenditionFailure(originalSHA256: String, profile: String, settings: String, error: String, lease: ItemLease?) async throws
    /// The failure recorded for that rendition, if any.
    func renditionFailure(originalSHA256: String, profile: String) async throws -> RenditionFailure?

    /// The rendition `profile` of the original with content `originalSHA256`, if one is stored;
    /// when there is one, it is linked to `itemID` too (items that share content share renditions).
    func storedRendition(originalSHA256: String, profile: String, linkTo itemID: Int64, lease: ItemLease?) async throws -> StoredRendition?

    /// Claims the placing of `content` on `backend` for the attempt `lease`, so that two runners
    /// (processes, machines) never place the same content twice: `.placed` when it is recorded
    /// already (unless `replacing`, for content recorded but missing or to be made again),
    /// `.busy` while another attempt whose lease is alive places it, and `.claimed` otherwise
    /// (no claim yet, the caller's own, or one left by an attempt that died or lost its lease).
    /// Recording the content (`recordOriginal`, `recordRendition`) marks it placed.
    func claimContent(_ content: ContentKey, backend: String, lease: ItemLease, replacing: Bool) async throws -> ContentClaim
    /// Gives up `lease`'s claim on `content` (its placing failed); another claim's is untouched.
    func releaseContent(_ content: ContentKey, backend: String, lease: ItemLease) async throws

    func setStatus(itemID: Int64, _ status: ItemStatus, error: String?) async throws

    /// Keeps a processor's result for the item (one per processor); with a `description` (what a
    /// probe of the stored original learned), also updates the item, in the same transaction.
    func saveProcessorResult(
        itemID: Int64, processor: String, version: Int, json: String, description: ItemDescription?, lease: ItemLease?
    ) async throws
    func processorResult(itemID: Int64, processor: String) async throws -> String?

    /// Keeps a processor's result for an asset (one per asset and processor, replacing the one
    /// before), with the key it was made from.
    func saveAssetResult(assetID: Int64, processor: String, version: Int, key: OutputKey, json: String, lease: ItemLease?) async throws
    /// Every processor result of the asset, by processor name.
    func assetResults(assetID: Int64) async throws -> [ProcessorRecord]
    /// Every asset's result of one processor, by asset.
    func assetResults(processor: String) async throws -> [ProcessorRecord]
    /// The album of an item that is in exactly one collection — it and every item with the same
    /// original, so that one file never belongs to two albums: that collection's name (its
    /// title, else its locator) and the `processor` result of each of its items' stored
    /// originals (nil for an item without one); nil for an item in no collection or in several.
    func albumResults(itemID: Int64, processor: String) async throws -> (collection: String, results: [String?])?

    /// Records a derived file of the original asset `parentAssetID` (one per kind and `name`:
    /// made again, it takes the new content), linked to the item, at `locator` on `backend`,
    /// with the key it was made from.
    func recordDerivedFile(
        itemID: Int64, parentAssetID: Int64, kind: DerivedKind, name: String, sha256: String, size: Int64, format: String?,
        key: OutputKey, backend: String, locator: String, lease: ItemLease?
    ) async throws -> DerivedFile
    /// The derived files of an original asset, by kind and name.
    func derivedFiles(parentAssetID: Int64) async throws -> [DerivedFile]
    /// Takes a made output out of the store — a rendition or derived file (its asset, links,
    /// locations and content claim), never an original — and returns where its files were, for
    /// the caller to delete; a processor result the same way by asset and processor.
    func removeOutput(assetID: Int64, lease: ItemLease?) async throws -> [StoredFile]
    func removeAssetResult(assetID: Int64, processor: String, lease: ItemLease?) async throws
    /// Takes the item's own original `assetID` from it — linking it to `linkTo`'s files instead
    /// when given (another copy of the same recording), else marking it skipped — and, when no
    /// other item has that original, takes it and what was made from it out of the store;
    /// returns where those files were, for the caller to delete. `reason` is kept on the item.
    func dropOriginal(itemID: Int64, assetID: Int64, linkTo: Int64?, reason: String, lease: ItemLease?) async throws -> [StoredFile]

    /// Every item with a stored original (and its renditions), ordered by source, creator,
    /// title; with `includingUnstored`, the catalog items without one too.
    func libraryItems(includingUnstored: Bool) async throws -> [LibraryEntry]
    /// Takes items out of the catalog; the files no other item refers to lose their records
    /// and are returned.
    func removeItems(_ ids: [Int64]) async throws -> RemovedItems
}
