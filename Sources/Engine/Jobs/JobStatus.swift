/// A job's status (DESIGN, State): queued → running → (pause_requested → paused → running) →
/// completed | completed_with_errors | failed | canceled. `allowed` is the whole machine; the
/// store applies a transition only from the status it read, in the same transaction
/// (`UPDATE … WHERE status = <read>`), so no process can move a job along an illegal edge.
public enum JobStatus: String, Sendable, CaseIterable, Codable {
    case queued, running
    case pauseRequested = "pause_requested"
    case paused, completed
    case completedWithErrors = "completed_with_errors"
    case failed, canceled

    /// Where a job may go from each status.
    public static let allowed: [JobStatus: Set<JobStatus>] = [
        .queued: [.running, .paused, .canceled],
        // A runner that stops releases the job: paused (resumable), or back in the queue.
        .running: [.pauseRequested, .paused, .queued, .completed, .completedWithErrors, .failed, .canceled],
        .pauseRequested: [.paused, .running, .canceled, .failed],
        // Resumed: straight back to its runner, or into the queue for the next one.
        .paused: [.running, .queued, .canceled],
        // Retrying failed (or, forced, all) items queues a finished job again.
        .completed: [.queued],
        .completedWithErrors: [.queued],
        .failed: [.queued],
        .canceled: [.queued],
    ]

    public func canMove(to next: JobStatus) -> Bool { Self.allowed[self]?.contains(next) ?? false }

    /// Nothing more will happen unless someone retries it.
    public var isFinished: Bool { [.completed, .completedWithErrors, .failed, .canceled].contains(self) }
}

extension ItemStatus {
    /// A job item's status: pending → running → succeeded | failed | skipped | canceled, with
    /// `interrupted` for a running item whose runner died (claimable again, like pending).
    public static let allowed: [ItemStatus: Set<ItemStatus>] = [
        .pending: [.running, .canceled],
        // Released (a stopping runner), or due again after a transient error: pending.
        .running: [.succeeded, .failed, .skipped, .canceled, .interrupted, .pending],
        .interrupted: [.running, .canceled],
        .failed: [.pending],
        .canceled: [.pending],
        // Only a forced retry redoes these.
        .succeeded: [.pending],
        .skipped: [.pending],
    ]

    public func canMove(to next: ItemStatus) -> Bool { Self.allowed[self]?.contains(next) ?? false }
}

/// A job status change the machine refuses: names the job and both statuses.
public struct IllegalTransition: Error, Sendable, CustomStringConvertible {
    public let subject: String
    public let from: String
    public let to: String

    public init(subject: String, from: String, to: String) {
        self.subject = subject
        self.from = from
        self.to = to
    }

    public var description: String { "\(subject) cannot go from \(from) to \(to)" }
}
