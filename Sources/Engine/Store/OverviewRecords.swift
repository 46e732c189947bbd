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
}

/// A page of failed items, how many match in all, and what the filter can choose from.
public struct FailedItemsPage: Sendable {
    public var total: Int
    public var items: [FailedJobItem]
    /// Failed items by error kind and by source, over the job (or all jobs), ignoring the
    /// kind and source filters.
    public var byKind: [(name: String, count: Int)]
    public var bySource: [(name: String, count: Int)]
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
}

public struct CollectionList: Sendable {
    public var total: Int
    public var rows: [CollectionRow]
    public var sources: [String]
}

/// A job event with its id (the console's event stream resumes from one).
public struct NumberedJobEvent: Sendable, Equatable {
    public var id: Int64
    public var jobID: Int64
    public var at: Date
    public var kind: String
    public var message: String
}
