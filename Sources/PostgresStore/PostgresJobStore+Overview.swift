public import Engine
import Foundation
import PostgresNIO

/// What the console and `jobs show` read beside a job's own record (as `SQLiteJobStore+Overview`),
/// and the host's steering and backend calls: the rest of `EngineStore`.
extension PostgresJobStore: EngineStore {
    public var location: String { "\(url) (schema \(schema))" }

    public func waitForWork(timeout: Duration) async {
        await listener.wait(timeout: timeout)
    }

    public func failedItems(_ filter: FailedItemFilter, limit: Int, offset: Int) async throws -> FailedItemsPage {
        // A failure a later job's success superseded is not one any more.
        let base = """
            status = 'failed' AND NOT EXISTS (SELECT 1 FROM job_items later WHERE later.item_id = job_items.item_id
                AND later.id > job_items.id AND later.status IN ('succeeded', 'skipped'))
            AND ($1::int8 IS NULL OR job_id = $1)
            """
        let condition = base + " AND ($2::text IS NULL OR coalesce(error_kind, 'other') = $2) AND ($3::text IS NULL OR source = $3)"
        var binds = PostgresBindings()
        binds.append(filter.jobID)
        binds.append(filter.kind)
        binds.append(filter.source)
        var page = binds
        page.append(limit)
        page.append(offset)
        return try await connection { session in
            let total: Int = try await session.value(PostgresQuery(unsafeSQL: "SELECT count(*) FROM job_items WHERE \(condition)", binds: binds)) ?? 0
            let items = try await session.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT id, job_id, item_key, title, source, coalesce(collection_title, collection_locator) AS collection, last_error,
                            error_kind, attempts, finished_at
                        FROM job_items WHERE \(condition) ORDER BY finished_at DESC, id DESC LIMIT $4 OFFSET $5
                        """, binds: page)
            ).map {
                FailedJobItem(
                    id: try $0["id"], jobID: try $0["job_id"], itemKey: try $0["item_key"], title: try $0["title"], source: try $0["source"],
                    collection: try $0["collection"], error: try $0["last_error"] ?? "", kind: try $0["error_kind"], attempts: try $0["attempts"],
                    finishedAt: try $0.date("finished_at"))
            }
            var jobOnly = PostgresBindings()
            jobOnly.append(filter.jobID)
            func counts(_ column: String) async throws -> [(name: String, count: Int)] {
                try await session.rows(
                    PostgresQuery(
                        unsafeSQL: "SELECT \(column) AS name, count(*) AS n FROM job_items WHERE \(base) GROUP BY 1 ORDER BY 2 DESC, 1",
                        binds: jobOnly)
                ).map { (name: try $0["name"], count: try $0["n"]) }
            }
            return FailedItemsPage(
                total: total, items: items, byKind: try await counts("coalesce(error_kind, 'other')"), bySource: try await counts("source"))
        }
    }

    public func jobItemKeys(ids: [Int64]) async throws -> [(jobID: Int64, itemKey: String)] {
        guard !ids.isEmpty else { return [] }
        return try await connection { session in
            try await session.rows("SELECT job_id, item_key FROM job_items WHERE id = ANY(\(ids)) ORDER BY id").map {
                (jobID: try $0["job_id"], itemKey: try $0["item_key"])
            }
        }
    }

    public func jobCollections(jobID: Int64) async throws -> [JobCollectionRow] {
        try await connection { session in
            try await session.rows(
                """
                SELECT coalesce(collection_locator, '') AS locator, coalesce(max(collection_title), max(collection_locator), '') AS title,
                    count(*) AS total, count(*) FILTER (WHERE status IN ('succeeded', 'skipped')) AS done,
                    count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'running') AS running
                FROM job_items WHERE job_id = \(jobID) GROUP BY 1 ORDER BY min(id)
                """
            ).map {
                JobCollectionRow(
                    locator: try $0["locator"], title: try $0["title"], total: try $0["total"], done: try $0["done"], failed: try $0["failed"],
                    running: try $0["running"])
            }
        }
    }

    public func jobItems(jobID: Int64, collection locator: String, limit: Int) async throws -> [JobItemRow] {
        try await connection { session in
            try await session.rows(
                """
                SELECT ji.id, ji.item_key, ji.title, ji.status, ji.current_step, ji.attempts, ji.last_error, ji.error_kind,
                    (SELECT b.name || ':' || fl.locator FROM item_assets ia
                        JOIN file_assets fa ON fa.id = ia.asset_id AND fa.kind = 'original'
                        JOIN file_locations fl ON fl.asset_id = fa.id AND fl.state = 'active'
                        JOIN storage_backends b ON b.id = fl.backend_id
                        WHERE ia.item_id = ji.item_id ORDER BY fl.is_primary DESC, b.name = 'library' DESC LIMIT 1) AS stored_at
                FROM job_items ji WHERE ji.job_id = \(jobID) AND coalesce(ji.collection_locator, '') = \(locator)
                ORDER BY coalesce(ji.position, 0), ji.id LIMIT \(limit)
                """
            ).map {
                JobItemRow(
                    id: try $0["id"], itemKey: try $0["item_key"], title: try $0["title"],
                    status: ItemStatus(rawValue: try $0["status"]) ?? .pending, step: try $0["current_step"], attempts: try $0["attempts"],
                    error: try $0["last_error"], kind: try $0["error_kind"], storedAt: try $0["stored_at"])
            }
        }
    }

    public func collections(_ filter: CollectionFilter, limit: Int, offset: Int) async throws -> CollectionList {
        let condition = """
            ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR status = $3)
            AND ($4::text IS NULL OR strpos(lower(coalesce(title, '')), lower($4)) > 0 OR strpos(lower(locator), lower($4)) > 0)
            AND (NOT $5 OR wanted)
            """
        var binds = PostgresBindings()
        binds.append(filter.source)
        binds.append(filter.kind)
        binds.append(filter.status?.rawValue)
        binds.append(filter.keyword)
        binds.append(filter.wantedOnly)
        var page = binds
        page.append(limit)
        page.append(offset)
        return try await connection { session in
            let found = try await session.rows(
                PostgresQuery(
                    unsafeSQL: """
                        \(StoreSQL.collectionRows) SELECT *, count(*) OVER () AS matching FROM rows WHERE \(condition)
                        ORDER BY lower(coalesce(title, locator)), id LIMIT $6 OFFSET $7
                        """, binds: page))
            let rows = try found.map(Self.collectionRow)
            var total: Int = try found.first?["matching"] ?? 0
            if found.isEmpty {
                total = try await session.value(
                    PostgresQuery(unsafeSQL: "\(StoreSQL.collectionRows) SELECT count(*) FROM rows WHERE \(condition)", binds: binds)) ?? 0
            }
            let sources = try await session.rows("SELECT DISTINCT s.name FROM sources s JOIN collections c ON c.source_id = s.id ORDER BY 1")
                .map { try $0["name"] as String }
            return CollectionList(total: total, rows: rows, sources: sources)
        }
    }

    public func collections(ids: [Int64]) async throws -> [CollectionRow] {
        guard !ids.isEmpty else { return [] }
        var binds = PostgresBindings()
        binds.append(ids)
        return try await connection { session in
            try await session.rows(
                PostgresQuery(unsafeSQL: "\(StoreSQL.collectionRows) SELECT * FROM rows WHERE id = ANY($1) ORDER BY id", binds: binds)
            ).map(Self.collectionRow)
        }
    }

    @discardableResult
    public func setWanted(collections ids: [Int64], _ wanted: Bool) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await connection { session in
            try await session.rows("UPDATE collections SET wanted = \(wanted) WHERE wanted != \(wanted) AND id = ANY(\(ids)) RETURNING 1").count
        }
    }

    public func events(after id: Int64, jobID: Int64?, limit: Int) async throws -> [NumberedJobEvent] {
        try await connection { session in
            try await session.rows(
                """
                SELECT id, job_id, at, kind, message FROM job_events WHERE id > \(id) AND (\(jobID)::int8 IS NULL OR job_id = \(jobID))
                ORDER BY id LIMIT \(limit)
                """
            ).map(Self.numberedEvent)
        }
    }

    private static func numberedEvent(_ row: Row) throws -> NumberedJobEvent {
        NumberedJobEvent(id: try row["id"], jobID: try row["job_id"], at: try row.date("at")!, kind: try row["kind"], message: try row["message"])
    }

    public func newestEvents(jobID: Int64, limit: Int) async throws -> [NumberedJobEvent] {
        try await connection { session in
            try await session.rows("SELECT id, job_id, at, kind, message FROM job_events WHERE job_id = \(jobID) ORDER BY id DESC LIMIT \(limit)")
                .reversed().map(Self.numberedEvent)
        }
    }

    public func lastEventID() async throws -> Int64 {
        try await connection { session in try await session.value("SELECT coalesce(max(id), 0)::int8 FROM job_events") ?? 0 }
    }

    public func jobBytes(jobID: Int64) async throws -> Int64 {
        try await connection { session in
            try await session.value("SELECT coalesce(sum(bytes), 0)::int8 FROM job_items WHERE job_id = \(jobID)") ?? 0
        }
    }

    public func openJobItemCounts() async throws -> JobCounters {
        try await connection { session in
            var counters = JobCounters()
            for row in try await session.rows(
                """
                SELECT ji.status, count(*) AS n FROM job_items ji JOIN job_runs j ON j.id = ji.job_id
                WHERE j.status IN ('queued', 'running', 'pause_requested', 'paused') GROUP BY ji.status
                """)
            {
                if let status = ItemStatus(rawValue: try row["status"]) { counters.byStatus[status] = try row["n"] }
            }
            return counters
        }
    }

    public func submitCommands(jobID: Int64, kind: JobCommandKind, arguments: [String?]) async throws {
        try await transaction { session in
            guard try await Self.job(session, jobID) != nil else { throw StoreError.noSuchJob(jobID) }
            for argument in arguments {
                try await session.execute(
                    """
                    INSERT INTO job_commands (job_id, kind, argument, created_at)
                    VALUES (\(jobID), \(kind.rawValue), \(argument), \(unescaped: Self.now))
                    """)
            }
        }
    }

    private static func collectionRow(_ row: Row) throws -> CollectionRow {
        CollectionRow(
            id: try row["id"], source: try row["source"], kind: try row["kind"], locator: try row["locator"], title: try row["title"],
            total: try row["total"], downloaded: try row["downloaded"],
            status: CollectionStatus(rawValue: try row["status"]) ?? .notCollected, wanted: try row["wanted"])
    }
}
