import Synchronization

/// One event-stream client's bounded buffer (`SubscriberBufferStateMachine` under a mutex;
/// continuations are resumed outside the lock). The stream's writer reads it with `next()`.
final class SubscriberBuffer: Sendable {
    let jobID: Int64?
    private let state: Mutex<SubscriberBufferStateMachine<CheckedContinuation<String?, Never>>>

    init(jobID: Int64?, capacity: Int = 256) {
        self.jobID = jobID
        state = Mutex(SubscriberBufferStateMachine(capacity: capacity, overflow: "event: overflow\ndata: {}\n\n"))
    }

    /// Queues a message (one whole SSE message, ending in a blank line); `key` coalesces.
    func push(_ message: String, key: String? = nil) {
        if case .resume(let waiter, let message) = state.withLock({ $0.push(message, key: key) }) {
            waiter.resume(returning: message)
        }
    }

    /// The next message, or nil once the stream is finished (or the reading task canceled).
    func next() async -> String? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                switch state.withLock({ $0.next(continuation) }) {
                case .message(let message): continuation.resume(returning: message)
                case .finished: continuation.resume(returning: nil)
                case .suspend: if Task.isCancelled { finish() }
                }
            }
        } onCancel: {
            finish()
        }
    }

    func finish() {
        state.withLock { $0.finish() }?.resume(returning: nil)
    }
}
