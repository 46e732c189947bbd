public import Foundation

/// What a job does (DESIGN, State; after the seed operator's practice).
public enum JobType: String, Sendable, CaseIterable, Codable {
    /// collect → download → process → store
    case ingest
    /// collect into the catalog only
    case collectOnly = "collect_only"
    /// catalog items not yet stored (optionally of some sources or collections)
    case downloadOnly = "download_only"
    /// probe and renditions again for stored items
    case reprocess
    /// stored files (originals and renditions) a storage backend lacks, uploaded to it
    case uploadOnly = "upload_only"
    /// catalog items not yet stored, downloaded, then uploaded
    case downloadUpload = "download_upload"

    /// Jobs that download take turns in the `download` lane (one at a time per runner
    /// process); the others run in the `general` lane, beside a download.
    public var lane: JobLane { [.ingest, .downloadOnly, .downloadUpload].contains(self) ? .download : .general }
}

/// The job-level lanes of a runner process: one job at a time in each.
public enum JobLane: String, Sendable, CaseIterable {
    case download, general

    public var types: Set<JobType> { Set(JobType.allCases.filter { $0.lane == self }) }
}

/// Which items a job covers, beside its inputs.
public struct JobScope: Sendable, Codable, Equatable {
    public var sources: [String]
    public var collections: [String]
    public var limit: Int?

    public init(sources: [String] = [], collections: [String] = [], limit: Int? = nil) {
        self.sources = sources
        self.collections = collections
        self.limit = limit
    }
}

/// A job to create: its type, inputs (collected in order, each remembered once done), scope,
/// and the graph options as run (a JSON snapshot, so a resumed job runs as it started).
public struct JobSpec: Sendable {
    public var type: JobType
    public var inputs: [String]
    public var scope: JobScope
    public var options: String
    public var stages: [String]

    public init(type: JobType, inputs: [String] = [], scope: JobScope = JobScope(), options: String = "{}", stages: [String]) {
        self.type = type
        self.inputs = inputs
        self.scope = scope
        self.options = options
        self.stages = stages
    }
}

