// Public imports: the channel is inlinable (see `Graph.run`).
public import Synchronization

/// A bounded multi-producer, multi-consumer channel: `send` suspends while the buffer is full,
/// which is what carries backpressure from a slow stage back to the source.
///
/// The state lives in `BoundedChannelStateMachine` under a `Mutex`; continuations are resumed
/// only after the lock is released.
@usableFromInline
package final class BoundedChannel<Element: Sendable>: Sendable {
    @usableFromInline typealias SendWaiter = UnsafeContinuation<Void, any Error>
    @usableFromInline typealias ReceiveWaiter = UnsafeContinuation<Element?, any Error>
    @usableFromInline typealias StateMachine = BoundedChannelStateMachine<Element, SendWaiter, ReceiveWaiter>

    @usableFromInline let state: Mutex<StateMachine>

    @inlinable
    package init(capacity: Int) {
        state = Mutex(StateMachine(capacity: capacity))
    }

    @inlinable
    package var capacity: Int { state.withLock { $0.capacity } }

    /// Senders suspended because the channel is full (a measure of backpressure).
    @inlinable
    package var waitingSenders: Int { state.withLock { $0.waitingSenders } }

    /// Sends an element, suspending while the channel is full.
    /// Throws `CancellationError` if the task is cancelled while waiting, and
    /// `ChannelFinishedError` if the channel was finished.
    @inlinable
    package func send(_ element: Element) async throws {
        switch state.withLock({ $0.send(element) }) {
        case .buffered:
            return
        case .deliver(let receiver, let element):
            receiver.resume(returning: element)
        case .finished:
            throw ChannelFinishedError()
        case .full(let element, let id):
            try await suspendSender(element, id: id)
        }
    }

    @inlinable
    func suspendSender(_ element: Element, id: UInt64) async throws {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (waiter: SendWaiter) in
                switch state.withLock({ $0.suspendSender(id: id, element: element, waiter: waiter) }) {
                case .suspended:
                    break
                case .resume(let sender, let delivery):
                    if let (receiver, element) = delivery { receiver.resume(returning: element) }
                    sender.resume()
                case .fail(let sender):
                    sender.resume(throwing: CancellationError())
                case .finished(let sender):
                    sender.resume(throwing: ChannelFinishedError())
                }
            }
        } onCancel: {
            state.withLock { $0.cancelSender(id: id) }?.resume(throwing: CancellationError())
        }
    }

    /// The next element, or nil once the channel is finished and drained.
    /// Throws `CancellationError` if the task is cancelled while waiting.
    @inlinable
    package func receive() async throws -> Element? {
        switch state.withLock({ $0.receive() }) {
        case .element(let element, let sender):
            sender?.resume()
            return element
        case .finished:
            return nil
        case .empty(let id):
            return try await suspendReceiver(id: id)
        }
    }

    @inlinable
    func suspendReceiver(id: UInt64) async throws -> Element? {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (waiter: ReceiveWaiter) in
                switch state.withLock({ $0.suspendReceiver(id: id, waiter: waiter) }) {
                case .suspended:
                    break
                case .resume(let receiver, let element, let sender):
                    sender?.resume()
                    receiver.resume(returning: element)
                case .fail(let receiver):
                    receiver.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            state.withLock { $0.cancelReceiver(id: id) }?.resume(throwing: CancellationError())
        }
    }

    /// No more elements will be sent; receivers get what is buffered, then nil.
    @inlinable
    package func finish() {
        for receiver in state.withLock({ $0.finish() }) {
            receiver.resume(returning: nil)
        }
    }

    /// After cancellation: removes and returns everything still in the channel so its owners
    /// can clean up; waiting senders fail with `CancellationError`.
    @inlinable
    package func drain() -> [Element] {
        let (elements, senders, receivers) = state.withLock { $0.drain() }
        for sender in senders { sender.resume(throwing: CancellationError()) }
        for receiver in receivers { receiver.resume(returning: nil) }
        return elements
    }
}

/// `send` on a channel that was already finished.
@usableFromInline
package struct ChannelFinishedError: Error, CustomStringConvertible {
    @inlinable package init() {}
    @inlinable
    package var description: String { "send on a finished channel" }
}
