public import Engine

/// Chooses where each item is downloaded from. Without a plan: the best-scored candidate of
/// the resolvers (the item's own URL, a bucket object signed). With a plan (`resolve:`), the
/// ranking resolver: every source's candidates scored and ranked, the trace kept with the job
/// item; after a candidate failed the item (its download or probe; the job's ledger records
/// it), the next attempt leaves it out, demotes its source for the item and takes the next.
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
        var failures: [ResolveTrace.Failure] = []
        if let traces, let lease = item.lease {
            failures = try await traces.sourceFailures(jobItemID: lease.jobItemID).map {
                ResolveTrace.Failure(source: $0.source, url: $0.url, attempt: $0.attempt, error: $0.error)
            }
        }
        var result = await ranking.resolve(item, own: own.map(\.url), failures: failures, attempt: item.attempt)
        if result.chosen == nil, !failures.isEmpty {
            // Every acceptable candidate failed once and the retry policy still tries the item:
            // the best again, with no fallback left (the policy's tries and backoff govern).
            result = ranking.rank(result.found, for: item, failures: [], attempt: item.attempt, searchErrors: result.trace.searchErrors)
            result.trace.failures = failures
            result.alternatives = 0
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
        // However the candidates' URLs change, no more fallbacks than candidates were found.
        item.alternatives = min(result.alternatives, max(0, result.found.count - failures.count - 1))
        return .forward(item)
    }
}
