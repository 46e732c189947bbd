import Synchronization

/// Runs work for equal keys one at a time, and for different keys side by side: two items
/// with the same content wait for each other's rendition instead of both making it.
/// Waiters are resumed in arrival order, outside the lock; the lock is handed over, not
/// released and re-taken.
package final class KeyedLock<Key: Hashable & Sendable>: Sendable {
    /// A key present is held; its value is who waits for it.
    private let held = Mutex<[Key: [CheckedContinuation<Void, Never>]]>([:])

    public init() {}

    public func withLock<T>(_ key: Key, _ body: () async throws -> T) async rethrows -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    /// How many wait for `key` (not counting its holder).
    public func waiting(for key: Key) -> Int {
        held.withLock { $0[key]?.count ?? 0 }
    }

    private func acquire(_ key: Key) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = held.withLock { held in
                guard held[key] != nil else {
                    held[key] = []
                    return true
                }
                held[key]!.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    private func release(_ key: Key) {
        let next = held.withLock { held -> CheckedContinuation<Void, Never>? in
            guard var waiters = held[key], !waiters.isEmpty else {
                held[key] = nil
                return nil
            }
            let next = waiters.removeFirst()
            held[key] = waiters
            return next
        }
        next?.resume()
    }
}
