import DequeModule

/// A counting semaphore with first-come, first-served waiters, as a pure state machine
/// (see `BoundedChannelStateMachine` for the pattern). A lane holds at most `limit` permits
/// out at once, across every stage and job that uses it.
public struct LaneStateMachine<Waiter> {
    public let limit: Int
    public private(set) var inUse = 0
    private var waiters: Deque<(id: UInt64, waiter: Waiter)> = []
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

    /// Takes a permit when one is free and nobody is queued ahead.
    public mutating func acquire() -> AcquireResult {
        if takeFreePermit() { return .granted }
        nextID &+= 1
        pending.insert(nextID)
        return .wait(id: nextID)
    }

    private mutating func takeFreePermit() -> Bool {
        guard inUse < limit, waiters.isEmpty else { return false }
        inUse += 1
        return true
    }

    public enum SuspendAction {
        case suspended
        /// A permit came free before the waiter registered: it holds one now.
        case resume(Waiter)
        /// Cancelled before registering.
        case fail(Waiter)
    }

    public mutating func suspend(id: UInt64, waiter: Waiter) -> SuspendAction {
        pending.remove(id)
        if cancelledBeforeWaiting.remove(id) != nil { return .fail(waiter) }
        if takeFreePermit() { return .resume(waiter) }
        waiters.append((id, waiter))
        return .suspended
    }

    /// Returns a permit; the returned waiter (if any) now holds it and must be resumed.
    public mutating func release() -> Waiter? {
        precondition(inUse > 0, "lane released more often than acquired")
        if let next = waiters.popFirst() { return next.waiter }
        inUse -= 1
        return nil
    }

    public mutating func cancel(id: UInt64) -> Waiter? {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            return waiters.remove(at: index).waiter
        }
        if pending.contains(id) { cancelledBeforeWaiting.insert(id) }  // else: already resumed
        return nil
    }
}
