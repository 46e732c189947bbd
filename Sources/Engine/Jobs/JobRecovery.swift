import Foundation

/// What a runner does when it starts, holding the data directory's lock (so every other runner
/// registered there is gone): their running items become `interrupted` (claimable again) and
/// the jobs they held become `paused`, resumable.
public enum JobRecovery {
    public struct Report: Sendable {
        public var interruptedItems = 0
        public var pausedJobs: [Int64] = []
    }

    /// With a `shared` store (PostgreSQL: other workers, on other machines, run its jobs now),
    /// only what is known dead is recovered: items whose lease expired, workers whose heartbeat
    /// stopped. Their jobs stay as they are, for any worker to go on with.
    public static func recover(store: any JobStore, runner: String, shared: Bool = false) async throws -> Report {
        var report = Report()
        if shared {
            report.interruptedItems = try await store.interruptExpiredLeases()
            return report
        }
        let gone = try await store.activeWorkers().map(\.id).filter { $0 != runner }
        // The lock is ours: whoever holds a running item (a registered runner, or one that
        // marked itself stopped with items it never settled) is gone.
        report.interruptedItems = try await store.interruptItems(notHeldBy: runner)
        for id in gone { try await store.stopWorker(id: id) }
        for job in try await store.jobs(in: [.running, .pauseRequested]) {
            try await store.transitionJob(job.id, to: .paused, runner: nil, error: nil)
            try await store.appendEvent(
                jobID: job.id, kind: "recovered",
                message: "its runner \(job.runner ?? "?") died; \(report.interruptedItems) running item(s) were interrupted and requeued")
            report.pausedJobs.append(job.id)
        }
        return report
    }

    /// On a shared store: workers whose heartbeat is older than `staleAfter` are marked stopped,
    /// and the running jobs they owned go back to the queue (a pausing one is paused) for a live
    /// worker to take on. Returns the jobs requeued.
    @discardableResult
    public static func requeueOrphanedJobs(store: any JobStore, staleAfter: Duration) async throws -> [Int64] {
        let workers = try await store.activeWorkers()
        let cutoff = Date().addingTimeInterval(-Double(staleAfter.components.seconds))
        for worker in workers where worker.heartbeatAt < cutoff { try await store.stopWorker(id: worker.id) }
        let live = Set(workers.filter { $0.heartbeatAt >= cutoff }.map(\.id))
        var requeued: [Int64] = []
        for job in try await store.jobs(in: [.running, .pauseRequested]) {
            guard let owner = job.runner, !live.contains(owner) else { continue }
            let released = try await store.releaseJob(
                job.id, heldBy: owner, to: job.status == .running ? .queued : .paused,
                reason: "its runner \(owner) stopped answering; the job is back in the queue")
            if released { requeued.append(job.id) }
        }
        return requeued
    }

    /// A runner id: host, pid and a random part (pids are reused).
    public static func newRunnerID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(6).lowercased())"
    }
}
