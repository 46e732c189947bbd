public import Engine
import Foundation
import PostgresNIO

/// Jobs, their inputs and stages, commands, events and workers on PostgreSQL.
extension PostgresJobStore {
    public func createJob(_ spec: JobSpec) async throws -> JobRecord {
        let scope = String(decoding: try JSONEncoder().encode(spec.scope), as: UTF8.self)
        return try await transaction { session in
            let id: Int64 = try await session.value(
                """
                INSERT INTO job_runs (type, scope, options, created_at, updated_at)
                VALUES (\(spec.type.rawValue), \(scope), \(spec.options), \(unescaped: Self.now), \(unescaped: Self.now)) RETURNING id
                """)!
            for (position, input) in spec.inputs.enumerated() {
                try await session.execute("INSERT INTO job_inputs (job_id, position, input) VALUES (\(id), \(position), \(input))")
            }
            for (position, stage) in spec.stages.enumerated() {
                try await session.execute("INSERT INTO job_stages (job_id, position, name) VALUES (\(id), \(position), \(stage))")
            }
            try await Self.event(session, id, "created", "\(spec.type.rawValue) job with \(spec.inputs.count) input(s)")
            try await Self.notifyWork(session)
            return try await Self.job(session, id)!
        }
    }

    public func job(_ id: Int64) async throws -> JobRecord? {
        try await connection { session in try await Self.job(session, id) }
    }

    public func jobs(limit: Int) async throws -> [JobRecord] {
        try await connection { session in
            try await session.rows("SELECT * FROM job_runs ORDER BY id DESC LIMIT \(limit)").map(Self.jobRecord)
        }
    }

    public func nextQueuedJob(types: Set<JobType>) async throws -> JobRecord? {
        let names = types.map(\.rawValue)
        guard !names.isEmpty else { return nil }
        return try await connection { session in
            try await session.row("SELECT * FROM job_runs WHERE status = 'queued' AND type = ANY(\(names)) ORDER BY id LIMIT 1").map(Self.jobRecord)
        }
    }

    public func newestUnfinishedJob() async throws -> JobRecord? {
        let finished = JobStatus.allCases.filter(\.isFinished).map(\.rawValue)
        return try await connection { session in
            try await session.row("SELECT * FROM job_runs WHERE NOT status = ANY(\(finished)) ORDER BY id DESC LIMIT 1").map(Self.jobRecord)
        }
    }

    @discardableResult
    public func transitionJob(_ id: Int64, to status: JobStatus, runner: String?, error: String?) async throws -> JobRecord {
        try await transaction { session in try await Self.transition(session, id, to: status, runner: runner, error: error, from: nil) }
    }

    @discardableResult
    public func startJob(_ id: Int64, runner: String, from: Set<JobStatus>) async throws -> JobRecord {
        try await transaction { session in try await Self.transition(session, id, to: .running, runner: runner, error: nil, from: from) }
    }

    /// Staleness is the server's clock against the server's clock: machines whose clocks
    /// disagree never take a live worker for dead.
    @discardableResult
    public func releaseOrphanedJobs(staleAfter: Duration) async throws -> [Int64] {
        try await transaction { session in
            let cutoff = "(\(Self.now) - \(staleAfter.seconds))"
            try await session.execute(
                """
                UPDATE job_workers SET stopped_at = \(unescaped: Self.now)
                WHERE stopped_at IS NULL AND heartbeat_at < \(unescaped: cutoff)
                """)
            let released = try await session.rows(
                """
                WITH orphans AS MATERIALIZED (
                    SELECT id, status, runner_id FROM job_runs WHERE status IN ('running', 'pause_requested') AND NOT EXISTS (
                        SELECT 1 FROM job_workers w WHERE w.id = job_runs.runner_id AND w.stopped_at IS NULL
                            AND w.heartbeat_at >= \(unescaped: cutoff))
                    FOR UPDATE SKIP LOCKED)
                UPDATE job_runs j SET status = CASE WHEN orphans.status = 'running' THEN 'queued' ELSE 'paused' END, runner_id = NULL,
                    updated_at = \(unescaped: Self.now)
                FROM orphans WHERE j.id = orphans.id
                RETURNING j.id, j.status, orphans.runner_id
                """)
            var ids: [Int64] = []
            for row in released {
                let id: Int64 = try row["id"]
                let runner: String? = try row["runner_id"]
                try await Self.event(session, id, try row["status"], "its runner \(runner ?? "?") stopped answering; the job is back in the queue")
                ids.append(id)
            }
            if !ids.isEmpty { try await Self.notifyWork(session) }
            return ids
        }
    }

