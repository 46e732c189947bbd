public import Engine
public import Foundation
import PostgresNIO

/// Reading a job's items (counters, running, failed, retrying), retrying and listing catalog items.
extension PostgresJobStore {
    @discardableResult
    public func retryItems(jobID: Int64, itemKey: String?, force: Bool) async throws -> Int {
        try await transaction { session in try await Self.retry(session, jobID: jobID, itemKey: itemKey, force: force) }
    }

    /// `retryItems` for each of `itemKeys`, in one transaction; returns how many were requeued.
    @discardableResult
    public func retryItems(jobID: Int64, itemKeys: [String], force: Bool) async throws -> Int {
        try await transaction { session in
            var count = 0
            for key in itemKeys { count += try await Self.retry(session, jobID: jobID, itemKey: key, force: force) }
            return count
        }
    }

    private static func retry(_ session: Session, jobID: Int64, itemKey: String?, force: Bool) async throws -> Int {
        let statuses = (force ? [ItemStatus.failed, .canceled, .succeeded, .skipped] : [.failed, .canceled]).map(\.rawValue)
        // Succeeded items whose renditions failed first: their failures are cleared too.
        let renditions = try await retryRenditions(session, jobID: jobID, itemKey: itemKey)
        let ids = try await session.rows(
            """
            SELECT id FROM job_items WHERE job_id = \(jobID) AND status = ANY(\(statuses))
                AND (\(itemKey)::text IS NULL OR item_key = \(itemKey)) FOR UPDATE
            """
        ).map { try $0["id"] as Int64 }
        let items = try await requeue(session, ids)
        // Inputs whose collection stopped on a failed page (the whole job retried): taken up
        // again at their checkpoint by the job's next run.
        var inputs = 0
        if itemKey == nil {
            inputs = try await session.rows(
                "UPDATE job_inputs SET done = false, error = NULL WHERE job_id = \(jobID) AND error IS NOT NULL RETURNING 1"
            ).count
            if inputs > 0 { try await session.execute("UPDATE job_runs SET collection_done = false WHERE id = \(jobID)") }
        }
        return renditions + items + inputs
    }

    /// The job items go back to pending with a fresh set of tries; their resolver starts over
    /// (every candidate may be tried again).
    private static func requeue(_ session: Session, _ ids: [Int64]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        try await session.execute("DELETE FROM job_item_source_failures WHERE job_item_id = ANY(\(ids))")
        let count = try await session.rows(
            """
            UPDATE job_items SET status = 'pending', last_error = NULL, error_kind = NULL, next_attempt_at = NULL,
                finished_at = NULL, attempts = 0, resolve_trace = NULL
            WHERE id = ANY(\(ids)) RETURNING 1
            """
        ).count
        try await notifyWork(session)
        return count
    }

    /// Clears the recorded rendition failures of the job's items (one item's, with `itemKey`)
    /// and requeues the items that had one (stored, or skipped as stored).
    static func retryRenditions(_ session: Session, jobID: Int64, itemKey: String?) async throws -> Int {
        let items = try await session.rows(
            """
            SELECT DISTINCT j.id FROM job_items j
            JOIN item_assets ia ON ia.item_id = j.item_id
            JOIN file_assets a ON a.id = ia.asset_id AND a.kind = 'original'
            JOIN rendition_failures f ON f.original_sha256 = a.sha256
            WHERE j.job_id = \(jobID) AND j.status IN ('succeeded', 'skipped') AND (\(itemKey)::text IS NULL OR j.item_key = \(itemKey))
            """
        ).map { try $0["id"] as Int64 }
        guard !items.isEmpty else { return 0 }
        try await session.execute(
            """
            DELETE FROM rendition_failures WHERE original_sha256 IN (
                SELECT a.sha256 FROM job_items j
                JOIN item_assets ia ON ia.item_id = j.item_id
                JOIN file_assets a ON a.id = ia.asset_id AND a.kind = 'original'
                WHERE j.id = ANY(\(items)))
            """)
        return try await requeue(session, items)
    }

    public func openItems(jobID: Int64, notPast steps: [String]) async throws -> Int {
        try await connection { session in
            try await session.value(
                """
                SELECT count(*) FROM job_items WHERE job_id = \(jobID) AND (status IN ('pending', 'interrupted')
                    OR status = 'running' AND (current_step IS NULL OR current_step = ANY(\(steps))))
                """) ?? 0
        }
    }

    public func counters(jobID: Int64) async throws -> JobCounters {
        try await connection { session in
            var counters = JobCounters()
            for row in try await session.rows("SELECT status, count(*) AS n FROM job_items WHERE job_id = \(jobID) GROUP BY status") {
                if let status = ItemStatus(rawValue: try row["status"]) { counters.byStatus[status] = try row["n"] }
            }
            if counters.open > 0 {
                counters.waitingToRetry = try await session.value(
                    """
                    SELECT count(*) FROM job_items WHERE job_id = \(jobID) AND status IN ('pending', 'interrupted')
                        AND next_attempt_at IS NOT NULL
                    """) ?? 0
            }
            return counters
        }
    }

