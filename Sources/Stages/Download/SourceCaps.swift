public import Engine

/// Per-source download caps (`resolve.sources[].max_concurrent`), counted in the store so
/// that they hold across every worker sharing it: a download from a capped source waits for
/// one of the source's slots (holding its place in the worker's network lane meanwhile) and
/// gives it back when its transfer ends.
public struct SourceCaps: Sendable {
    /// Source name → most downloads from it at once.
    public let limits: [String: Int]
    let store: any JobQueue

    /// The caps of `plan`'s sources, counted in `store`; nil when no source has one.
    public init?(_ plan: ResolvePlan?, store: (any JobQueue)?) {
        let limits = Dictionary((plan?.sources ?? []).compactMap { source in source.maxConcurrent.map { (source.name, $0) } }) { $1 }
        guard !limits.isEmpty, let store else { return nil }
        self.limits = limits
        self.store = store
    }

    /// The source an item downloads from: the one its resolver chose, else the one it was
    /// collected from (its own URL).
    static func source(of item: MediaItem) -> String { item.resolvedSource ?? item.source }

    /// `body` run while holding one of the item's source's slots; at once when the source has
    /// no cap, or the item is not a job's (no lease to hold a slot with).
    func withSlot<T: Sendable>(for item: MediaItem, _ body: () async throws -> T) async throws -> T {
        let source = Self.source(of: item)
        guard let limit = limits[source], let lease = item.lease else { return try await body() }
        var pause = Duration.milliseconds(50)
        while try await !store.takeSourceSlot(source, limit: limit, lease: lease) {
            try await Task.sleep(for: pause + .milliseconds(Int.random(in: 0...25)))
            pause = min(pause * 2, .milliseconds(400))
        }
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        // A slot not given back (the store unreachable) frees itself when the attempt ends.
        try? await store.releaseSourceSlot(source, lease: lease)
        return try result.get()
    }
}
