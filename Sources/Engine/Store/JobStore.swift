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

    /// Records a rendition of the original with content `originalSHA256`: a file asset of kind
    /// `rendition` (one per original and profile) at `locator` on `backend`, linked to the item.
    func recordRendition(
        itemID: Int64, originalSHA256: String, profile: String, sha256: String, size: Int64, format: String?,
        backend: String, locator: String, lease: ItemLease?
    ) async throws -> StoredRendition

    /// The rendition `profile` of the original with content `originalSHA256`, if one is stored;
    /// when there is one, it is linked to `itemID` too (items that share content share renditions).
    func storedRendition(originalSHA256: String, profile: String, linkTo itemID: Int64, lease: ItemLease?) async throws -> StoredRendition?

    func setStatus(itemID: Int64, _ status: ItemStatus, error: String?) async throws

    func saveProcessorResult(itemID: Int64, processor: String, version: Int, json: String, lease: ItemLease?) async throws
    func processorResult(itemID: Int64, processor: String) async throws -> String?

    /// Every item with a stored original (and its renditions), ordered by source, creator, title.
    func libraryItems() async throws -> [LibraryEntry]
}
