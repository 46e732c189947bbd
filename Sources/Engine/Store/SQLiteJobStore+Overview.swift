import Foundation
import GRDB

/// What the console shows beside a job's own record: failed items across jobs, a job's items
/// by collection, the catalog's collections with their status, and the event log by id.
extension SQLiteJobStore {
    public func failedItems(_ filter: FailedItemFilter, limit: Int, offset: Int) async throws -> FailedItemsPage {
        try await pool.read { db in
            // A failure a later job's success superseded is not one any more.
            var base = """
                status = 'failed' AND NOT EXISTS (SELECT 1 FROM job_items later WHERE later.item_id = job_items.item_id
                    AND later.id > job_items.id AND later.status IN ('succeeded', 'skipped'))
                """
            var baseArguments: StatementArguments = []
            if let job = filter.jobID {
                base += " AND job_id = ?"
                baseArguments += [job]
            }
            var condition = base
            var arguments = baseArguments
            if let kind = filter.kind {
                condition += " AND coalesce(error_kind, 'other') = ?"
                arguments += [kind]
            }
            if let source = filter.source {
                condition += " AND source = ?"
                arguments += [source]
            }
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM job_items WHERE \(condition)", arguments: arguments) ?? 0
            let items = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, job_id, item_key, title, source, coalesce(collection_title, collection_locator) AS collection, last_error,
                        error_kind, attempts, finished_at
                    FROM job_items WHERE \(condition) ORDER BY finished_at DESC, id DESC LIMIT ? OFFSET ?
                    """,
                arguments: arguments + [limit, offset]
            ).map {
                FailedJobItem(
                    id: $0["id"], jobID: $0["job_id"], itemKey: $0["item_key"], title: $0["title"], source: $0["source"], collection: $0["collection"],
                    error: $0["last_error"] ?? "", kind: $0["error_kind"], attempts: $0["attempts"],
                    finishedAt: ($0["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
            }
            func counts(_ column: String) throws -> [(name: String, count: Int)] {
                try Row.fetchAll(
                    db, sql: "SELECT \(column) AS name, count(*) AS n FROM job_items WHERE \(base) GROUP BY 1 ORDER BY 2 DESC, 1",
                    arguments: baseArguments
                ).map { (name: $0["name"], count: $0["n"]) }
            }
            return FailedItemsPage(
                total: total, items: items, byKind: try counts("coalesce(error_kind, 'other')"), bySource: try counts("source"))
        }
    }

    /// The job and key of each of these job items (unknown ids are left out).
    public func jobItemKeys(ids: [Int64]) async throws -> [(jobID: Int64, itemKey: String)] {
        guard !ids.isEmpty else { return [] }
        return try await pool.read { db in
            var found: [(jobID: Int64, itemKey: String)] = []
            for chunk in ids.chunked(500) {
                found += try Row.fetchAll(
                    db, sql: "SELECT job_id, item_key FROM job_items WHERE id IN (\(Self.placeholders(chunk.count))) ORDER BY id",
                    arguments: StatementArguments(chunk)
                ).map { (jobID: $0["job_id"], itemKey: $0["item_key"]) }
            }
            return found
        }
    }

    /// The job's items grouped by collection, in the order they were collected.
    public func jobCollections(jobID: Int64) async throws -> [JobCollectionRow] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT coalesce(collection_locator, '') AS locator, coalesce(max(collection_title), max(collection_locator), '') AS title,
                        count(*) AS total, sum(status IN ('succeeded', 'skipped')) AS done, sum(status = 'failed') AS failed,
                        sum(status = 'running') AS running
                    FROM job_items WHERE job_id = ? GROUP BY 1 ORDER BY min(id)
                    """,
                arguments: [jobID]
            ).map {
                JobCollectionRow(
                    locator: $0["locator"], title: $0["title"], total: $0["total"], done: $0["done"], failed: $0["failed"],
                    running: $0["running"])
            }
        }
    }

    /// The job's items of one collection (`locator`, "" for none), in collection order.
    public func jobItems(jobID: Int64, collection locator: String, limit: Int) async throws -> [JobItemRow] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT ji.id, ji.item_key, ji.title, ji.status, ji.current_step, ji.attempts, ji.last_error, ji.error_kind,
                        (SELECT b.name || ':' || fl.locator FROM item_assets ia
                            JOIN file_assets fa ON fa.id = ia.asset_id AND fa.kind = 'original'
                            JOIN file_locations fl ON fl.asset_id = fa.id AND fl.state = 'active'
                            JOIN storage_backends b ON b.id = fl.backend_id
                            WHERE ia.item_id = ji.item_id ORDER BY fl.is_primary DESC, b.name = 'library' DESC LIMIT 1) AS stored_at
                    FROM job_items ji WHERE ji.job_id = ? AND coalesce(ji.collection_locator, '') = ?
                    ORDER BY coalesce(ji.position, 0), ji.id LIMIT ?
                    """,
                arguments: [jobID, locator, limit]
            ).map {
                JobItemRow(
                    id: $0["id"], itemKey: $0["item_key"], title: $0["title"], status: ItemStatus(rawValue: $0["status"]) ?? .pending,
                    step: $0["current_step"], attempts: $0["attempts"], error: $0["last_error"], kind: $0["error_kind"],
                    storedAt: $0["stored_at"])
            }
        }
    }

    /// Catalog collections with their status, filtered and paged, ordered by title.
    public func collections(_ filter: CollectionFilter, limit: Int, offset: Int) async throws -> CollectionList {
        try await pool.read { db in
            var condition = "1"
            var arguments: StatementArguments = []
            if let source = filter.source {
                condition += " AND source = ?"
                arguments += [source]
            }
            if let kind = filter.kind {
                condition += " AND kind = ?"
                arguments += [kind]
            }
            if let status = filter.status {
                condition += " AND status = ?"
                arguments += [status.rawValue]
            }
            if let keyword = filter.keyword {
                condition += " AND (instr(lower(coalesce(title, '')), lower(?)) > 0 OR instr(lower(locator), lower(?)) > 0)"
                arguments += [keyword, keyword]
            }
            if filter.wantedOnly { condition += " AND wanted" }
            // One pass: the window counts every match before LIMIT takes the page (a page past
            // the end has no row to carry it, and counts on its own).
            let found = try Row.fetchAll(
                db,
                sql: """
                    \(StoreSQL.collectionRows) SELECT *, count(*) OVER () AS matching FROM rows WHERE \(condition)
                    ORDER BY coalesce(title, locator) COLLATE NOCASE, id LIMIT ? OFFSET ?
                    """,
                arguments: arguments + [limit, offset])
            let rows = found.map(Self.collectionRow)
            let total = try found.first.map { $0["matching"] as Int }
                ?? Int.fetchOne(db, sql: "\(StoreSQL.collectionRows) SELECT count(*) FROM rows WHERE \(condition)", arguments: arguments) ?? 0
            let sources = try String.fetchAll(db, sql: "SELECT DISTINCT s.name FROM sources s JOIN collections c ON c.source_id = s.id ORDER BY 1")
            return CollectionList(total: total, rows: rows, sources: sources)
        }
    }

    public func collections(ids: [Int64]) async throws -> [CollectionRow] {
        guard !ids.isEmpty else { return [] }
        return try await pool.read { db in
            try Row.fetchAll(
                db, sql: "\(StoreSQL.collectionRows) SELECT * FROM rows WHERE id IN (\(Self.placeholders(ids.count))) ORDER BY id",
                arguments: StatementArguments(ids)
            ).map(Self.collectionRow)
        }
    }

    /// Marks collections wanted or not; returns how many changed.
    @discardableResult
    public func setWanted(collections ids: [Int64], _ wanted: Bool) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await writer.write { db in
            try db.execute(
                sql: "UPDATE collections SET wanted = ? WHERE wanted != ? AND id IN (\(Self.placeholders(ids.count)))",
                arguments: [wanted, wanted] + StatementArguments(ids))
            return db.changesCount
        }
    }

    /// Job events after `id` (of one job, or all), oldest first.
    public func events(after id: Int64, jobID: Int64?, limit: Int) async throws -> [NumberedJobEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT id, job_id, at, kind, message FROM job_events WHERE id > ?\(jobID == nil ? "" : " AND job_id = ?") ORDER BY id LIMIT ?",
                arguments: jobID.map { [id, $0, limit] } ?? [id, limit]
            ).map(Self.numberedEvent)
        }
    }

    private static func numberedEvent(_ row: Row) -> NumberedJobEvent {
        NumberedJobEvent(id: row["id"], jobID: row["job_id"], at: Date(timeIntervalSince1970: row["at"]), kind: row["kind"], message: row["message"])
    }

    /// The job's newest events with their ids, oldest first.
    public func newestEvents(jobID: Int64, limit: Int) async throws -> [NumberedJobEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, job_id, at, kind, message FROM job_events WHERE job_id = ? ORDER BY id DESC LIMIT ?",
                arguments: [jobID, limit]
            ).reversed().map(Self.numberedEvent)
        }
    }

    public func lastEventID() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM job_events") ?? 0 }
    }

    /// Bytes the job's items have fetched so far (finished items and running ones).
    public func jobBytes(jobID: Int64) async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT coalesce(sum(bytes), 0) FROM job_items WHERE job_id = ?", arguments: [jobID]) ?? 0
        }
    }

    /// Items of unfinished jobs (queued, running, pausing or paused) by status.
    public func openJobItemCounts() async throws -> JobCounters {
        try await pool.read { db in
            var counters = JobCounters()
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT ji.status, count(*) AS n FROM job_items ji JOIN job_runs j ON j.id = ji.job_id
                    WHERE j.status IN ('queued', 'running', 'pause_requested', 'paused') GROUP BY ji.status
                    """)
            {
                if let status = ItemStatus(rawValue: row["status"]) { counters.byStatus[status] = row["n"] }
            }
            return counters
        }
    }

    private static func collectionRow(_ row: Row) -> CollectionRow {
        CollectionRow(
            id: row["id"], source: row["source"], kind: row["kind"], locator: row["locator"], title: row["title"], total: row["total"],
            downloaded: row["downloaded"], status: CollectionStatus(rawValue: row["status"]) ?? .notCollected, wanted: row["wanted"])
    }
}
