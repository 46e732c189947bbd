public import Engine
import PostgresNIO

extension PostgresJobStore: ResolveTraceStore {
    public func sourceFailures(jobItemID: Int64) async throws -> [SourceFailure] {
        try await connection { session in
            try await session.rows("SELECT source, url, attempt, error FROM job_item_source_failures WHERE job_item_id = \(jobItemID) ORDER BY id")
                .map { SourceFailure(source: try $0["source"], url: try $0["url"], attempt: try $0["attempt"], error: try $0["error"]) }
        }
    }

    public func recordResolveTrace(_ trace: String, lease: ItemLease) async throws {
        try await connection { session in
            try await session.execute(
                """
                UPDATE job_items SET resolve_trace = \(Redaction.scrub(trace))
                WHERE id = \(lease.jobItemID) AND lease_token = \(lease.token) AND status = 'running'
                """)
        }
    }

    public func recordSourceFailure(_ failure: SourceFailure, lease: ItemLease) async throws {
        try await connection { session in
            try await session.execute(
                """
                INSERT INTO job_item_source_failures (job_item_id, attempt, source, url, error)
                SELECT id, \(failure.attempt), \(failure.source), \(Redaction.url(failure.url)), \(Redaction.scrub(failure.error))
                FROM job_items WHERE id = \(lease.jobItemID) AND lease_token = \(lease.token) AND status = 'running'
                """)
        }
    }

    public func resolveTrace(itemID: Int64) async throws -> String? {
        try await connection { session in
            try await session.value(
                "SELECT resolve_trace FROM job_items WHERE item_id = \(itemID) AND resolve_trace IS NOT NULL ORDER BY id DESC LIMIT 1")
        }
    }
}
