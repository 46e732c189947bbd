/// A web catalog defined in YAML (`sources:` in a graph or config file): how to page through
/// its collections (level 1, optional) and through one collection's items (level 2). Inputs
/// name it: `catalog:NAME` collects the collections, then each one's items (or, with no
/// collections level, pages the items URL directly: a chart); `catalog:NAME/ID` syncs one
/// collection.
///
/// ```yaml
/// sources:
///   square:
///     collections:
///       url: "https://api.example.com/playlists?page={page}"
///       paging: page              # page | offset | cursor
///       list: data.playlists      # where the page's entries are
///       has_more: data.has_more
///       fields: {id: id, title: name}
///     items:
///       url: "https://api.example.com/playlists/{collection}/tracks?offset={offset}&limit={limit}"
///       paging: offset
///       page_size: 50
///       list: tracks
///       has_more: has_more
///       fields: {id: id, title: title, creators: "artists[].name", duration: duration_ms, url: stream_url}
///       duration_unit: ms
/// ```
public struct CatalogSource: Sendable, Codable, Equatable {
    public var name: String
    public var collections: Level?
    public var items: Level

    /// One paged endpoint and how to read its pages.
    public struct Level: Sendable, Codable, Equatable {
        /// With `{page}`, `{offset}`, `{limit}`, `{cursor}` and (items) `{collection}`, each URL-encoded.
        public var url: String
        public var paging: Paging
        /// The first page's number (`page` paging).
        public var start = 1
        /// Entries per page: the `offset` step and `{limit}`.
        public var pageSize = 50
        /// The path to the page's list of entries (`data.items`; empty: the page is the list).
        public var list: String
        /// A boolean that says whether another page follows (nil: an empty page ends it).
        public var hasMore: String?
        /// The next page's cursor (`cursor` paging); absent or null ends the paging.
        public var nextCursor: String?
        public var maxPages = 1000
        /// Entry field → path in the entry: id, title, creators, duration, url, collection.
        public var fields: [String: String]
        /// `duration` is in milliseconds (`ms`) or seconds (`s`, the default).
        public var durationInMilliseconds = false
        /// Extra request headers (an API key comes from the environment: `$NAME` values).
        public var headers: [String: String] = [:]

        public init(url: String, paging: Paging, list: String, fields: [String: String]) {
            self.url = url
            self.paging = paging
            self.list = list
            self.fields = fields
        }
    }

    /// How a catalog's API hands out its pages: by page number, by offset, or by a cursor the last page gave.
    public enum Paging: String, Sendable, Codable, CaseIterable {
        case page, offset, cursor
    }

    public init(name: String, collections: Level?, items: Level) {
        self.name = name
        self.collections = collections
        self.items = items
    }

    /// The input prefix: `catalog:NAME`.
    public static let scheme = "catalog:"
}
