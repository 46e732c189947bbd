import Synchronization

/// A cap in bytes per second shared by every transfer that takes from it (the network lane's
/// `--limit-rate`): a token bucket that may go into debt. Each transfer reports the bytes it
/// just received and waits as long as the bucket's debt says, so together they never run
/// ahead of the cap by more than half a second's worth (room for sleeps that overshoot on a
/// busy machine).
public final class BandwidthLimit: Sendable {
    public let bytesPerSecond: Int64
    private let burst: Double
    /// Time since some fixed start (the monotonic clock; a test gives its own).
    private let now: @Sendable () -> Duration
    private let state: Mutex<(tokens: Double, last: Duration, charged: Int64)>

    public init(bytesPerSecond: Int64, now: (@Sendable () -> Duration)? = nil) {
        precondition(bytesPerSecond > 0)
        self.bytesPerSecond = bytesPerSecond
        burst = max(Double(bytesPerSecond) / 2, 16_384)
        let start = ContinuousClock.now
        let clock = now ?? { ContinuousClock.now - start }
        self.now = clock
        state = Mutex((tokens: 0, last: clock(), charged: 0))
    }

    /// Bytes taken from the bucket so far, by every transfer that shares it.
    public var charged: Int64 { state.withLock { $0.charged } }

    /// Takes `bytes` from the bucket; how long the caller must wait before it takes more.
    public func take(_ bytes: Int64) -> Duration {
        let rate = Double(bytesPerSecond)
        let debt = state.withLock { state -> Double in
            let now = now()
            let elapsed = now - state.last
            state.last = now
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            state.tokens = min(burst, state.tokens + seconds * rate) - Double(bytes)
            state.charged += bytes
            return -state.tokens
        }
        return debt > 0 ? .nanoseconds(Int64(debt / rate * 1e9)) : .zero
    }
}
