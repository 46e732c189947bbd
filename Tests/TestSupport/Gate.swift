import Synchronization

/// A one-shot gate: `wait` suspends until `open` is called (tests use it instead of sleeps).
public final class Gate: Sendable {
    private let state = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    public init() {}

    public func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    public func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}

/// Counts concurrent holders and remembers the most seen at once.
public final class ConcurrencyProbe: Sendable {
    private let state = Mutex<(current: Int, peak: Int)>((0, 0))

    public init() {}

    public var peak: Int { state.withLock { $0.peak } }

    public func enter() {
        state.withLock {
            $0.current += 1
            $0.peak = max($0.peak, $0.current)
        }
    }

    public func leave() {
        state.withLock { $0.current -= 1 }
    }
}
