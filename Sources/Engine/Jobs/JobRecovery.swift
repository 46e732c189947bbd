import Foundation

/// What a runner does when it starts, holding the data directory's lock (so every other runner
/// registered there is gone): their running items become `interrupted` (claimable again) and
/// the jobs they held become `paused`, resumable.
public enum JobRecovery {
    public struct Report: Sendable {
        public var interruptedItems = 0
        public var pausedJobs: [Int64] = []
    }

    public static func recover(store: any JobStore, runner: String) async throws -> Report {
        var report = Report()
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
