public import Engine
import Foundation
import PostgresNIO

extension PostgresJobStore {
    public func claimHook(jobID: Int64, hook: String, runner: String) async throws -> HookClaim {
        try await transaction { session in
            let now = Date().timeIntervalSince1970
            let inserted = try await session.row(
                """
                INSERT INTO job_hooks (job_id, hook, runner, state, updated_at) VALUES (\(jobID), \(hook), \(runner), 'running', \(now))
                ON CONFLICT DO NOTHING RETURNING job_id
                """)
            if inserted != nil { return .claimed }
            guard let row = try await session.row("SELECT runner, state FROM job_hooks WHERE job_id = \(jobID) AND hook = \(hook) FOR UPDATE"),
                try row["state"] as String == "running"
            else { return .done }
            let holder: String = try row["runner"]
            let stale = now - 30
            var live = holder == runner
            if !live {
                live = try await session.row(
                    "SELECT 1 FROM job_workers WHERE id = \(holder) AND stopped_at IS NULL AND heartbeat_at >= \(stale)") != nil
            }
            if live { return .busy }
            try await session.execute("UPDATE job_hooks SET state = 'done', updated_at = \(now) WHERE job_id = \(jobID) AND hook = \(hook)")
            return .cutOff
        }
    }

    public func finishHook(jobID: Int64, hook: String) async throws {
        try await connection { session in
            try await session.execute(
                """
                INSERT INTO job_hooks (job_id, hook, runner, state, updated_at) VALUES (\(jobID), \(hook), '', 'done', \(Date().timeIntervalSince1970))
                ON CONFLICT (job_id, hook) DO UPDATE SET state = 'done', updated_at = excluded.updated_at
                """)
        }
    }

    public func jobsWithHooksDue(limit: Int) async throws -> [Int64] {
        try await connection { session in
            try await session.rows(
                """
                SELECT j.id FROM (SELECT id FROM job_runs WHERE status IN ('completed', 'completed_with_errors', 'failed', 'canceled')
                    ORDER BY id DESC LIMIT \(limit)) j
                WHERE EXISTS (SELECT 1 FROM job_hooks h WHERE h.job_id = j.id AND h.hook = 'due')
                    AND NOT EXISTS (SELECT 1 FROM job_hooks h WHERE h.job_id = j.id AND h.hook = 'after_job' AND h.state = 'done')
                ORDER BY j.id
                """
            ).map { try $0["id"] as Int64 }
        }
    }
}
