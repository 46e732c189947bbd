/// Everything the program (its commands, console and workers) asks of a store: the queue and
/// catalog (`JobStore`), resolver traces, uploads, and what the console shows and the commands
/// manage. `SQLiteJobStore` (one machine) and `PostgresJobStore` (the shared store, in its own
/// module) implement it; the host holds `any EngineStore` and never asks which.
public protocol EngineStore: CatalogStore, JobQueue, ResolveTraceStore, UploadStore, StoreCopying, LocationChecking, PackageStore {
    /// Where the store is, for messages: a database path or a `postgres://` URL (never a password).
    var location: String { get }

    // MARK: overview (the console, `jobs show`)
    func failedItems(_ filter: FailedItemFilter, limit: Int, offset: Int) async throws -> FailedItemsPage
    /// The job and key of each of these job items (unknown ids are left out).
    func jobItemKeys(ids: [Int64]) async throws -> [(jobID: Int64, itemKey: String)]
    /// The job's items grouped by collection, in the order they were collected.
    func jobCollections(jobID: Int64) async throws -> [JobCollectionRow]
    /// The job's items of one collection (`locator`, "" for none), in collection order.
    func jobItems(jobID: Int64, collection locator: String, limit: Int) async throws -> [JobItemRow]
    /// Catalog collections with their status, filtered and paged, ordered by title.
    func collections(_ filter: CollectionFilter, limit: Int, offset: Int) async throws -> CollectionList
    func collections(ids: [Int64]) async throws -> [CollectionRow]
    /// Marks collections wanted or not; returns how many changed.
    @discardableResult
    func setWanted(collections ids: [Int64], _ wanted: Bool) async throws -> Int
    /// Job events after `id` (of one job, or all), oldest first.
    func events(after id: Int64, jobID: Int64?, limit: Int) async throws -> [NumberedJobEvent]
    /// The job's newest events with their ids, oldest first.
    func newestEvents(jobID: Int64, limit: Int) async throws -> [NumberedJobEvent]
    func lastEventID() async throws -> Int64
    /// Bytes the job's items have fetched so far (finished items and running ones).
    func jobBytes(jobID: Int64) async throws -> Int64
    /// Items of unfinished jobs (queued, running, pausing or paused) by status.
    func openJobItemCounts() async throws -> JobCounters

    // MARK: steering
    /// `retryItems` for each of `itemKeys`, in one transaction; returns how many were requeued.
    @discardableResult
    func retryItems(jobID: Int64, itemKeys: [String], force: Bool) async throws -> Int
    /// One command of `kind` for each argument, in one transaction.
    func submitCommands(jobID: Int64, kind: JobCommandKind, arguments: [String?]) async throws

    // MARK: library and backends
    /// One catalog item, stored or not, by its key (`source:remote_id`) or its catalog number.
    func libraryItem(key: String) async throws -> LibraryEntry?
    /// A collection's items in collection order, stored or not (an export reads them).
    func collectionItems(_ collectionID: Int64) async throws -> [LibraryEntry]
    /// Adds a backend; a name in use is refused.
    func addBackend(name: String, kind: String, config: String) async throws
    func backends() async throws -> [StorageBackendRecord]
    func backend(named name: String) async throws -> StorageBackendRecord?
    /// Removes a backend; refused while file locations point at it, unless `force`. Returns the locations removed.
    @discardableResult
    func removeBackend(name: String, force: Bool) async throws -> Int

    // MARK: waiting
    /// An idle worker's wait: returns when work may have appeared (a job queued, items made
    /// claimable; PostgreSQL notifies it) or after `timeout` at the latest.
    func waitForWork(timeout: Duration) async

    // MARK: copying (`engine store migrate`)
    /// Runs `body` with a writer into this store. PostgreSQL: one transaction, which a throw
    /// from `body` rolls back whole. SQLite: written as it goes (the command writes only to a
    /// new file, and removes it when the copy fails).
    func importing(_ body: (any StoreImporting) async throws -> Void) async throws
}

extension EngineStore {
    public func failedItems(_ filter: FailedItemFilter, limit: Int) async throws -> FailedItemsPage {
        try await failedItems(filter, limit: limit, offset: 0)
    }

    public func collections(_ filter: CollectionFilter, limit: Int) async throws -> CollectionList {
        try await collections(filter, limit: limit, offset: 0)
    }

    public func events(after id: Int64, limit: Int) async throws -> [NumberedJobEvent] {
        try await events(after: id, jobID: nil, limit: limit)
    }
}

extension SQLiteJobStore: EngineStore {
    public var location: String { path }
}

extension SQLiteJobStore {
    /// A local file: looking again after `timeout` costs nothing worth a notification.
    public func waitForWork(timeout: Duration) async {
        try? await Task.sleep(for: timeout)
    }
}
