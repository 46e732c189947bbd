import DequeModule

/// The messages waiting for one event-stream client, bounded: a message with a key replaces
/// the waiting one with the same key (progress of one item, the state of one job), and when
/// the buffer is full everything waiting is dropped for one `overflow` message that tells the
/// page to reload what it shows. A slow browser costs at most `capacity` messages.
struct SubscriberBufferStateMachine<Waiter> {
    private var queue: Deque<(key: String?, payload: String)> = []
    private var waiter: Waiter?
    private var finished = false
    let capacity: Int
    let overflow: String

    init(capacity: Int, overflow: String) {
        precondition(capacity >= 1)
        self.capacity = capacity
        self.overflow = overflow
    }

    var waiting: Int { queue.count }

    enum PushAction {
        case none
        /// Hand the message to the reader that waits for one.
        case resume(Waiter, String)
    }

    mutating func push(_ payload: String, key: String? = nil) -> PushAction {
        guard !finished else { return .none }
        if let waiter {
            self.waiter = nil
            return .resume(waiter, payload)
        }
        if let key, let index = queue.firstIndex(where: { $0.key == key }) {
            queue[index].payload = payload
        } else if queue.count >= capacity {
            queue = [(key: "overflow", payload: overflow)]
        } else {
            queue.append((key: key, payload: payload))
        }
        return .none
    }

    enum NextAction: Equatable {
        case message(String)
        /// Nothing waits: the reader waits (its waiter is kept).
        case suspend
        case finished
    }

    mutating func next(_ waiter: Waiter) -> NextAction {
        if let first = queue.popFirst() { return .message(first.payload) }
        if finished { return .finished }
        precondition(self.waiter == nil, "one reader at a time")
        self.waiter = waiter
        return .suspend
    }

    /// The stream ends; the waiting reader (if any) is resumed with nothing. Messages already
    /// waiting are still read.
    mutating func finish() -> Waiter? {
        finished = true
        defer { waiter = nil }
        return waiter
    }
}
