import GRDB

extension SQLiteJobStore: ResolveTraceStore {
    public func sourceFailures(jobItemID: Int64) async throws -> [SourceFailure] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT source, url, attempt, error FROM job_item_source_failures WHERE job_item_id = ? ORDER BY id"),
                arguments: [jobItemID]
            ).map { SourceFailure(source: $0["source"], url: $0["url"], attempt: $0["attempt"], error: $0["error"]) }
        }
    }

    public func recordResolveTrace(_ trace: String, lease: ItemLease) async throws {
        try await writer.write { db in
            try db.cachedStatement(sql: "UPDATE job_items SET resolve_trace = ? WHERE id = ? AND lease_token = ? AND status = 'running'")
                .execute(arguments: [Redaction.scrub(trace), lease.jobItemID, lease.token])
        }
    }

    public func recordSourceFailure(_ failure: SourceFailure, lease: ItemLease) async throws {
        try await writer.write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO job_item_source_failures (job_item_id, attempt, source, url, error)
                    SELECT id, ?, ?, ?, ? FROM job_items WHERE id = ? AND lease_token = ? AND status = 'running'
                    """
            ).execute(arguments: [
                failure.attempt, failure.source, Redaction.url(failure.url), Redaction.scrub(failure.error), lease.jobItemID, lease.token,
            ])
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
