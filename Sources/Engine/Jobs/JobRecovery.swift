import Foundation

/// What a runner does when it starts, holding the data directory's lock (so every other runner
/// registered there is gone): their running items become `interrupted` (claimable again) and
/// the jobs they held become `paused`, resumable.
public enum JobRecovery {
    /// What a recovery put back: items made claimable again, jobs left paused.
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
            report.pausedJobs = try await store.releaseOrphanedJobs(staleAfter: JobRunSettings().leaseDuration)
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

    /// A runner id: host, pid and a random part (pids are reused).
    public static func newRunnerID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(6).lowercased())"
    }
}