    public func jobs(in statuses: Set<JobStatus>) async throws -> [JobRecord] {
        let names = statuses.map(\.rawValue)
        return try await connection { session in
            try await session.rows("SELECT * FROM job_runs WHERE status = ANY(\(names)) ORDER BY id").map(Self.jobRecord)
        }
    }

    /// The job's row is locked while its move is decided: two workers taking it at once take turns.
    private static func transition(
        _ session: Session, _ id: Int64, to status: JobStatus, runner: String?, error: String?, from: Set<JobStatus>?
    ) async throws -> JobRecord {
        guard let current = try await session.row("SELECT * FROM job_runs WHERE id = \(id) FOR UPDATE").map(jobRecord) else {
            throw StoreError.noSuchJob(id)
        }
        guard current.status.canMove(to: status), from?.contains(current.status) ?? true else {
            throw IllegalTransition(subject: "job \(id)", from: current.status.rawValue, to: status.rawValue)
        }
        try await session.execute(
            """
            UPDATE job_runs SET status = \(status.rawValue), runner_id = \(runner), error = \(error.map(Redaction.scrub)),
                updated_at = \(unescaped: now),
                started_at = CASE WHEN \(status == .running) THEN coalesce(started_at, \(unescaped: now)) ELSE started_at END,
                finished_at = CASE WHEN \(status.isFinished) THEN \(unescaped: now) ELSE NULL END
            WHERE id = \(id)
            """)
        try await event(session, id, status.rawValue, "\(current.status.rawValue) → \(status.rawValue)" + (error.map { ": \($0)" } ?? ""))
        if status == .queued || status == .running { try await notifyWork(session) }
        return try await job(session, id)!
    }

    public func jobInputs(_ id: Int64) async throws -> [JobInput] {
        try await connection { session in
            try await session.rows(
                "SELECT position, input, done, checkpoint, pages, found, error FROM job_inputs WHERE job_id = \(id) ORDER BY position"
            ).map(Self.jobInput)
        }
    }

    public func nextOpenInput(_ id: Int64) async throws -> JobInput? {
        try await connection { session in
            try await session.row(
                """
                SELECT position, input, done, checkpoint, pages, found, error FROM job_inputs
                WHERE job_id = \(id) AND NOT done ORDER BY position LIMIT 1
                """
            ).map(Self.jobInput)
        }
    }

    private static func jobInput(_ row: Row) throws -> JobInput {
        JobInput(
            position: try row["position"], input: try row["input"], done: try row["done"], checkpoint: try row["checkpoint"],
            pages: try row["pages"], found: try row["found"], error: try row["error"])
    }

    public func jobStages(_ id: Int64) async throws -> [JobStageCounters] {
        try await connection { session in
            try await session.rows("SELECT name, finished, failed, skipped FROM job_stages WHERE job_id = \(id) ORDER BY position").map {
                JobStageCounters(name: try $0["name"], finished: try $0["finished"], failed: try $0["failed"], skipped: try $0["skipped"])
            }
        }
    }

    public func addStageCounts(jobID: Int64, _ deltas: [JobStageCounters]) async throws {
        guard !deltas.isEmpty else { return }
        try await transaction { session in
            for delta in deltas {
                try await session.execute(
                    """
                    UPDATE job_stages SET finished = finished + \(delta.finished), failed = failed + \(delta.failed),
                        skipped = skipped + \(delta.skipped)
                    WHERE job_id = \(jobID) AND name = \(delta.name)
                    """)
            }
        }
    }

    public func finishCollection(jobID: Int64) async throws {
        try await connection { session in
            try await session.execute("UPDATE job_runs SET collection_done = true, updated_at = \(unescaped: Self.now) WHERE id = \(jobID)")
        }
    }

    // MARK: commands, events, workers

    @discardableResult
    public func submitCommand(jobID: Int64, kind: JobCommandKind, argument: String?) async throws -> Int64 {
        try await transaction { session in
            guard try await Self.job(session, jobID) != nil else { throw StoreError.noSuchJob(jobID) }
            return try await session.value(
                """
                INSERT INTO job_commands (job_id, kind, argument, created_at) VALUES (\(jobID), \(kind.rawValue), \(argument),
                    \(unescaped: Self.now)) RETURNING id
                """)!
        }
    }

