/// The collector of a `download_only` or `reprocess` job: its one input is the catalog itself,
/// and what it finds are the catalog items not yet stored, or (`stored`) those stored (of the
/// job's sources or collections, if any).
package struct CatalogCollector: JobCollector {
    public static let input = "catalog"
    public let store: any JobStore
    public let scope: JobScope
    public let backend: String
    public let stored: Bool

    public init(store: any JobStore, scope: JobScope, backend: String, stored: Bool = false) {
        self.store = store
        self.scope = scope
        self.backend = backend
        self.stored = stored
    }

    /// A catalog that cannot be read stops the collection (the job is queued again), rather
    /// than looking like an empty one.
    public func collect(_ input: String) async throws -> (items: [MediaItem], issues: [SourceIssue]) {
        (try await store.catalogItems(stored: stored, on: backend, sources: scope.sources, collections: scope.collections), [])
    }
}
