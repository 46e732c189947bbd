import Synchronization

/// Views read from the store kept for a moment (250 ms) and shared: however many pages and
/// clients ask, the dashboard and a job's page are read at most four times a second, so the
/// console costs the runner a bounded share of the store. A view is kept only while the event
/// stream's `generation` is the one it was read in: a page refreshing after an event always
/// reads anew.
final class RecentViews<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// Per key: when its read started, in which generation, and the read (callers that come
    /// while it runs wait for the same one).
    private let reads = Mutex<[Key: (at: ContinuousClock.Instant, generation: Int, read: Task<Value, any Error>)]>([:])
    let maxAge: Duration

    init(maxAge: Duration = .milliseconds(250)) {
        self.maxAge = maxAge
    }

    func value(_ key: Key, generation: Int, load: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let now = ContinuousClock.now
        let read = reads.withLock { reads in
            if let kept = reads[key], now - kept.at < maxAge, kept.generation == generation { return kept.read }
            reads = reads.filter { now - $0.value.at < maxAge }  // what has aged goes (closed job pages)
            let read = Task { try await load() }
            reads[key] = (now, generation, read)
            return read
        }
        return try await read.value
    }
}