    public func takeCommands(jobID: Int64, consumer: String) async throws -> [JobCommand] {
        try await connection { session in
            try await session.rows(
                """
                UPDATE job_commands SET consumed_at = \(unescaped: Self.now), consumed_by = \(consumer)
                WHERE id IN (SELECT id FROM job_commands WHERE job_id = \(jobID) AND consumed_at IS NULL FOR UPDATE SKIP LOCKED)
                RETURNING id, job_id, kind, argument, created_at
                """
            ).compactMap { row in
                try JobCommandKind(rawValue: row["kind"]).map {
                    JobCommand(
                        id: try row["id"], jobID: try row["job_id"], kind: $0, argument: try row["argument"],
                        createdAt: try row.date("created_at")!)
                }
            }.sorted { $0.id < $1.id }
        }
    }

    public func completeCommand(_ id: Int64, result: String) async throws {
        try await connection { session in try await session.execute("UPDATE job_commands SET result = \(result) WHERE id = \(id)") }
    }

    public func appendEvent(jobID: Int64, kind: String, message: String) async throws {
        try await connection { session in try await Self.event(session, jobID, kind, message) }
    }

    public func events(jobID: Int64, limit: Int) async throws -> [JobEvent] {
        try await connection { session in
            try await session.rows("SELECT at, kind, message FROM job_events WHERE job_id = \(jobID) ORDER BY id DESC LIMIT \(limit)")
                .reversed().map { JobEvent(at: try $0.date("at")!, kind: try $0["kind"], message: try $0["message"]) }
        }
    }

    public func registerWorker(id: String, host: String, pid: Int32) async throws {
        try await connection { session in
            try await session.execute(
                """
                INSERT INTO job_workers (id, host, pid, started_at, heartbeat_at)
                VALUES (\(id), \(host), \(Int64(pid)), \(unescaped: Self.now), \(unescaped: Self.now))
                ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL
                """)
        }
    }

    public func workerHeartbeat(id: String, jobID: Int64?, currentItem: String?, bytesPerSecond: Double?) async throws {
        try await connection { session in
            try await session.execute(
                """
                UPDATE job_workers SET heartbeat_at = \(unescaped: Self.now), job_id = \(jobID), current_item = \(currentItem),
                    bytes_per_second = \(bytesPerSecond), stopped_at = NULL
                WHERE id = \(id)
                """)
        }
    }

    public func stopWorker(id: String) async throws {
        try await connection { session in
            try await session.execute(
                "UPDATE job_workers SET stopped_at = \(unescaped: Self.now), job_id = NULL, current_item = NULL WHERE id = \(id)")
        }
    }

    public func activeWorkers() async throws -> [JobWorker] {
        try await connection { session in
            try await session.rows("SELECT * FROM job_workers WHERE stopped_at IS NULL ORDER BY started_at").map {
                JobWorker(
                    id: try $0["id"], host: try $0["host"], pid: Int32(try $0["pid"] as Int64), jobID: try $0["job_id"],
                    heartbeatAt: try $0.date("heartbeat_at")!, currentItem: try $0["current_item"],
                    bytesPerSecond: try $0["bytes_per_second"], stoppedAt: nil)
            }
        }
    }

    // MARK: helpers

    static func event(_ session: Session, _ jobID: Int64, _ kind: String, _ message: String) async throws {
        try await session.execute(
            "INSERT INTO job_events (job_id, at, kind, message) VALUES (\(jobID), \(unescaped: now), \(kind), \(Redaction.scrub(message)))")
    }

    static func job(_ session: Session, _ id: Int64) async throws -> JobRecord? {
        try await session.row("SELECT * FROM job_runs WHERE id = \(id)").map(jobRecord)
    }

    static func jobRecord(_ row: Row) throws -> JobRecord {
        JobRecord(
            id: try row["id"], type: JobType(rawValue: try row["type"]) ?? .ingest, status: JobStatus(rawValue: try row["status"]) ?? .failed,
            scope: (try? JSONDecoder().decode(JobScope.self, from: Data((try row["scope"] as String).utf8))) ?? JobScope(),
            options: try row["options"], collected: try row["collected"], collectionDone: try row["collection_done"],
            runner: try row["runner_id"], error: try row["error"], createdAt: try row.date("created_at")!,
            startedAt: try row.date("started_at"), finishedAt: try row.date("finished_at"))
    }
}
