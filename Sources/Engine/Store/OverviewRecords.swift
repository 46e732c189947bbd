public import Foundation

/// Which failed job items to list or retry, across jobs or in one (the console's Failed view).
/// Nil or empty values are unset.
public struct FailedItemFilter: Sendable, Equatable {
    public var jobID: Int64?
    public var kind: String?
    public var source: String?

    public init(jobID: Int64? = nil, kind: String? = nil, source: String? = nil) {
        self.jobID = jobID
        self.kind = kind?.isEmpty == true ? nil : kind
        self.source = source?.isEmpty == true ? nil : source
    }
}

/// A failed job item, with its job, for the Failed view.
public struct FailedJobItem: Sendable {
    /// The job item's own id (pages act on it: an item key may hold a URL with a secret).
    public var id: Int64
    public var jobID: Int64
    public var itemKey: String
    public var title: String
    public var source: String
    public var collection: String?
    public var error: String
    public var kind: String?
    public var attempts: Int
    public var finishedAt: Date?

    public init(
        id: Int64, jobID: Int64, itemKey: String, title: String, source: String, collection: String? = nil, error: String,
        kind: String? = nil, attempts: Int, finishedAt: Date? = nil
    ) {
        self.id = id
        self.jobID = jobID
        self.itemKey = itemKey
        self.title = title
        self.source = source
        self.collection = collection
        self.error = error
        self.kind = kind
        self.attempts = attempts
        self.finishedAt = finishedAt
    }
}

/// A page of failed items, how many match in all, and what the filter can choose from.
public struct FailedItemsPage: Sendable {
    public var total: Int
    public var items: [FailedJobItem]
    /// Failed items by error kind and by source, over the job (or all jobs), ignoring the
    /// kind and source filters.
    public var byKind: [(name: String, count: Int)]
    public var bySource: [(name: String, count: Int)]

    public init(total: Int, items: [FailedJobItem], byKind: [(name: String, count: Int)], bySource: [(name: String, count: Int)]) {
        self.total = total
        self.items = items
        self.byKind = byKind
        self.bySource = bySource
    }
}

/// One collection of a job's items (job → collection → item), with its progress.
public struct JobCollectionRow: Sendable {
    /// The collection's locator; "" for items collected without one.
    public var locator: String
    public var title: String
    public var total: Int
    /// Succeeded or skipped.
    public var done: Int
    public var failed: Int
    public var running: Int

    public init(locator: String, title: String, total: Int, done: Int, failed: Int, running: Int) {
        self.locator = locator
        self.title = title
        self.total = total
        self.done = done
        self.failed = failed
        self.running = running
    }
}

/// One job item as the job page's tree shows it.
public struct JobItemRow: Sendable {
    /// The job item's own id.
    public var id: Int64
    public var itemKey: String
    public var title: String
    public var status: ItemStatus
    public var step: String?
    public var attempts: Int
    public var error: String?
    public var kind: String?
    /// Where the item's original is stored: `backend:locator` of its primary active location.
    public var storedAt: String?

    public init(
        id: Int64, itemKey: String, title: String, status: ItemStatus, step: String? = nil, attempts: Int, error: String? = nil,
        kind: String? = nil, storedAt: String? = nil
    ) {
        self.id = id
        self.itemKey = itemKey
        self.title = title
        self.status = status
        self.step = step
        self.attempts = attempts
        self.error = error
        self.kind = kind
        self.storedAt = storedAt
    }
}

/// Where a collection stands (DESIGN: downloaded means every item has an active original on
/// the library backend).
public enum CollectionStatus: String, Sendable, CaseIterable {
    case notCollected = "not_collected"
    case notDownloaded = "not_downloaded"
    case downloading
    case partial
    case downloaded
}

/// Which collections the Collections page lists; nil or empty values are unset.
public struct CollectionFilter: Sendable, Equatable {
    public var source: String?
    public var kind: String?
    public var status: CollectionStatus?
    public var keyword: String?
    public var wantedOnly: Bool

    public init(source: String? = nil, kind: String? = nil, status: CollectionStatus? = nil, keyword: String? = nil, wantedOnly: Bool = false) {
        self.source = source?.isEmpty == true ? nil : source
        self.kind = kind?.isEmpty == true ? nil : kind
        self.status = status
        self.keyword = keyword?.isEmpty == true ? nil : keyword
        self.wantedOnly = wantedOnly
    }
}

/// A collection of the catalog (a playlist, feed, folder…) with its item counts and status.
public struct CollectionRow: Sendable, Equatable {
    public var id: Int64
    public var source: String
    public var kind: String
    public var locator: String
    public var title: String?
    public var total: Int
    /// Items with an active original on the library backend.
    public var downloaded: Int
    public var status: CollectionStatus
    public var wanted: Bool

    public init(
        id: Int64, source: String, kind: String, locator: String, title: String? = nil, total: Int, downloaded: Int,
        status: CollectionStatus, wanted: Bool
    ) {
        self.id = id
        self.source = source
        self.kind = kind
        self.locator = locator
        self.title = title
        self.total = total
        self.downloaded = downloaded
        self.status = status
        self.wanted = wanted
    }
}

/// One page of the catalog's collections, with how many there are in all and the sources they come from.
public struct CollectionList: Sendable {
    public var total: Int
    public var rows: [CollectionRow]
    public var sources: [String]

    public init(total: Int, rows: [CollectionRow], sources: [String]) {
        self.total = total
        self.rows = rows
        self.sources = sources
    }
}

/// A job event with its id (the console's event stream resumes from one).
public struct NumberedJobEvent: Sendable, Equatable {
    public var id: Int64
    public var jobID: Int64
    public var at: Date
    public var kind: String
    public var message: String

    public init(id: Int64, jobID: Int64, at: Date, kind: String, message: String) {
        self.id = id
        self.jobID = jobID
        self.at = at
        self.kind = kind
        self.message = message
    }
}

extension CollectionRow {
    /// As `/api/collections` and `engine collections --json` give it (a URL's secrets redacted).
    public var json: JSONValue {
        .object([
            ("id", .int(id)), ("source", .string(source)), ("kind", .string(kind)), ("locator", .string(Redaction.url(locator))),
            ("title", title.map(JSONValue.string) ?? .null), ("total", .int(Int64(total))), ("downloaded", .int(Int64(downloaded))),
            ("status", .string(status.rawValue)), ("wanted", .bool(wanted)),
        ])
    }
}