/// A job as the store keeps it: what it does, its status, and who runs it.
public struct JobRecord: Sendable {
    public var id: Int64
    public var type: JobType
    public var status: JobStatus
    public var scope: JobScope
    public var options: String
    /// Items written into the job by its collectors so far.
    public var collected: Int
    /// Every input has been collected.
    public var collectionDone: Bool
    public var runner: String?
    public var error: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    public init(
        id: Int64, type: JobType, status: JobStatus, scope: JobScope, options: String, collected: Int, collectionDone: Bool,
        runner: String? = nil, error: String? = nil, createdAt: Date, startedAt: Date? = nil, finishedAt: Date? = nil
    ) {
        self.id = id
        self.type = type
        self.status = status
        self.scope = scope
        self.options = options
        self.collected = collected
        self.collectionDone = collectionDone
        self.runner = runner
        self.error = error
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// One input of a job and whether its collection is finished.
public struct JobInput: Sendable, Equatable {
    public var position: Int
    public var input: String
    public var done: Bool
    /// A paged input: where its next unfinished page starts (nil: at the beginning), the pages
    /// it has read, and the items they added to the job.
    public var checkpoint: String?
    public var pages = 0
    public var found = 0
    /// Why its collection stopped before the end (a page that failed); `jobs retry` takes it up
    /// again at its checkpoint.
    public var error: String?

    public init(
        position: Int, input: String, done: Bool, checkpoint: String? = nil, pages: Int = 0, found: Int = 0, error: String? = nil
    ) {
        self.position = position
        self.input = input
        self.done = done
        self.checkpoint = checkpoint
        self.pages = pages
        self.found = found
        self.error = error
    }
}

/// How many items of a job are in each status.
public struct JobCounters: Sendable, Equatable {
    public var byStatus: [ItemStatus: Int] = [:]
    /// Open items waiting for their next try after a transient failure.
    public var waitingToRetry = 0
    public init() {}
    public subscript(_ status: ItemStatus) -> Int { byStatus[status] ?? 0 }
    public var total: Int { byStatus.values.reduce(0, +) }
    /// Not yet settled: pending, interrupted or running.
    public var open: Int { self[.pending] + self[.interrupted] + self[.running] }
}

/// A stage of a job and the items that finished it, failed in it, or were skipped by it.
public struct JobStageCounters: Sendable, Equatable {
    public var name: String
    public var finished: Int
    public var failed: Int
    public var skipped: Int

    public init(name: String, finished: Int = 0, failed: Int = 0, skipped: Int = 0) {
        self.name = name
        self.finished = finished
        self.failed = failed
        self.skipped = skipped
    }
}

/// The right to work on one job item: held by one runner, for one attempt. Every write for the
/// item carries it and changes nothing once the lease has passed on (fencing).
public struct ItemLease: Sendable, Hashable {
    public var jobItemID: Int64
    public var token: String

    public init(jobItemID: Int64, token: String) {
        self.jobItemID = jobItemID
        self.token = token
    }
}

/// A job item a runner claimed: the collected item, its attempt, and the lease for it.
public struct ClaimedItem: Sendable {
    public var lease: ItemLease
    public var itemKey: String
    public var attempt: Int
    public var item: MediaItem

    public init(lease: ItemLease, itemKey: String, attempt: Int, item: MediaItem) {
        self.lease = lease
        self.itemKey = itemKey
        self.attempt = attempt
        self.item = item
    }
}

/// How a job item ended its attempt.
public enum ItemOutcome: Sendable, Equatable {
    case succeeded(bytes: Int64?)
    case failed(error: String, kind: ItemErrorKind? = nil)
    /// A transient failure with tries left: back to the queue as `pending`, not claimable
    /// until `after` has passed from the moment the outcome is recorded.
    case retry(error: String, kind: ItemErrorKind?, after: Duration)
    case skipped(reason: String)
    case canceled
    /// The runner stopped before the item finished: back to the queue, as `interrupted`.
    case interrupted
    /// Claimed but never started (a pause stopped the intake): back to the queue, as `pending`.
    case released
}

/// A job item that is being worked on, for `jobs show`.
public struct RunningItem: Sendable {
    public var itemKey: String
    public var title: String
    public var step: String?
    public var attempt: Int
    public var holder: String?
    public var startedAt: Date?
    /// Its download so far and the whole size announced, as its runner last wrote them.
    public var bytes: Int64?
    public var bytesExpected: Int64?

    public init(
        itemKey: String, title: String, step: String? = nil, attempt: Int, holder: String? = nil, startedAt: Date? = nil,
        bytes: Int64? = nil, bytesExpected: Int64? = nil
    ) {
        self.itemKey = itemKey
        self.title = title
        self.step = step
        self.attempt = attempt
        self.holder = holder
        self.startedAt = startedAt
        self.bytes = bytes
        self.bytesExpected = bytesExpected
    }
}

/// A running item's download as it goes, for the job's record (`JobRunSettings.transfers`).
public struct TransferSample: Sendable {
    /// The attempt it was measured in: a sample of an attempt that has passed on changes nothing.
    public var lease: ItemLease
    /// The item's title (what the worker reports it is on).
    public var title: String
    public var bytes: Int64
    public var expected: Int64?

    public init(lease: ItemLease, title: String, bytes: Int64, expected: Int64?) {
        self.lease = lease
        self.title = title
        self.bytes = bytes
        self.expected = expected
    }
}

/// A job item with its last error and every failed try, for `jobs show`.
public struct FailedItem: Sendable {
    public var itemKey: String
    public var title: String
    public var error: String
    public var kind: ItemErrorKind?
    public var attempts: Int
    /// Failed tries, oldest first.
    public var history: [AttemptRecord]
    /// When the next try may start: set while the item waits for a retry.
    public var nextAttemptAt: Date?

    public init(
        itemKey: String, title: String, error: String, kind: ItemErrorKind? = nil, attempts: Int, history: [AttemptRecord],
        nextAttemptAt: Date? = nil
    ) {
        self.itemKey = itemKey
        self.title = title
        self.error = error
        self.kind = kind
        self.attempts = attempts
        self.history = history
        self.nextAttemptAt = nextAttemptAt
    }
}

/// One failed try of a job item.
public struct AttemptRecord: Sendable {
    public var attempt: Int
    public var endedAt: Date
    /// `failed` or `retry`.
    public var outcome: String
    public var error: String
    public var kind: ItemErrorKind?

    public init(attempt: Int, endedAt: Date, outcome: String, error: String, kind: ItemErrorKind? = nil) {
        self.attempt = attempt
        self.endedAt = endedAt
        self.outcome = outcome
        self.error = error
        self.kind = kind
    }
}

/// What a command sent to a running job asks of it.
public enum JobCommandKind: String, Sendable, CaseIterable, Codable {
    case pause, resume, cancel
    case retryItem = "retry_item"
    case forceRetryItem = "force_retry_item"
}

/// A command for a job, written by any process and consumed by the job's runner.
public struct JobCommand: Sendable {
    public var id: Int64
    public var jobID: Int64
    public var kind: JobCommandKind
    /// `retry_item`: the item key, or nil for every failed item. `pause`: "immediate" or nil (drain).
    public var argument: String?
    public var createdAt: Date

    public init(id: Int64, jobID: Int64, kind: JobCommandKind, argument: String? = nil, createdAt: Date) {
        self.id = id
        self.jobID = jobID
        self.kind = kind
        self.argument = argument
        self.createdAt = createdAt
    }
}

/// Something that happened to a job (a state change, a notable moment).
public struct JobEvent: Sendable {
    public var at: Date
    public var kind: String
    public var message: String

    public init(at: Date, kind: String, message: String) {
        self.at = at
        self.kind = kind
        self.message = message
    }
}

/// A runner process, as it last reported itself.
public struct JobWorker: Sendable {
    public var id: String
    public var host: String
    public var pid: Int32
    public var jobID: Int64?
    public var heartbeatAt: Date
    public var currentItem: String?
    public var bytesPerSecond: Double?
    public var stoppedAt: Date?

    public init(
        id: String, host: String, pid: Int32, jobID: Int64? = nil, heartbeatAt: Date, currentItem: String? = nil,
        bytesPerSecond: Double? = nil, stoppedAt: Date? = nil
    ) {
        self.id = id
        self.host = host
        self.pid = pid
        self.jobID = jobID
        self.heartbeatAt = heartbeatAt
        self.currentItem = currentItem
        self.bytesPerSecond = bytesPerSecond
        self.stoppedAt = stoppedAt
    }
}

/// What a worker's heartbeat reports it is on: the downloads in flight (the first one's
/// title, and how many more) and the bytes its downloads received since the last heartbeat
/// (finished ones included), per second; no rate before a second reading, nor while idle.
struct WorkReport {
    private var last: (received: Int64, at: ContinuousClock.Instant)?

    mutating func next(_ samples: [TransferSample], received: Int64?) -> (item: String?, bytesPerSecond: Double?) {
        let now = ContinuousClock.now
        var rate: Double?
        if let received, let last, received >= last.received {
            let elapsed = Double((now - last.at).components.seconds) + Double((now - last.at).components.attoseconds) / 1e18
            if elapsed > 0, received > last.received || !samples.isEmpty { rate = Double(received - last.received) / elapsed }
        }
        last = received.map { ($0, now) }
        guard let first = samples.first else { return (nil, rate) }
        return (samples.count > 1 ? "\(first.title) (+\(samples.count - 1) more)" : first.title, rate)
    }
}

/// What claiming a job's hook found.
public enum HookClaim: Sendable, Equatable {
    /// Claimed now: run it.
    case claimed
    /// It has run (or was recorded) already.
    case done
    /// A runner that is gone had started it: it is now recorded done (the caller records why).
    case cutOff
    /// A live runner is running it.
    case busy
}
