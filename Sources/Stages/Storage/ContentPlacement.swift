import Engine

/// Puts one content on a backend once, across the items and processes that have it: the
/// store's content claim (`CatalogStore.claimContent`) for the item's attempt, asked again
/// while another live attempt holds it; once it is recorded, `reuse` (the stored copy, if it
/// is still there); else `place` (put it there and record it). A content recorded but gone is
/// claimed to be placed again. Without a lease (a graph outside a job, one process) there is
/// no claim: the caller's own lock serializes.
enum ContentPlacement {
    static func place<T>(
        _ content: ContentKey, backend: String, lease: ItemLease?, store: any CatalogStore,
        reuse: () async throws -> T?, place: () async throws -> T
    ) async throws -> T {
        var replacing = false
        while true {
            let claim = try await Self.claim(content, backend: backend, lease: lease, store: store, replacing: replacing)
            // A fresh claim means nothing is recorded: no need to look.
            if claim != .claimed, let reused = try await reuse() { return reused }
            // Recorded, but gone from the backend: claim it to be placed again.
            if claim == .placed {
                replacing = true
                continue
            }
            return try await place()
        }
    }

    /// The store's claim on `content` for the attempt `lease`, asked again every
    /// `LocalLibrary.claimPoll` while another live attempt holds it (so never `.busy`); nil
    /// without a lease.
    static func claim(
        _ content: ContentKey, backend: String, lease: ItemLease?, store: any CatalogStore, replacing: Bool
    ) async throws -> ContentClaim? {
        guard let lease else { return nil }
        while true {
            let claim = try await store.claimContent(content, backend: backend, lease: lease, replacing: replacing)
            guard claim == .busy else { return claim }
            try await Task.sleep(for: LocalLibrary.claimPoll)
        }
    }

    /// Gives back `lease`'s claim on `content` (its attempt puts nothing there; another
    /// attempt's claim is untouched); nothing without a lease.
    static func release(_ content: ContentKey, backend: String, lease: ItemLease?, store: any CatalogStore) async throws {
        guard let lease else { return }
        try await store.releaseContent(content, backend: backend, lease: lease)
    }
}
