public import Engine

/// Per-source download caps (`resolve.sources[].max_concurrent`), counted in the store so
/// that they hold across every worker sharing it: a download from a capped source waits for
/// one of the source's slots — holding no network permit meanwhile, so uploads and other
/// sources' downloads go on — and gives it back when its transfer ends. A wait the run's stop
/// (a pause) reaches gives the item back to the queue.
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
    /// no cap, or the item is not a job's (no lease to hold a slot with). Throws
    /// `ItemReleased` when the run stops while it waits.
    func withSlot<T: Sendable>(for item: MediaItem, context: StageContext, _ body: () async throws -> T) async throws -> T {
        let source = Self.source(of: item)
        guard let limit = limits[source], let lease = item.lease else { return try await body() }
        var pause = Duration.milliseconds(50)
        while try await !take(source, limit: limit, lease: lease) {
            if context.isStopping { throw ItemReleased() }
            try await Task.sleep(for: pause + .milliseconds(Int.random(in: 0...25)))
            pause = min(pause * 2, .milliseconds(400))
        }
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        // Given back (a few tries while the store is unreachable); a slot that is not frees
        // itself when the attempt ends.
        for attempt in 1...3 {
            do {
                try await store.releaseSourceSlot(source, lease: lease)
                break
            } catch let error as StoreError where error.isTransient && attempt < 3 {
                try? await Task.sleep(for: .milliseconds(500 * attempt))
            } catch {
                break
            }
        }
        return try result.get()
    }

    /// One try at a slot; a store that cannot be reached now (a restart) counts as no slot
    /// yet, not as the download's failure.
    private func take(_ source: String, limit: Int, lease: ItemLease) async throws -> Bool {
        do {
            return try await store.takeSourceSlot(source, limit: limit, lease: lease)
        } catch let error as StoreError where error.isTransient {
            return false
        }
    }
}
