import Foundation
import GRDB

extension SQLiteJobStore {
    /// A runner is live while it heartbeats (a lease's length) and has not stopped.
    static let hookRunnerStaleAfter: Double = 30

    public func claimHook(jobID: Int64, hook: String, runner: String) async throws -> HookClaim {
        try await writer.write { db in
            let now = Self.now
            try db.execute(
                sql: "INSERT INTO job_hooks (job_id, hook, runner, state, updated_at) VALUES (?, ?, ?, 'running', ?) ON CONFLICT DO NOTHING",
                arguments: [jobID, hook, runner, now])
            if db.changesCount == 1 { return .claimed }
            guard let row = try Row.fetchOne(db, sql: "SELECT runner, state FROM job_hooks WHERE job_id = ? AND hook = ?", arguments: [jobID, hook]),
                row["state"] as String == "running"
            else { return .done }
            let holder: String = row["runner"]
            let live = try holder == runner || Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM job_workers WHERE id = ? AND stopped_at IS NULL AND heartbeat_at >= ?)",
                arguments: [holder, now - Self.hookRunnerStaleAfter]) == true
            if live { return .busy }
            try db.execute(sql: "UPDATE job_hooks SET state = 'done', updated_at = ? WHERE job_id = ? AND hook = ?", arguments: [now, jobID, hook])
            return .cutOff
        }
    }

    public func finishHook(jobID: Int64, hook: String) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO job_hooks (job_id, hook, runner, state, updated_at) VALUES (?, ?, '', 'done', ?)
                    ON CONFLICT DO UPDATE SET state = 'done', updated_at = excluded.updated_at
                    """, arguments: [jobID, hook, Self.now])
        }
    }

    public func jobsWithHooksDue(limit: Int) async throws -> [Int64] {
        try await pool.read { db in
            try Int64.fetchAll(
                db,
                sql: """
                    SELECT j.id FROM (SELECT id FROM job_runs WHERE status IN ('completed', 'completed_with_errors', 'failed', 'canceled')
                        ORDER BY id DESC LIMIT ?) j
                    WHERE EXISTS (SELECT 1 FROM job_hooks h WHERE h.job_id = j.id AND h.hook = 'due')
                        AND NOT EXISTS (SELECT 1 FROM job_hooks h WHERE h.job_id = j.id AND h.hook = 'after_job' AND h.state = 'done')
                    ORDER BY j.id
                    """, arguments: [limit])
        }
    }
}
