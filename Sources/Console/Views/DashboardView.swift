import Engine
import Foundation

/// What the dashboard shows (the page and `GET /api/dashboard`): the runner, the active job
/// with its stages, rate and ETA, its running items, the newest jobs, and free space.
struct DashboardView {
    var runner: RunnerStatus
    var jobs: [(job: JobRecord, counters: JobCounters)]
    var active: ActiveJob?
    var freeLibrary: Int64?
    var freeTemp: Int64?

    struct ActiveJob {
        var job: JobRecord
        var counters: JobCounters
        var stages: [JobStageCounters]
        var running: [RunningItem]
        var bytes: Int64
        var bytesPerSecond: Double?
        var eta: Double?
    }

    /// The view as read at most 250 ms ago in this event generation (`RecentViews`).
    static func recent(_ backend: ConsoleBackend) async throws -> DashboardView {
        try await backend.dashboards.value(0, generation: backend.events.generation.load(ordering: .sequentiallyConsistent)) {
            try await load(backend)
        }
    }

    static func load(_ backend: ConsoleBackend, now: Date = Date()) async throws -> DashboardView {
        let store = backend.store
        var jobs: [(JobRecord, JobCounters)] = []
        for job in try await store.jobs(limit: 20) { jobs.append((job, try await store.counters(jobID: job.id))) }
        var active: ActiveJob?
        // The running job, or else the newest paused one (its card has Resume).
        if let (job, counters) = jobs.first(where: { [.running, .pauseRequested].contains($0.0.status) })
            ?? jobs.first(where: { $0.0.status == .paused })
        {
            active = try await ActiveJob.load(store, job, counters, now: now)
        }
        return DashboardView(
            runner: backend.runner(), jobs: jobs, active: active, freeLibrary: Self.free(backend.directory.library),
            freeTemp: Self.free(backend.directory.temporary))
    }

    /// Free bytes of the volume that holds `folder` (or its nearest existing parent).
    static func free(_ folder: URL) -> Int64? {
        var existing = folder
        while !FileManager.default.fileExists(atPath: existing.path), existing.path != "/" { existing.deleteLastPathComponent() }
        return try? DiskBudget.statvfsFree(existing.path)
    }

    var json: JSONValue {
        .object([
            ("runner", ConsoleRoutes.runnerJSON(runner)), ("active_job", active.map { .int($0.job.id) } ?? .null),
            ("active", active?.json ?? .null), ("jobs", .array(jobs.map { $0.job.json(counters: $0.counters) })),
            ("free_bytes", .object([("library", freeLibrary.map(JSONValue.int) ?? .null), ("temp", freeTemp.map(JSONValue.int) ?? .null)])),
        ])
    }
}

extension DashboardView.ActiveJob {
    static func load(_ store: any EngineStore, _ job: JobRecord, _ counters: JobCounters, now: Date) async throws -> Self {
        let bytes = try await store.jobBytes(jobID: job.id)
        let elapsed = job.startedAt.map { (job.finishedAt ?? now).timeIntervalSince($0) } ?? 0
        let settled = counters[.succeeded] + counters[.failed] + counters[.skipped] + counters[.canceled]
        // The rate since the job started; the ETA from items settled so far (collection may still add some).
        let eta = !job.status.isFinished && settled > 0 && elapsed > 0 ? Double(counters.open) / (Double(settled) / elapsed) : nil
        return Self(
            job: job, counters: counters, stages: try await store.jobStages(job.id), running: try await store.runningItems(jobID: job.id, limit: 20),
            bytes: bytes, bytesPerSecond: elapsed > 1 ? Double(bytes) / elapsed : nil, eta: eta)
    }

    var json: JSONValue {
        .object([
            ("job", job.json(counters: counters)),
            ("stages", .array(stages.map { .object([("name", .string($0.name)), ("finished", .int(Int64($0.finished))), ("failed", .int(Int64($0.failed))), ("skipped", .int(Int64($0.skipped)))]) })),
            ("running", .array(running.map(\.json))), ("bytes", .int(bytes)),
            ("bytes_per_second", bytesPerSecond.map(JSONValue.double) ?? .null), ("eta_seconds", eta.map(JSONValue.double) ?? .null),
        ])
    }
}

extension RunningItem {
    /// Bytes per second since the item started (its download so far).
    func speed(now: Date = Date()) -> Double? {
        guard let bytes, let startedAt, now.timeIntervalSince(startedAt) > 0.2 else { return nil }
        return Double(bytes) / now.timeIntervalSince(startedAt)
    }

    var json: JSONValue {
        .object([
            ("item", .string(Redaction.scrub(itemKey))), ("title", .string(title)), ("step", step.map(JSONValue.string) ?? .null),
            ("attempt", .int(Int64(attempt))), ("bytes", bytes.map(JSONValue.int) ?? .null),
            ("bytes_expected", bytesExpected.map(JSONValue.int) ?? .null), ("bytes_per_second", speed().map(JSONValue.double) ?? .null),
        ])
    }
}
