import Synchronization

/// A shared resource limit (`network`, `disk`, `cpu`): at most `limit` holders at once.
public final class Lane: Sendable {
    typealias Waiter = UnsafeContinuation<Void, any Error>

    public let name: String
    private let state: Mutex<LaneStateMachine<Waiter>>

    public init(name: String, limit: Int) {
        self.name = name
        state = Mutex(LaneStateMachine(limit: limit))
    }

    public var limit: Int { state.withLock { $0.limit } }
    public var inUse: Int { state.withLock { $0.inUse } }

    /// Waits for a permit (first come, first served). Throws `CancellationError` if cancelled.
    public func acquire() async throws {
        guard case .wait(let id) = state.withLock({ $0.acquire() }) else { return }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (waiter: Waiter) in
                switch state.withLock({ $0.suspend(id: id, waiter: waiter) }) {
                case .suspended: break
                case .resume(let waiter): waiter.resume()
                case .fail(let waiter): waiter.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            state.withLock { $0.cancel(id: id) }?.resume(throwing: CancellationError())
        }
    }

    public func release() {
        state.withLock { $0.release() }?.resume()
    }

    /// Runs `body` holding a permit, released however `body` ends.
    public func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }
}
