public import Foundation

/// The store as the queue of jobs (DESIGN, State: jobs). A job's items are rows before any work
/// on them starts; a runner claims a batch with a lease (holder, token, expiry) that its
/// heartbeat renews, and every write for a claimed item names the lease and is refused with
/// `StoreError.leaseLost` once the item has passed to another attempt. Written so that a
/// PostgreSQL store can implement it with `FOR UPDATE SKIP LOCKED` and several runners; the
/// contract tests (`JobQueueContract`) run against any implementation.
public protocol JobQueue: Sendable {
    // MARK: jobs
    func createJob(_ spec: JobSpec) async throws -> JobRecord
    func job(_ id: Int64) async throws -> JobRecord?
    /// Newest first.
    func jobs(limit: Int) async throws -> [JobRecord]
    /// The oldest job of one of `types` waiting for a runner (`queued`).
    func nextQueuedJob(types: Set<JobType>) async throws -> JobRecord?
    /// The newest job that has not finished, whatever its status (`engine run --resume`).
    func newestUnfinishedJob() async throws -> JobRecord?
    /// Moves the job to `status` when the status machine allows it from where it is; throws
    /// `IllegalTransition` (and changes nothing) otherwise. `runner` is recorded as the holder
    /// (nil clears it); an `error` is kept with the job.
    @discardableResult
    func transitionJob(_ id: Int64, to status: JobStatus, runner: String?, error: String?) async throws -> JobRecord
    /// A runner takes the job: to `running`, only from one of `from` (as read in the same
    /// transaction); throws `IllegalTransition` otherwise (a cancel or pause that came first wins).
    @discardableResult
    func startJob(_ id: Int64, runner: String, from: Set<JobStatus>) async throws -> JobRecord
    /// On a shared store: workers whose heartbeat is older than `staleAfter` (by the store's
    /// clock) are marked stopped, and the running or pausing jobs whose runner is not a live
    /// worker go back (running → queued, pausing → paused), each with an event; in one
    /// transaction, so a job a live worker just took is never released. The jobs released.
    @discardableResult
    func releaseOrphanedJobs(staleAfter: Duration) async throws -> [Int64]
    /// Jobs in any of `statuses`, oldest first.
    func jobs(in statuses: Set<JobStatus>) async throws -> [JobRecord]
    func jobInputs(_ id: Int64) async throws -> [JobInput]
    /// The job's first input not collected yet (by position), if any.
    func nextOpenInput(_ id: Int64) async throws -> JobInput?
    func jobStages(_ id: Int64) async throws -> [JobStageCounters]
    /// Adds to the per-stage counters (the runner flushes what it counted every few seconds).
    func addStageCounts(jobID: Int64, _ deltas: [JobStageCounters]) async throws

    // MARK: items
    /// Writes collected items into the job (and the catalog), keeping the first of each item
    /// key; with `progress`, records in the same transaction how far its input got: the next
    /// page's checkpoint or the input done, a `page` event, and the inputs a page adds. With
    /// `newItemLimit`, stops before the item that would make the job's new items (those the
    /// library does not hold yet; for a reprocess job, every item) more than that, and says so
    /// (the input's progress is then not recorded).
    func enqueue(jobID: Int64, items: [MediaItem], progress: InputProgress?, newItemLimit: Int?) async throws -> EnqueueResult
    /// Catalog items with (`stored`) or without an active original on `backend`, optionally only
    /// of these sources or collections (by locator or title), oldest first: what a `reprocess`
    /// or a `download_only` job takes.
    func catalogItems(stored: Bool, on backend: String, sources: [String], collections: [String]) async throws -> [MediaItem]
    /// Every input is collected: once the queue is empty, the job is done.
    func finishCollection(jobID: Int64) async throws
    /// Up to `limit` claimable items of the job (pending or interrupted, due), oldest first,
    /// each now `running` under a fresh lease held by `holder` until `leaseDuration` from now.
    func claim(jobID: Int64, holder: String, limit: Int, leaseDuration: Duration) async throws -> [ClaimedItem]
    /// Extends every lease `holder` still has; returns how many.
    @discardableResult
    func renewLeases(holder: String, leaseDuration: Duration) async throws -> Int
    /// The step the item is at, under its lease.
    func recordStep(_ lease: ItemLease, step: String) async throws
    /// Ends the item's attempt under its lease (and records the outcome on the catalog item).
    func settle(_ lease: ItemLease, _ outcome: ItemOutcome) async throws
    /// `recordStep` (for many items at once; a step whose lease has passed on is skipped) and
    /// `settle` without waiting for the commit: written, in order, with the next group commit;
    /// a refused or failed write is logged (a refused one only means a newer attempt owns the
    /// item). `flush` returns once everything submitted before it is written. A crash before
    /// the commit leaves the item running, to be recovered and redone: every step is idempotent.
    func submitSteps(_ steps: [(lease: ItemLease, step: String)])
    func submitSettle(_ lease: ItemLease, _ outcome: ItemOutcome)
    /// Running items' downloads so far (written with the next group commit; an item no longer
    /// running is left alone).
    func submitTransfers(_ samples: [TransferSample])
    func flush() async throws
    /// Running items of `holders` (runners known to be gone) become `interrupted`, claimable
    /// again; returns how many.
    @discardableResult
    func interruptItems(heldBy holders: [String]) async throws -> Int
    /// Running items held by anyone but `runner` become `interrupted` (for a runner that holds
    /// the only runner lock of its data directory: every other holder is gone).
    @discardableResult
    func interruptItems(notHeldBy runner: String) async throws -> Int
    /// Running items whose lease expired (their runner stopped renewing) become `interrupted`.
    @discardableResult
    func interruptExpiredLeases() async throws -> Int
    /// Failed and canceled items (with `force`, succeeded and skipped ones too) of the job, or
    /// only `itemKey`, go back to pending with a fresh set of tries; returns how many.
    @discardableResult
    func retryItems(jobID: Int64, itemKey: String?, force: Bool) async throws -> Int
    /// Items not yet started (pending, interrupted) become canceled; returns how many.
    @discardableResult
    func cancelOpenItems(jobID: Int64) async throws -> Int
    func counters(jobID: Int64) async throws -> JobCounters
    /// Items not yet past `steps`: waiting (pending, interrupted: a claim starts them from the
    /// first stage again), or running in one of them. Zero once every item has gone past those
    /// stages (or settled).
    func openItems(jobID: Int64, notPast steps: [String]) async throws -> Int

