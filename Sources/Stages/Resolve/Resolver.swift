public import Engine

/// A downloadable source for an item, scored: the resolve stage takes the highest.
public struct Candidate: Sendable, Equatable {
    public var url: String
    /// Higher is better; resolvers agree on 0...1.
    public var score: Double
    /// Which resolver proposed it.
    public var resolver: String

    public init(url: String, score: Double, resolver: String) {
        self.url = url
        self.score = score
        self.resolver = resolver
    }
}

/// Finds candidates for an item (the item's own URL, a search on another service…).
public protocol Resolver: Sendable {
    var name: String { get }
    func candidates(for item: MediaItem) async throws -> [Candidate]
}

/// The item's own URL, as collected.
public struct DirectResolver: Resolver {
    public init() {}

    public var name: String { "direct" }

    public func candidates(for item: MediaItem) async throws -> [Candidate] {
        // An s3:// URL is no transfer URL: a bucket resolver signs one.
        item.url.lowercased().hasPrefix("s3://") ? [] : [Candidate(url: item.url, score: 1, resolver: name)]
    }
}

/// Why no source could be chosen.
public struct ResolveError: Error, CustomStringConvertible {
    public let item: String
    public let reason: String
    public var description: String { "\(item): \(reason)" }
}
