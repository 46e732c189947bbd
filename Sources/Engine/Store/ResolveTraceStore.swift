/// Where a resolver keeps its reasoning: the scoring trace of each job item (every candidate,
/// its scores, which was chosen and which failed), and the sources that failed the item (a
/// download or probe of what they delivered failed), so that the next attempt falls back to the
/// next candidate and `engine items show KEY --explain` can say why.
public protocol ResolveTraceStore: Sendable {
    /// Every source failure recorded for the job item, oldest first.
    func sourceFailures(jobItemID: Int64) async throws -> [SourceFailure]
    /// Keeps `trace` (JSON) with the job item, under its lease: once the lease has passed on,
    /// nothing changes.
    func recordResolveTrace(_ trace: String, lease: ItemLease) async throws
    /// Records that what `failure.source` delivered for the job item failed, under its lease.
    func recordSourceFailure(_ failure: SourceFailure, lease: ItemLease) async throws
    /// The newest trace kept for a catalog item (from its newest job item that has one).
    func resolveTrace(itemID: Int64) async throws -> String?
}

/// A candidate that failed an item: its source, its URL (redacted), the attempt and the error.
public struct SourceFailure: Sendable, Equatable {
    public var source: String
    public var url: String
    public var attempt: Int
    public var error: String

    public init(source: String, url: String, attempt: Int, error: String) {
        self.source = source
        self.url = url
        self.attempt = attempt
        self.error = error
    }
}
