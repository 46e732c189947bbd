public import Engine

/// First stage: records the item in the catalog, and skips it when the library already holds
/// its original (a second run over the same input downloads nothing).
public struct CatalogStage: ItemStage {
    public let store: any JobStore
    public let library: LocalLibrary

    public init(store: any JobStore, library: LocalLibrary) {
        self.store = store
        self.library = library
    }

    public var name: String { "catalog" }
    /// Several at once, so their writes share group commits.
    public var concurrency: Int { 8 }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        var item = item
        let entry = try await store.upsertItem(item)
        item.catalogID = entry.itemID
        if let stored = entry.storedOriginal, library.holds(stored.locator, size: stored.size) {
            item.locator = stored.locator
            item.sha256 = stored.sha256
            return .skip(item, reason: "already in the library at \(stored.locator)")
        }
        return .forward(item)
    }
}
