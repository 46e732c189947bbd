/// The collector of a `download_only` job: its one input is the catalog itself, and what it
/// finds are the catalog items not yet stored (of the job's sources or collections, if any).
public struct CatalogCollector: JobCollector {
    public static let input = "catalog"
    public let store: any JobStore
    public let scope: JobScope
    public let backend: String

    public init(store: any JobStore, scope: JobScope, backend: String) {
        self.store = store
        self.scope = scope
        self.backend = backend
    }

    /// A catalog that cannot be read stops the collection (the job is queued again), rather
    /// than looking like an empty one.
    public func collect(_ input: String) async throws -> (items: [MediaItem], issues: [SourceIssue]) {
        (try await store.itemsWithoutOriginal(on: backend, sources: scope.sources, collections: scope.collections), [])
    }
}
