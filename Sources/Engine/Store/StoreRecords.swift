public import Foundation

/// A stored file: what it is (asset) and where one copy of it lives (location).
public struct StoredFile: Sendable, Equatable {
    public var assetID: Int64
    public var sha256: String
    public var size: Int64
    public var format: String?
    public var backend: String
    /// Relative path inside the backend (the library root for `local_fs`).
    public var locator: String

    public init(assetID: Int64, sha256: String, size: Int64, format: String?, backend: String, locator: String) {
        self.assetID = assetID
        self.sha256 = sha256
        self.size = size
        self.format = format
        self.backend = backend
        self.locator = locator
    }
}

/// One item the library holds, for `engine items`.
public struct LibraryEntry: Sendable {
    public var itemID: Int64
    public var source: String
    public var remoteID: String
    public var title: String
    public var creators: [String]
    public var duration: Double?
    public var mediaKind: String?
    /// The catalog item's status (`succeeded` once stored, `failed` with `lastError`, …).
    public var status: String
    public var lastError: String?
    /// The collections (playlists, feeds, folders) that list it, by title or locator.
    public var collections: [String]
    /// Its stored original; nil for a catalog item the library does not hold.
    public var file: StoredFile?
    public var renditions: [StoredRendition]
    public var failedRenditions: [RenditionFailure]
    /// A feed entry's publication date, episode and season numbers.
    public var published: Date?
    public var episode: Int?
    public var season: Int?
    /// Where it was collected from.
    public var url: String?

    public init(
        itemID: Int64, source: String, remoteID: String, title: String, creators: [String], duration: Double? = nil,
        mediaKind: String? = nil, status: String, lastError: String? = nil, collections: [String], file: StoredFile? = nil,
        renditions: [StoredRendition], failedRenditions: [RenditionFailure], published: Date? = nil, episode: Int? = nil,
        season: Int? = nil
    ) {
        self.itemID = itemID
        self.source = source
        self.remoteID = remoteID
        self.title = title
        self.creators = creators
        self.duration = duration
        self.mediaKind = mediaKind
        self.status = status
        self.lastError = lastError
        self.collections = collections
        self.file = file
        self.renditions = renditions
        self.failedRenditions = failedRenditions
        self.published = published
        self.episode = episode
        self.season = season
    }
}

/// What `removeItems` took out of the catalog: how many items, and the files no item refers
/// to any more (their records are gone; the caller deletes the files or leaves them).
public struct RemovedItems: Sendable {
    public var items: Int
    public var files: [StoredFile]

    public init(items: Int, files: [StoredFile]) {
        self.items = items
        self.files = files
    }
}

/// An item's status, in the catalog and per job item (`job_items`).
public enum ItemStatus: String, Sendable, Codable, CaseIterable {
    case pending, running, succeeded, failed, skipped, interrupted, canceled
}

/// An item's catalog row id, and the original the library already holds for it, if any.
public struct CatalogEntry: Sendable {
    public var itemID: Int64
    public var storedOriginal: StoredFile?
    /// The media kind the probe found on an earlier run (`audio`, `video`).
    public var mediaKind: String?
    /// The renditions already stored for that original: profile → the backends that hold one.
    public var renditionBackends: [String: Set<String>] = [:]
    /// Renditions of that original that failed: profile → the settings they failed with.
    public var failedRenditions: [String: String] = [:]

    public init(
        itemID: Int64, storedOriginal: StoredFile? = nil, mediaKind: String? = nil, renditionBackends: [String: Set<String>] = [:],
        failedRenditions: [String: String] = [:]
    ) {
        self.itemID = itemID
        self.storedOriginal = storedOriginal
        self.mediaKind = mediaKind
        self.renditionBackends = renditionBackends
        self.failedRenditions = failedRenditions
    }

    /// Profiles of the renditions `backend` holds for that original.
    public func renditionProfiles(on backend: String) -> Set<String> {
        Set(renditionBackends.filter { $0.value.contains(backend) }.keys)
    }
}

/// A rendition made from an item's original, with what its transcode tolerated (a damaged
/// input's skipped packets, an early end), one line each.
public struct StoredRendition: Sendable, Equatable {
    public var profile: String
    public var file: StoredFile
    public var warnings: [String] = []
    /// What it was made from (nil: made before keys were kept).
    public var key: OutputKey?

    public init(profile: String, file: StoredFile, warnings: [String] = [], key: OutputKey? = nil) {
        self.profile = profile
        self.file = file
        self.warnings = warnings
        self.key = key
    }
}

/// A rendition that could not be made from an original (its content): the profile's settings
/// at the time, the reason, and the job that tried. The original stays stored; the rendition
/// is not tried again with the same settings until a retry clears the record.
public struct RenditionFailure: Sendable, Equatable {
    public var originalSHA256: String
    public var profile: String
    public var settings: String
    public var error: String
    public var jobID: Int64?
    public var failedAt: Date

    public init(originalSHA256: String, profile: String, settings: String, error: String, jobID: Int64? = nil, failedAt: Date) {
        self.originalSHA256 = originalSHA256
        self.profile = profile
        self.settings = settings
        self.error = error
        self.jobID = jobID
        self.failedAt = failedAt
    }
}

/// A rendition failure that concerns one of a job's items.
public struct JobRenditionFailure: Sendable, Equatable {
    public var itemKey: String
    public var title: String
    public var failure: RenditionFailure

    public init(itemKey: String, title: String, failure: RenditionFailure) {
        self.itemKey = itemKey
        self.title = title
        self.failure = failure
    }
}

/// What is known about an item once its file is in hand (probe tags, duration, kind).
public struct ItemDescription: Sendable {
    public var title: String
    public var creators: [String]
    public var duration: Double?
    public var mediaKind: String?

    public init(title: String, creators: [String], duration: Double?, mediaKind: String?) {
        self.title = title
        self.creators = creators
        self.duration = duration
        self.mediaKind = mediaKind
    }
}

/// What a backend holds, or is being given, as one content: an original by its SHA-256, a
/// rendition by its original's SHA-256 and its profile.
public struct ContentKey: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public static func original(sha256: String) -> ContentKey { ContentKey(value: sha256) }
    public static func rendition(of originalSHA256: String, profile: String) -> ContentKey {
        ContentKey(value: "\(originalSHA256)/\(profile)")
    }

    /// An object key on a backend, claimed while an attempt puts a content there (two
    /// contents with one name never write to one key at once).
    public static func object(key: String) -> ContentKey { ContentKey(value: "object:\(key)") }

    public var description: String { value }
}

/// The answer to `CatalogStore.claimContent`.
public enum ContentClaim: Sendable, Equatable {
    /// The caller's attempt now places the content; recording it marks it placed, and a
    /// failed attempt releases it.
    case claimed
    /// Another live attempt (its lease still running) is placing it: ask again later.
    case busy
    /// It is recorded as stored.
    case placed
}
