package import Foundation

/// One entry a playlist or list names, before it becomes an item.
package struct PlaylistEntry: Sendable, Equatable {
    /// Absolute URL (`file:///…` for local paths, resolved against the playlist's location).
    public var url: String
    public var title: String?
    public var creators: [String]
    public var duration: Double?
    /// A source named by the entry itself (`source,URL` lines of a plain list).
    public var source: String?
    /// 1-based line (or track number) in the playlist, for messages.
    public var line: Int
    /// The entry's own identity in its source (a feed entry's guid or id); nil: its URL is.
    public var remoteID: String?
    /// A feed entry's publication date, episode and season numbers.
    public var published: Date?
    public var episode: Int?
    public var season: Int?

    public init(
        url: String, title: String? = nil, creators: [String] = [], duration: Double? = nil, source: String? = nil, line: Int,
        remoteID: String? = nil
    ) {
        self.url = url
        self.remoteID = remoteID
        self.title = title
        self.creators = creators
        self.duration = duration
        self.source = source
        self.line = line
    }
}

/// What parsing found: the good entries, and one issue per malformed entry.
package struct ParsedPlaylist: Sendable {
    public var title: String?
    public var entries: [PlaylistEntry] = []
    public var issues: [(line: Int, message: String)] = []
    /// The next page of a paged feed (RFC 5005 `<atom:link rel="next">`), absolute.
    public var next: String?
}