    // MARK: hooks
    /// Claims running `hook` of the job for `runner` (see `HookClaim`).
    func claimHook(jobID: Int64, hook: String, runner: String) async throws -> HookClaim
    /// The claimed hook has run (its outcome is a job event).
    func finishHook(jobID: Int64, hook: String) async throws
    /// Of the newest `limit` finished jobs, those marked `due` whose `after_job` has not run.
    func jobsWithHooksDue(limit: Int) async throws -> [Int64]
    func runningItems(jobID: Int64, limit: Int) async throws -> [RunningItem]
    func failedItems(jobID: Int64, limit: Int) async throws -> [FailedItem]
    /// Items waiting for their next try after a transient failure, with their failed tries.
    func retryingItems(jobID: Int64, limit: Int) async throws -> [FailedItem]
    /// The rendition failures recorded for the job's items' content (by this job or earlier).
    func renditionFailures(jobID: Int64) async throws -> [JobRenditionFailure]
    /// When the job's first open item (pending or interrupted) may be claimed: the distant past
    /// when one is claimable now, nil when none is open.
    func earliestOpenItem(jobID: Int64) async throws -> Date?
    /// Which of these job items are open (pending, interrupted or running).
    func openJobItems(_ ids: Set<Int64>) async throws -> Set<Int64>

    // MARK: per-source caps (`resolve.sources[].max_concurrent`)
    /// Takes one of `source`'s `limit` download slots for the attempt `lease`, counted across
    /// every worker of the store: true when taken (or this attempt holds one already), false
    /// when `limit` running attempts hold them. A slot frees itself once its attempt is no
    /// longer running under its token (finished, failed, rescued or released). Throws
    /// `leaseLost` when the attempt itself has passed on.
    func takeSourceSlot(_ source: String, limit: Int, lease: ItemLease) async throws -> Bool
    /// Gives the attempt's slot of `source` back (nothing when it holds none).
    func releaseSourceSlot(_ source: String, lease: ItemLease) async throws

    // MARK: commands, events, workers
    @discardableResult
    func submitCommand(jobID: Int64, kind: JobCommandKind, argument: String?) async throws -> Int64
    /// The job's unconsumed commands, oldest first, marked consumed by `consumer`.
    func takeCommands(jobID: Int64, consumer: String) async throws -> [JobCommand]
    func completeCommand(_ id: Int64, result: String) async throws
    func appendEvent(jobID: Int64, kind: String, message: String) async throws
    /// The newest `limit` events, oldest first.
    func events(jobID: Int64, limit: Int) async throws -> [JobEvent]
    func registerWorker(id: String, host: String, pid: Int32) async throws
    func workerHeartbeat(id: String, jobID: Int64?, currentItem: String?, bytesPerSecond: Double?) async throws
    func stopWorker(id: String) async throws
    /// Workers not stopped (live, or dead without having said so).
    func activeWorkers() async throws -> [JobWorker]
}

extension JobQueue {
    /// `enqueue` without a limit; how many items were new to the job.
    @discardableResult
    public func enqueue(jobID: Int64, items: [MediaItem], completingInput: Int?) async throws -> Int {
        try await enqueue(jobID: jobID, items: items, completingInput: completingInput, newItemLimit: nil).added
    }

    /// `enqueue`, marking the input `completingInput` collected (nil: no progress recorded).
    public func enqueue(jobID: Int64, items: [MediaItem], completingInput: Int?, newItemLimit: Int?) async throws -> EnqueueResult {
        try await enqueue(jobID: jobID, items: items, progress: completingInput.map { InputProgress(position: $0) }, newItemLimit: newItemLimit)
    }
}

/// How far a job input's collection got, recorded with the items that got it there.
public struct InputProgress: Sendable, Equatable {
    public var position: Int
    /// Where the input's next page starts (opaque to the store); nil: the input is done (and,
    /// with an `error`, where a retry starts).
    public var checkpoint: String?
    /// The page of a paged input that ends here (1-based): counted on the input, and a `page`
    /// event says `INPUT page N: +X new, total Y`.
    public var page: Int?
    /// Items of this page that earlier batches already added to the job (a page longer than a batch).
    public var addedEarlier = 0
    /// Inputs the page adds to the job (a catalog page's collections), collected after the others.
    public var addedInputs: [String] = []
    /// The input stopped on this error: it is done for now, its checkpoint kept for `jobs retry`.
    public var error: String?

    public init(
        position: Int, checkpoint: String? = nil, page: Int? = nil, addedEarlier: Int = 0, addedInputs: [String] = [], error: String? = nil
    ) {
        self.position = position
        self.checkpoint = checkpoint
        self.page = page
        self.addedEarlier = addedEarlier
        self.addedInputs = addedInputs
        self.error = error
    }
}

/// What `JobQueue.enqueue` did: items new to the job, and whether the limit of new items stopped it.
public struct EnqueueResult: Sendable, Equatable {
    public var added: Int
    public var limitReached: Bool

    public init(added: Int, limitReached: Bool) {
        self.added = added
        self.limitReached = limitReached
    }
}
