import Synchronization

/// Views read from the store kept for a moment (250 ms) and shared: however many pages and
/// clients ask, the dashboard and a job's page are read at most four times a second, so the
/// console costs the runner a bounded share of the store. A view is kept only while the event
/// stream's `generation` is the one it was read in: a page refreshing after an event always
/// reads anew.
final class RecentViews<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let values = Mutex<[Key: (at: ContinuousClock.Instant, generation: Int, value: Value)]>([:])
    let maxAge: Duration

    init(maxAge: Duration = .milliseconds(250)) {
        self.maxAge = maxAge
    }

    func value(_ key: Key, generation: Int, load: () async throws -> Value) async throws -> Value {
        let now = ContinuousClock.now
        if let kept = values.withLock({ $0[key] }), now - kept.at < maxAge, kept.generation == generation { return kept.value }
        let value = try await load()
        values.withLock { values in
            values = values.filter { now - $0.value.at < maxAge }  // what has aged goes (closed job pages)
            values[key] = (now, generation, value)
        }
        return value
    }
}
