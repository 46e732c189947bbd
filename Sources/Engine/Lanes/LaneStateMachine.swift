import DequeModule

/// A counting semaphore with first-come, first-served waiters, as a pure state machine
/// (see `BoundedChannelStateMachine` for the pattern). A lane holds at most `limit` permits
/// out at once, across every stage and job that uses it. A holder may take several at once (a
/// codec that runs several threads counts each against the cpu lane); a request for more than
/// the limit takes the whole lane.
package struct LaneStateMachine<Waiter> {
    public let limit: Int
    public private(set) var inUse = 0
    private var waiters: Deque<(id: UInt64, weight: Int, waiter: Waiter)> = []
    /// Ids handed out by `acquire` whose waiter has not registered yet, and those of them
    /// cancelled meanwhile.
    private var pending: Set<UInt64> = []
    private var cancelledBeforeWaiting: Set<UInt64> = []
    private var nextID: UInt64 = 0

    public init(limit: Int) {
        precondition(limit >= 1, "a lane needs at least one permit")
        self.limit = limit
    }

    public var waiting: Int { waiters.count }

    public enum AcquireResult: Equatable {
        case granted
        /// Suspend (`suspend`) under this id.
        case wait(id: UInt64)
    }

    /// The permits a request for `weight` takes: 1 to `limit`.
    public func permits(_ weight: Int) -> Int { min(max(weight, 1), limit) }

    /// Takes `weight` permits when they are free and nobody is queued ahead.
    public mutating func acquire(weight: Int = 1) -> AcquireResult {
        if takeFreePermits(permits(weight)) { return .granted }
        nextID &+= 1
        pending.insert(nextID)
        return .wait(id: nextID)
    }

    private mutating func takeFreePermits(_ count: Int) -> Bool {
        guard inUse + count <= limit, waiters.isEmpty else { return false }
        inUse += count
        return true
    }

    public enum SuspendAction {
        case suspended
        /// A permit came free before the waiter registered: it holds one now.
        case resume(Waiter)
        /// Cancelled before registering.
        case fail(Waiter)
    }

    public mutating func suspend(id: UInt64, weight: Int = 1, waiter: Waiter) -> SuspendAction {
        pending.remove(id)
        if cancelledBeforeWaiting.remove(id) != nil { return .fail(waiter) }
        let count = permits(weight)
        if takeFreePermits(count) { return .resume(waiter) }
        waiters.append((id, count, waiter))
        return .suspended
    }

    /// Returns `weight` permits (as acquired); the returned waiters now hold theirs and must be
    /// resumed, in order.
    public mutating func release(weight: Int = 1) -> [Waiter] {
        let count = permits(weight)
        precondition(inUse >= count, "lane released more often than acquired")
        inUse -= count
        return grantQueued()
    }

    /// Grants queued waiters in order while the first one's permits are free.
    private mutating func grantQueued() -> [Waiter] {
        var granted: [Waiter] = []
        while let first = waiters.first, inUse + first.weight <= limit {
            inUse += first.weight
            granted.append(waiters.removeFirst().waiter)
        }
        return granted
    }

    /// The cancelled waiter (to fail), if it was queued, and those that may go now that it no
    /// longer stands ahead of them (to resume).
    public mutating func cancel(id: UInt64) -> (cancelled: Waiter?, granted: [Waiter]) {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            let cancelled = waiters.remove(at: index).waiter
            return (cancelled, grantQueued())
        }
        if pending.contains(id) { cancelledBeforeWaiting.insert(id) }  // else: already resumed
        return (nil, [])
    }
}
