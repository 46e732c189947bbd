import Synchronization

/// A shared resource limit (`network`, `disk`, `cpu`): at most `limit` permits out at once; a
/// holder takes one, or (`weight`) several.
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

    /// Waits for `weight` permits (first come, first served; more than the limit takes the
    /// whole lane). Throws `CancellationError` if cancelled.
    public func acquire(weight: Int = 1) async throws {
        guard case .wait(let id) = state.withLock({ $0.acquire(weight: weight) }) else { return }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (waiter: Waiter) in
                switch state.withLock({ $0.suspend(id: id, weight: weight, waiter: waiter) }) {
                case .suspended: break
                case .resume(let waiter): waiter.resume()
                case .fail(let waiter): waiter.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let (cancelled, granted) = state.withLock { $0.cancel(id: id) }
            cancelled?.resume(throwing: CancellationError())
            for waiter in granted { waiter.resume() }
        }
    }

    public func release(weight: Int = 1) {
        for waiter in state.withLock({ $0.release(weight: weight) }) { waiter.resume() }
    }

    /// Runs `body` holding `weight` permits, released however `body` ends.
    public func withPermit<T>(weight: Int = 1, _ body: () async throws -> T) async throws -> T {
        try await acquire(weight: weight)
        defer { release(weight: weight) }
        return try await body()
    }
}
