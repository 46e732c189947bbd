import GRDB

extension SQLiteJobStore: ResolveTraceStore {
    public func resolveHistory(jobItemID: Int64) async throws -> ResolveHistory {
        try await pool.read { db in
            let last = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT attempt, error FROM job_item_attempts WHERE job_item_id = ? ORDER BY id DESC LIMIT 1"),
                arguments: [jobItemID])
            return ResolveHistory(
                trace: try String.fetchOne(db.cachedStatement(sql: "SELECT resolve_trace FROM job_items WHERE id = ?"), arguments: [jobItemID]),
                lastError: last?["error"], lastErrorAttempt: last?["attempt"])
        }
    }

    public func recordResolveTrace(_ trace: String, lease: ItemLease) async throws {
        try await writer.write { db in
            try db.cachedStatement(sql: "UPDATE job_items SET resolve_trace = ? WHERE id = ? AND lease_token = ? AND status = 'running'")
                .execute(arguments: [Redaction.scrub(trace), lease.jobItemID, lease.token])
        }
    }

    public func resolveTrace(itemID: Int64) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(
                db.cachedStatement(
                    sql: "SELECT resolve_trace FROM job_items WHERE item_id = ? AND resolve_trace IS NOT NULL ORDER BY id DESC LIMIT 1"),
                arguments: [itemID])
        }
    }
}
