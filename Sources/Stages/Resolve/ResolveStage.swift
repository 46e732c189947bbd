public import Engine

/// Asks every resolver for candidates and keeps the best-scored one.
public struct ResolveStage: OriginalStage {
    public let resolvers: [any Resolver]

    public init(resolvers: [any Resolver] = [DirectResolver()]) {
        self.resolvers = resolvers
    }

    public var name: String { "resolve" }
    public var concurrency: Int { 4 }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        var best: Candidate?
        for resolver in resolvers {
            for candidate in try await resolver.candidates(for: item) where candidate.score > (best?.score ?? -.infinity) {
                best = candidate
            }
        }
        guard let best else { throw ResolveError(item: item.key) }
        var item = item
        item.resolvedURL = best.url
        return .forward(item)
    }
}
