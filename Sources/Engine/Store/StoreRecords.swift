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
    public var file: StoredFile
    public var renditions: [StoredRendition]
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
    /// Profiles of the renditions already stored for that original.
    public var renditionProfiles: Set<String> = []
}

/// A rendition made from an item's original.
public struct StoredRendition: Sendable, Equatable {
    public var profile: String
    public var file: StoredFile
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
