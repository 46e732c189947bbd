/// Where a resolver keeps its reasoning: the scoring trace of each job item (every candidate,
/// its scores, which was chosen and which failed), so that the next attempt at the item falls
/// back to the next candidate, and `engine items show KEY --explain` can say why.
public protocol ResolveTraceStore: Sendable {
    /// The trace an earlier attempt at the job item left, and the error that attempt ended with.
    func resolveHistory(jobItemID: Int64) async throws -> ResolveHistory
    /// Keeps `trace` (JSON) with the job item, under its lease: once the lease has passed on,
    /// nothing changes.
    func recordResolveTrace(_ trace: String, lease: ItemLease) async throws
    /// The newest trace kept for a catalog item (from its newest job item that has one).
    func resolveTrace(itemID: Int64) async throws -> String?
}

public struct ResolveHistory: Sendable, Equatable {
    public var trace: String?
    /// The error the last finished attempt ended with (a retry or a failure), and which attempt that was.
    public var lastError: String?
    public var lastErrorAttempt: Int?

    public init(trace: String?, lastError: String?, lastErrorAttempt: Int?) {
        self.trace = trace
        self.lastError = lastError
        self.lastErrorAttempt = lastErrorAttempt
    }
}
