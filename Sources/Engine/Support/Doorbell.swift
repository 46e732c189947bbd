import Synchronization

/// A poll that can be cut short: `wait(upTo:)` sleeps until the timeout or the next `ring()`,
/// whichever comes first. A ring wakes every waiter; a ring while nobody waits is kept for the
/// next wait, so news that arrives between a check and the wait is never slept through.
package final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func ring() {
        let waiters = state.withLock { state in
            defer { state.waiters = [:] }
            if state.waiters.isEmpty { state.rung = true }
            return state.waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    /// Returns at the next ring or after `timeout`; throws `CancellationError` when the task is cancelled.
    public func wait(upTo timeout: Duration) async throws {
        guard !state.withLock({ state in defer { state.rung = false }; return state.rung }) else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.rung() }
            await group.next()
            group.cancelAll()
        }
        try Task.checkCancellation()
    }

    /// Suspends until a ring (or the task's cancellation).
    private func rung() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
