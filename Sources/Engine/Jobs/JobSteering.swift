import Foundation

/// Pause, resume and cancel a job from any process (the CLI, the console): a job a live
/// runner holds gets a command it acts on; one nobody runs is changed in the store directly.
package struct JobSteering: Sendable {
    public let store: any EngineStore

    public init(store: any EngineStore) {
        self.store = store
    }

    public enum Outcome: Sendable, Equatable {
        /// The runner that holds the job got the command.
        case sentToRunner
        /// The job is in this state now.
        case changed(JobStatus)
    }

    /// `immediate`: in-flight items go back to the queue instead of finishing.
    public func pause(_ id: Int64, immediate: Bool) async throws -> Outcome {
        let job = try await find(id)
        if try await isRunByLiveRunner(job) {
            try await store.submitCommand(jobID: id, kind: .pause, argument: immediate ? "immediate" : nil)
            return .sentToRunner
        }
        guard [.queued, .running, .pauseRequested].contains(job.status) else { throw JobSteeringError.illegal(job: id, status: job.status, action: "pause") }
        try await store.transitionJob(id, to: .paused, runner: nil, error: nil)
        return .changed(.paused)
    }

    /// Queued for whichever runner comes next; a foreground `engine run` waiting on it hears the command.
    public func resume(_ id: Int64) async throws -> Outcome {
        let job = try await find(id)
        guard job.status == .paused else { throw JobSteeringError.illegal(job: id, status: job.status, action: "resume") }
        try await store.transitionJob(id, to: .queued, runner: nil, error: nil)
        try await store.submitCommand(jobID: id, kind: .resume, argument: nil)
        return .changed(.queued)
    }

    public func cancel(_ id: Int64) async throws -> Outcome {
        let job = try await find(id)
        if try await isRunByLiveRunner(job) {
            try await store.submitCommand(jobID: id, kind: .cancel, argument: nil)
            return .sentToRunner
        }
        guard !job.status.isFinished else { throw JobSteeringError.illegal(job: id, status: job.status, action: "cancel") }
        try await store.cancelOpenItems(jobID: id)
        try await store.transitionJob(id, to: .canceled, runner: nil, error: nil)
        try await store.submitCommand(jobID: id, kind: .cancel, argument: nil)  // for a run waiting on it
        return .changed(.canceled)
    }

    /// Requeues the job's failed items and failed renditions (or only `keys`; `force`: succeeded
    /// and skipped ones too). A live runner gets a command per key; otherwise the store changes
    /// them, and a finished job with something requeued (or one that failed as a whole) is
    /// queued again.
    public func retry(_ id: Int64, keys: [String]?, force: Bool) async throws -> RetryOutcome {
        let job = try await find(id)
        let kind: JobCommandKind = force ? .forceRetryItem : .retryItem
        if try await isRunByLiveRunner(job) {
            try await store.submitCommands(jobID: id, kind: kind, arguments: keys.map { $0.map(Optional.some) } ?? [nil])
            return .sentToRunner
        }
        let count =
            if let keys { try await store.retryItems(jobID: id, itemKeys: keys, force: force) } else {
                try await store.retryItems(jobID: id, itemKey: nil, force: force)
            }
        let requeue = job.status.isFinished && (count > 0 || job.status == .failed)
        if requeue { try await store.transitionJob(id, to: .queued, runner: nil, error: nil) }
        return .requeued(items: count, jobQueued: requeue)
    }

    public enum RetryOutcome: Sendable, Equatable {
        case sentToRunner
        /// `items` requeued in the store; `jobQueued`: the finished job is queued again.
        case requeued(items: Int, jobQueued: Bool)
    }

    public func find(_ id: Int64) async throws -> JobRecord {
        guard let job = try await store.job(id) else { throw JobSteeringError.notFound(job: id) }
        return job
    }

    /// A runner is alive and holds the job (its heartbeat is recent): commands go to it.
    public func isRunByLiveRunner(_ job: JobRecord) async throws -> Bool {
        guard let runner = job.runner, job.status == .running || job.status == .pauseRequested else { return false }
        return try await store.activeWorkers().contains { $0.id == runner && Date().timeIntervalSince($0.heartbeatAt) < 15 }
    }
}

package enum JobSteeringError: Error, Sendable, CustomStringConvertible, Equatable {
    case notFound(job: Int64)
    /// The job's state does not allow the action (a finished job cannot be canceled).
    case illegal(job: Int64, status: JobStatus, action: String)

    public var description: String {
        switch self {
        case .notFound(let job): "no job \(job)"
        case .illegal(let job, let status, let action): "job \(job) is \(status.rawValue): it cannot \(action)"
        }
    }
}
