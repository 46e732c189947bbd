// A public import: the state machine is inlinable (see `Graph.run`).
public import DequeModule

/// The state of a bounded multi-producer, multi-consumer channel, with no locks and no tasks:
/// every event is a `mutating func` returning what the caller must do (resume whom, with what)
/// once it has left the lock. `SendWaiter`/`ReceiveWaiter` are continuations in production and
/// plain values in tests.
///
/// Invariants: `buffer.count <= capacity`; senders wait only while the buffer is full;
/// receivers wait only while it is empty.
@usableFromInline
package struct BoundedChannelStateMachine<Element, SendWaiter, ReceiveWaiter> {
    @usableFromInline package let capacity: Int
    @usableFromInline var buffer: Deque<Element> = []
    @usableFromInline var senders: Deque<(id: UInt64, element: Element, waiter: SendWaiter)> = []
    @usableFromInline var receivers: Deque<(id: UInt64, waiter: ReceiveWaiter)> = []
    /// Ids handed out with `.full`/`.empty`, whose waiter has not registered yet.
    @usableFromInline var pending: Set<UInt64> = []
    /// Of those, the ones cancelled before registering: their registration fails at once.
    @usableFromInline var cancelledBeforeWaiting: Set<UInt64> = []
    @usableFromInline var nextID: UInt64 = 0
    @usableFromInline var finished = false

    @inlinable
    public init(capacity: Int) {
        precondition(capacity >= 1, "a bounded channel needs room for at least one element")
        self.capacity = capacity
    }

    @inlinable
    public var bufferedCount: Int { buffer.count }
    @inlinable
    public var waitingSenders: Int { senders.count }
    @inlinable
    public var waitingReceivers: Int { receivers.count }

    // MARK: sending

    @usableFromInline
    package enum SendResult {
        /// Stored in the buffer; the sender goes on.
        case buffered
        /// A receiver was waiting: resume it with the element; the sender goes on.
        case deliver(ReceiveWaiter, Element)
        /// The buffer is full: the sender must suspend (`suspendSender`) with the element back,
        /// under this id (which `cancelSender` also takes).
        case full(Element, id: UInt64)
        /// The channel was finished: sending is a programming error or a late producer.
        case finished
    }

    @inlinable
    package mutating func send(_ element: Element) -> SendResult {
        if finished { return .finished }
        if let receiver = receivers.popFirst() { return .deliver(receiver.waiter, element) }
        if buffer.count < capacity {
            buffer.append(element)
            return .buffered
        }
        return .full(element, id: takeID())
    }

    @inlinable
    mutating func takeID() -> UInt64 {
        nextID &+= 1
        pending.insert(nextID)
        return nextID
    }

    /// Registration of a waiter with an id from `.full`/`.empty`: false when it was cancelled
    /// in between (it must fail at once).
    @inlinable
    mutating func register(_ id: UInt64) -> Bool {
        pending.remove(id)
        return cancelledBeforeWaiting.remove(id) == nil
    }

    /// A cancelled waiter that is not in a queue: if it has yet to register, remember to fail
    /// it then; if it was already resumed, there is nothing to do.
    @inlinable
    mutating func cancelUnqueued(_ id: UInt64) {
        if pending.contains(id) { cancelledBeforeWaiting.insert(id) }
    }

    @usableFromInline
    package enum SuspendSenderAction {
        case suspended
        /// Room appeared (or a receiver) before the sender registered: resume the sender, and
        /// the receiver with the element when one is given.
        case resume(SendWaiter, deliver: (ReceiveWaiter, Element)?)
        /// Cancelled before registering: resume the sender with `CancellationError`.
        case fail(SendWaiter)
        /// The channel was finished meanwhile: resume the sender with `ChannelFinishedError`.
        case finished(SendWaiter)
    }

    @inlinable
    package mutating func suspendSender(id: UInt64, element: Element, waiter: SendWaiter) -> SuspendSenderAction {
        guard register(id) else { return .fail(waiter) }
        if finished { return .finished(waiter) }
        if let receiver = receivers.popFirst() { return .resume(waiter, deliver: (receiver.waiter, element)) }
        if buffer.count < capacity {
            buffer.append(element)
            return .resume(waiter, deliver: nil)
        }
        senders.append((id, element, waiter))
        return .suspended
    }

    /// A waiting sender's task was cancelled: returns its waiter to fail, if it was waiting.
    @inlinable
    package mutating func cancelSender(id: UInt64) -> SendWaiter? {
        if let index = senders.firstIndex(where: { $0.id == id }) {
            return senders.remove(at: index).waiter
        }
        cancelUnqueued(id)
        return nil
    }

    // MARK: receiving

    @usableFromInline
    package enum ReceiveResult {
        /// An element; resume the sender that was waiting for room, when one is given.
        case element(Element, resumeSender: SendWaiter?)
        /// Nothing buffered: the receiver must suspend (`suspendReceiver`) under this id.
        case empty(id: UInt64)
        /// Finished and drained: the receiver ends.
        case finished
    }

    @inlinable
    package mutating func receive() -> ReceiveResult {
        if let element = buffer.popFirst() {
            return .element(element, resumeSender: admitWaitingSender())
        }
        return finished ? .finished : .empty(id: takeID())
    }

    @usableFromInline
    package enum SuspendReceiverAction {
        case suspended
        /// Resume the receiver with an element (and a sender that gained room), or with nil when
        /// the channel finished.
        case resume(ReceiveWaiter, Element?, resumeSender: SendWaiter?)
        case fail(ReceiveWaiter)
    }

    @inlinable
    package mutating func suspendReceiver(id: UInt64, waiter: ReceiveWaiter) -> SuspendReceiverAction {
        guard register(id) else { return .fail(waiter) }
        if let element = buffer.popFirst() {
            return .resume(waiter, element, resumeSender: admitWaitingSender())
        }
        if finished { return .resume(waiter, nil, resumeSender: nil) }
        receivers.append((id, waiter))
        return .suspended
    }

    @inlinable
    package mutating func cancelReceiver(id: UInt64) -> ReceiveWaiter? {
        if let index = receivers.firstIndex(where: { $0.id == id }) {
            return receivers.remove(at: index).waiter
        }
        cancelUnqueued(id)
        return nil
    }

    /// Moves the first waiting sender's element into the freed slot.
    @inlinable
    mutating func admitWaitingSender() -> SendWaiter? {
        guard let sender = senders.popFirst() else { return nil }
        buffer.append(sender.element)
        return sender.waiter
    }

    // MARK: finishing

    /// No more elements will be sent. Buffered elements are still received; waiting receivers
    /// (there are some only when the buffer is empty) are returned to be resumed with nil.
    @inlinable
    package mutating func finish() -> [ReceiveWaiter] {
        guard !finished else { return [] }
        finished = true
        let waiting = receivers.map(\.waiter)
        receivers.removeAll()
        return waiting
    }

    /// Takes every element still buffered or held by a waiting sender (after cancellation, so
    /// their owners can clean up), and returns the senders to fail and the receivers to end.
    @inlinable
    package mutating func drain() -> (elements: [Element], senders: [SendWaiter], receivers: [ReceiveWaiter]) {
        let elements = Array(buffer) + senders.map(\.element)
        let waitingSenders = senders.map(\.waiter)
        let waitingReceivers = receivers.map(\.waiter)
        buffer.removeAll()
        senders.removeAll()
        receivers.removeAll()
        finished = true
        return (elements, waitingSenders, waitingReceivers)
    }
}
