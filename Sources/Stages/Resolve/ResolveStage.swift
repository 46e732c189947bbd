public import Engine

/// Chooses where each item is downloaded from. Without a plan: the best-scored candidate of
/// the resolvers (the item's own URL, a bucket object signed). With a plan (`resolve:`), the
/// ranking resolver: every source's candidates scored and ranked, the trace kept with the job
/// item; an attempt after one whose chosen candidate failed (download or probe) records that
/// failure, demotes its source for the item and takes the next.
public struct ResolveStage: OriginalStage {
    public let resolvers: [any Resolver]
    public let ranking: RankingResolver?
    let traces: (any ResolveTraceStore)?

    public init(resolvers: [any Resolver] = [DirectResolver()], ranking: RankingResolver? = nil, traces: (any ResolveTraceStore)? = nil) {
        self.resolvers = resolvers
        self.ranking = ranking
        self.traces = traces
    }

    public var name: String { "resolve" }
    public var concurrency: Int { 4 }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        var own: [Candidate] = []
        for resolver in resolvers { own += try await resolver.candidates(for: item) }
        var item = item
        guard let ranking else {
            guard let best = own.max(by: { $0.score < $1.score }) else { throw ResolveError(item: item.key, reason: "no resolver found a source") }
            item.resolvedURL = best.url
            return .forward(item)
        }
        let failures = try await failures(before: item)
        var result = await ranking.resolve(item, own: own.map(\.url), failures: failures, attempt: item.attempt)
        if result.chosen == nil, !failures.isEmpty {
            // Every candidate failed once: a retry (`jobs retry`) starts the ranking over.
            result = await ranking.resolve(item, own: own.map(\.url), failures: [], attempt: item.attempt)
            result.trace.failures = failures
        }
        if let lease = item.lease { try await traces?.recordResolveTrace(result.trace.json, lease: lease) }
        guard let chosen = result.chosen else {
            let rejected = result.trace.candidates.count
            throw ResolveError(
                item: item.key,
                reason: rejected == 0 ? "no source has a candidate" : "none of \(rejected) candidate(s) matches well enough (`engine items show \(item.key) --explain`)")
        }
        item.resolvedURL = chosen.url
        item.resolvedSource = chosen.source == item.source ? nil : chosen.source
        item.alternatives = result.alternatives
        return .forward(item)
    }

    /// The failures earlier attempts at this job item recorded, and the candidate the last
    /// attempt chose if it ended in an error (its error attached).
    private func failures(before item: MediaItem) async throws -> [ResolveTrace.Failure] {
        guard let lease = item.lease, let traces else { return [] }
        let history = try await traces.resolveHistory(jobItemID: lease.jobItemID)
        guard let previous = history.trace.flatMap(ResolveTrace.decode) else { return [] }
        var failures = previous.failures
        if let chosen = previous.chosen, let source = previous.chosenSource, let error = history.lastError, history.lastErrorAttempt == previous.attempt,
            !failures.contains(where: { $0.source == source && $0.url == chosen })
        {
            failures.append(ResolveTrace.Failure(source: source, url: chosen, attempt: previous.attempt, error: error))
        }
        return failures
    }
}
