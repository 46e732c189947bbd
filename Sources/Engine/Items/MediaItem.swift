public import Foundation

/// One media object moving through the graph: who it is, what the collectors said about it,
/// and what the stages have added so far.
public struct MediaItem: Sendable {
    /// Identity: unique per `(source, remoteID)` in the catalog.
    public var source: String
    public var remoteID: String

    // Descriptive metadata from the collector (probe tags may fill gaps).
    public var title: String
    /// True when the title is only the file name, so a title tag should replace it.
    public var titleIsFileName: Bool
    public var creators: [String]
    public var collection: CollectionRef?
    /// 1-based position in the collection.
    public var position: Int?
    public var durationHint: Double?
    /// A feed entry's publication date, episode and season numbers.
    public var published: Date?
    public var episode: Int?
    public var season: Int?
    /// Where the collector found it (absolute URL: `file:///…`, `https://…`).
    public var url: String

    // Added by stages.
    public var catalogID: Int64?
    public var resolvedURL: String?
    /// The source the resolved URL belongs to (the library path names it); nil: the item's own.
    public var resolvedSource: String?
    /// Candidates the resolver ranked below the chosen one and has not tried: while there are
    /// some, a download or probe failure falls back to the next (a retry at once) instead of
    /// failing the item.
    public var alternatives = 0
    public var downloadedFile: String?
    public var byteCount: Int64?
    public var sha256: String?
    /// Container and kind from the probe (`mp3`, `audio`).
    public var containerFormat: String?
    public var mediaKind: String?
    public var duration: Double?
    /// Where the library holds it, relative to the library root.
    public var locator: String?
    /// True when its content was already stored (another item, or an earlier run, had it).
    public var reusedExistingFile = false
    /// The library held its original already (an earlier run): only missing renditions are made.
    public var originalAlreadyStored = false
    /// What its job's claim saw: false when no original was linked to its catalog record then
    /// (the catalog stage need not read the record); nil when not known.
    public var catalogHasOriginal: Bool?
    /// Profiles of the renditions the library holds for it.
    public var renditions: Set<String> = []
    /// Profiles of the renditions that could not be made for it (recorded in the store).
    public var failedRenditions: Set<String> = []
    /// Renditions made in its temp space that an upload stage puts on a backend.
    public var madeRenditions: [MadeRendition] = []
    /// Bytes an upload stage put on a storage backend for it (nil: nothing uploaded).
    public var uploadedBytes: Int64?
    /// The job item attempt it belongs to: every store write for it carries this lease.
    public var lease: ItemLease?
    /// Which try of its job item this is (1 for the first; 0 outside a job).
    public var attempt = 0

    public init(
        source: String, remoteID: String, title: String, titleIsFileName: Bool = false, creators: [String] = [],
        collection: CollectionRef? = nil, position: Int? = nil, durationHint: Double? = nil, url: String
    ) {
        self.source = source
        self.remoteID = remoteID
        self.title = title
        self.titleIsFileName = titleIsFileName
        self.creators = creators
        self.collection = collection
        self.position = position
        self.durationHint = durationHint
        self.url = url
    }

    /// `source:remote_id`: the item's key in a job, in messages and in logs.
    public var key: String { "\(source):\(remoteID)" }
}

/// A playlist, feed, folder or prefix an item was collected from.
public struct CollectionRef: Sendable, Hashable {
    /// What kind of collection it is.
    public enum Kind: String, Sendable {
        case playlist, feed, folder, prefix, list
    }

    public var kind: Kind
    /// The collection's own address (playlist path or URL, folder path).
    public var locator: String
    public var title: String?

    public init(kind: Kind, locator: String, title: String? = nil) {
        self.kind = kind
        self.locator = locator
        self.title = title
    }
}
