/// The ranking resolver's settings (`resolve:` in a graph or config file): download sources in
/// order of preference — each a search endpoint, or a collecting source's own URLs — and how
/// sure a match must be.
///
/// ```yaml
/// resolve:
///   min_confidence: 0.85        # below it a candidate is rejected
///   duration_tolerance: 5       # seconds
///   sources:
///     - name: hifi
///       url: "https://hifi.example/api/search?artist={creator}&title={title}"
///       list: results
///       fields: {url: stream, title: name, creators: "artists[].name", duration: length,
///                format: codec, bitrate: kbps, size: bytes}
///     - name: square              # no url: the items `square` listed, at their own URLs
///       max_concurrent: 2         # at most two downloads from it at once, across all workers
/// ```
public struct ResolvePlan: Sendable, Codable, Equatable {
    public var sources: [Source]
    public var minConfidence = 0.85
    public var durationTolerance = 5.0

    /// A source the ranking resolver searches, and how to read its answers.
    public struct Source: Sendable, Codable, Equatable {
        public var name: String
        /// A search URL template (`{title}`, `{creator}`, `{creators}`, `{query}`, `{duration}`);
        /// nil: the source's own item URLs only.
        public var url: String?
        public var list = ""
        /// Candidate field → path: url, title, creators, duration, format, bitrate (kb/s), size (bytes).
        public var fields: [String: String] = [:]
        public var durationInMilliseconds = false
        /// `$NAME` values come from the environment.
        public var headers: [String: String] = [:]
        /// At most this many downloads from the source at once, across every worker of the
        /// store (`max_concurrent`; nil: no cap).
        public var maxConcurrent: Int?

        public init(name: String, url: String?) {
            self.name = name
            self.url = url
        }
    }

    public init(sources: [Source]) {
        self.sources = sources
    }
}