    public func runningItems(jobID: Int64, limit: Int) async throws -> [RunningItem] {
        try await connection { session in
            try await session.rows(
                """
                SELECT item_key, title, current_step, attempts, lease_holder, started_at, bytes, bytes_expected FROM job_items
                WHERE job_id = \(jobID) AND status = 'running' ORDER BY started_at, id LIMIT \(limit)
                """
            ).map {
                RunningItem(
                    itemKey: try $0["item_key"], title: try $0["title"], step: try $0["current_step"], attempt: try $0["attempts"],
                    holder: try $0["lease_holder"], startedAt: try $0.date("started_at"), bytes: try $0["bytes"],
                    bytesExpected: try $0["bytes_expected"])
            }
        }
    }

    public func failedItems(jobID: Int64, limit: Int) async throws -> [FailedItem] {
        try await attemptedItems(jobID: jobID, where: "status = 'failed'", limit: limit)
    }

    public func retryingItems(jobID: Int64, limit: Int) async throws -> [FailedItem] {
        try await attemptedItems(jobID: jobID, where: "status IN ('pending', 'interrupted') AND next_attempt_at IS NOT NULL", limit: limit)
    }

    private func attemptedItems(jobID: Int64, where condition: String, limit: Int) async throws -> [FailedItem] {
        try await connection { session in
            var items: [FailedItem] = []
            for row in try await session.rows(
                """
                SELECT id, item_key, title, last_error, error_kind, attempts, next_attempt_at FROM job_items
                WHERE job_id = \(jobID) AND \(unescaped: condition) ORDER BY id LIMIT \(limit)
                """)
            {
                let id: Int64 = try row["id"]
                let history = try await session.rows(
                    "SELECT attempt, ended_at, outcome, error, error_kind FROM job_item_attempts WHERE job_item_id = \(id) ORDER BY id"
                ).map {
                    AttemptRecord(
                        attempt: try $0["attempt"], endedAt: try $0.date("ended_at")!, outcome: try $0["outcome"], error: try $0["error"],
                        kind: try ($0["error_kind"] as String?).flatMap(ItemErrorKind.init(rawValue:)))
                }
                items.append(
                    FailedItem(
                        itemKey: try row["item_key"], title: try row["title"], error: try row["last_error"] ?? "",
                        kind: try (row["error_kind"] as String?).flatMap(ItemErrorKind.init(rawValue:)), attempts: try row["attempts"],
                        history: history, nextAttemptAt: try row.date("next_attempt_at")))
            }
            return items
        }
    }

    public func earliestOpenItem(jobID: Int64) async throws -> Date? {
        try await connection { session in
            try await session.row(
                """
                SELECT min(coalesce(next_attempt_at, 0)) AS at FROM job_items
                WHERE job_id = \(jobID) AND status IN ('pending', 'interrupted')
                """
            )?.date("at")
        }
    }

    public func catalogItems(stored: Bool, on backend: String, sources: [String], collections: [String]) async throws -> [MediaItem] {
        try await connection { session in
            try await session.rows(
                """
                SELECT i.id, s.name AS source, i.remote_id, i.title, i.url, i.duration,
                    (SELECT string_agg(c.name, chr(31) ORDER BY ic.position) FROM item_creators ic JOIN creators c ON c.id = ic.creator_id
                        WHERE ic.item_id = i.id) AS creators
                FROM items i JOIN sources s ON s.id = i.source_id
                WHERE \(stored) = EXISTS (
                    SELECT 1 FROM item_assets ia JOIN file_assets a ON a.id = ia.asset_id AND a.kind = 'original'
                    JOIN file_locations l ON l.asset_id = a.id AND l.state = 'active'
                    JOIN storage_backends b ON b.id = l.backend_id AND b.name = \(backend)
                    WHERE ia.item_id = i.id)
                AND (cardinality(\(sources)) = 0 OR s.name = ANY(\(sources)))
                AND (cardinality(\(collections)) = 0 OR EXISTS (
                    SELECT 1 FROM collection_items ci JOIN collections c ON c.id = ci.collection_id
                    WHERE ci.item_id = i.id AND (c.locator = ANY(\(collections)) OR c.title = ANY(\(collections)))))
                ORDER BY i.id
                """
            ).map { row in
                var item = MediaItem(
                    source: try row["source"], remoteID: try row["remote_id"], title: try row["title"],
                    creators: try (row["creators"] as String?)?.split(separator: "\u{1F}").map(String.init) ?? [],
                    durationHint: try row["duration"], url: try row["url"])
                item.catalogID = try row["id"]
                return item
            }
        }
    }
}
