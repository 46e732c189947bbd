/// How a job item that failed on a transient error (a 503, a dropped connection) is tried
/// again: up to `attempts` tries in all, each after an exponential backoff with jitter, never
/// sooner than the server's `Retry-After`. The wait is job state (`next_attempt_at`): a
/// restart keeps it, and a waiting item holds no lane, thread or lease.
public struct RetryPolicy: Sendable, Equatable {
    /// Tries in all, the first included (1: never retried).
    public var attempts: Int
    /// The wait after the first failure; it doubles with each further one, up to `maxDelay`.
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// A server that asks for a longer wait than this is not waited for: the item fails.
    public var maxRetryAfter: Duration

    public init(
        attempts: Int = 5, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(300), maxRetryAfter: Duration = .seconds(3600)
    ) {
        self.attempts = attempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// How long to wait before the next try after try number `attempt` (1-based) failed on a
    /// transient error, or nil when no try is left (or the server asks for more than
    /// `maxRetryAfter`). "Equal jitter": half the backoff, plus a
    /// random part of the other half (`random` in 0..<1), so clients that failed together do
    /// not come back together, and each still waits at least half its backoff.
    public func delay(after attempt: Int, retryAfter: Duration?, random: Double) -> Duration? {
        guard attempt < attempts, (retryAfter ?? .zero) <= maxRetryAfter else { return nil }
        let exponent = min(max(attempt - 1, 0), 30)
        let backoff = min(maxDelay, baseDelay * (1 << exponent))
        let jittered = backoff / 2 + (backoff / 2) * min(max(random, 0), 1)
        return max(jittered, retryAfter ?? .zero)
    }

    /// The wait before another try after `error` ended try `attempt`: nil for a permanent
    /// error, or when no try is left.
    public func delay(after attempt: Int, failingWith error: any Error, random: Double) -> Duration? {
        guard let classified = error as? any ClassifiedError, classified.isTransient else { return nil }
        return delay(after: attempt, retryAfter: classified.retryAfter, random: random)
    }
}

/// What kind of failure an item's error is (`job_items.error_kind`), for `jobs show`, retries
/// and reports.
public enum ItemErrorKind: String, Sendable, Codable, CaseIterable {
    case http4xx = "http_4xx"
    case http5xx = "http_5xx"
    /// Connection refused or reset, timeouts, stalls, a connection closed early.
    case network
    /// Not media, or media libav cannot read.
    case invalidMedia = "invalid_media"
    /// No space, a file that cannot be written.
    case disk
    case config
    case other
}

/// An error that says what kind it is and whether trying again may help. Errors that do not
/// conform are permanent, of kind `other`.
public protocol ClassifiedError: Error {
    var kind: ItemErrorKind { get }
    /// Trying again later may succeed (a 503, a reset connection); false for a 404 or bad media.
    var isTransient: Bool { get }
    /// How long the server asked the client to wait (HTTP `Retry-After`).
    var retryAfter: Duration? { get }
}

extension ClassifiedError {
    public var isTransient: Bool { false }
    public var retryAfter: Duration? { nil }
}
