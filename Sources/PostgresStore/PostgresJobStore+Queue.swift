public import Engine
import Foundation
import PostgresNIO

/// The job queue on PostgreSQL: a claim is one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
/// LOCKED LIMIT n) RETURNING …`, so workers claiming at once never wait for each other or
/// take an item twice; every write for a claimed item names its lease token and changes
/// nothing (returns no row) once the item has passed on.
extension PostgresJobStore: JobQueue {
    public func enqueue(jobID: Int64, items: [MediaItem], progress: InputProgress?, newItemLimit: Int?) async throws -> EnqueueResult {
        try await transaction { session in
            var added = 0, new = 0
            // The job's row is locked: its limit of new items counts one batch at a time.
            let job = try await session.row("SELECT type, collected_new FROM job_runs WHERE id = \(jobID) FOR UPDATE")
            var newSoFar = try job.map { try $0["collected_new"] as Int } ?? 0
            let type: String? = try job?["type"]
            // A reprocess or upload job's items are all stored: its limit counts every item.
            let countsAll = [JobType.reprocess.rawValue, JobType.uploadOnly.rawValue].contains(type)
            var limitReached = false
            for item in items {
                let key = item.key
                // The job item keeps its first listing; a second one (another playlist that lists
                // the same item) only links the catalog item to its collection too.
                if let first = try await session.row("SELECT collection_locator FROM job_items WHERE job_id = \(jobID) AND item_key = \(key)") {
                    // A listing in the same collection again keeps the first position.
                    if let collection = item.collection, try collection.locator != first["collection_locator"] as String? {
                        _ = try await Self.upsertCatalogItem(session, item)
                    }
                    continue
                }
                var isNew = false
                if newItemLimit != nil {
                    if countsAll {
                        isNew = true
                    } else if let known = try await Self.knownItemID(session, item) {
                        isNew = try await Self.storedOriginal(session, itemID: known) == nil
                    } else {
                        isNew = true
                    }
                }
                if isNew, let newItemLimit, newSoFar >= newItemLimit {
                    limitReached = true
                    break
                }
                let itemID = try await Self.upsertCatalogItem(session, item)
                let inserted = try await session.row(
                    """
                    INSERT INTO job_items (job_id, item_key, item_id, title, source, remote_id, url, title_is_file_name, creators,
                        collection_kind, collection_locator, collection_title, position, duration_hint, created_at,
                        published_at, episode, season)
                    VALUES (\(jobID), \(key), \(itemID), \(item.title), \(item.source), \(item.remoteID), \(item.url), \(item.titleIsFileName),
                        \(item.creators.joined(separator: "\u{1F}")), \(item.collection?.kind.rawValue), \(item.collection?.locator),
                        \(item.collection?.title), \(item.position), \(item.durationHint), \(unescaped: Self.now),
                        \(item.published?.timeIntervalSince1970), \(item.episode), \(item.season))
                    ON CONFLICT (job_id, item_key) DO NOTHING RETURNING 1
                    """)
                guard inserted != nil else { continue }
                added += 1
                if isNew {
                    new += 1
                    newSoFar += 1
                }
            }
            try await session.execute(
                """
                UPDATE job_runs SET collected = collected + \(added), collected_new = collected_new + \(new), updated_at = \(unescaped: Self.now)
                WHERE id = \(jobID)
                """)
            if added > 0 { try await Self.notifyWork(session) }
            if let progress, !limitReached { try await Self.record(session, progress, added: added, jobID: jobID) }
            return EnqueueResult(added: added, limitReached: limitReached)
        }
    }

    /// An input's progress: its checkpoint (or done), a finished page counted with an event,
    /// and the inputs the page adds after the job's last.
    private static func record(_ session: Session, _ progress: InputProgress, added: Int, jobID: Int64) async throws {
        let pageAdded = progress.addedEarlier + added
        try await session.execute(
            """
            UPDATE job_inputs SET done = \(progress.checkpoint == nil || progress.error != nil), checkpoint = \(progress.checkpoint),
                pages = pages + \(progress.page == nil ? 0 : 1), found = found + \(pageAdded), error = \(progress.error.map(Redaction.scrub))
            WHERE job_id = \(jobID) AND position = \(progress.position)
            """)
        if let page = progress.page {
            let row = try await session.row("SELECT input, found FROM job_inputs WHERE job_id = \(jobID) AND position = \(progress.position)")
            // An input's `#fragment` is the name it was listed with: `catalog:square/42 (Top Hits)`.
            let input = Redaction.url(try row?["input"] ?? "input \(progress.position)")
            let shown = input.firstIndex(of: "#").map { "\(input[..<$0]) (\(input[input.index(after: $0)...]))" } ?? input
            let total: Int = try row?["found"] ?? pageAdded
            try await event(session, jobID, "page", "\(shown) page \(page): +\(pageAdded) new, total \(total)")
        }
        guard !progress.addedInputs.isEmpty else { return }
        var next: Int = try await session.row("SELECT max(position) AS last FROM job_inputs WHERE job_id = \(jobID)")?["last"] ?? -1
        // A collection the catalog lists twice (or a page read again after a crash, or under
        // another name: the `#name` aside) is one input.
        func base(_ input: String) -> Substring { input.prefix { $0 != "#" } }
        var known = Set(try await session.rows("SELECT input FROM job_inputs WHERE job_id = \(jobID)").map { base(try $0["input"]) })
        for input in progress.addedInputs {
            guard known.insert(base(input)).inserted else { continue }
            next += 1
            try await session.execute("INSERT INTO job_inputs (job_id, position, input) VALUES (\(jobID), \(next), \(input))")
        }
    }

    /// The catalog id of the item (by source and remote id), if the catalog has it.
    private static func knownItemID(_ session: Session, _ item: MediaItem) async throws -> Int64? {
        try await session.value(
            "SELECT i.id FROM items i JOIN sources s ON s.id = i.source_id WHERE s.name = \(item.source) AND i.remote_id = \(item.remoteID)")
    }

    public func claim(jobID: Int64, holder: String, limit: Int, leaseDuration: Duration) async throws -> [ClaimedItem] {
        try await connection { session in
            try await session.rows(
                """
                WITH picked AS MATERIALIZED (
                    SELECT id FROM job_items WHERE job_id = \(jobID) AND status IN ('pending', 'interrupted')
                        AND (next_attempt_at IS NULL OR next_attempt_at <= \(unescaped: Self.now))
                    ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                UPDATE job_items SET status = 'running', lease_holder = \(holder), lease_token = md5(gen_random_uuid()::text),
                    lease_expires_at = \(unescaped: Self.now) + \(leaseDuration.seconds), attempts = attempts + 1,
                    started_at = \(unescaped: Self.now), finished_at = NULL, current_step = NULL, next_attempt_at = NULL
                FROM picked WHERE job_items.id = picked.id
                RETURNING job_items.id, item_key, item_id, attempts, lease_token, source, remote_id, title, url, title_is_file_name,
                    creators, collection_kind, collection_locator, collection_title, position, duration_hint,
                    published_at, episode, season, \(unescaped: StoreSQL.claimedItemHasOriginal) AS has_original
                """
            ).map(Self.claimedItem).sorted { $0.lease.jobItemID < $1.lease.jobItemID }
        }
    }

    private static func claimedItem(_ row: Row) throws -> ClaimedItem {
        let creators: String = try row["creators"]
        let collection = try (row["collection_kind"] as String?).flatMap(CollectionRef.Kind.init(rawValue:)).map {
            CollectionRef(kind: $0, locator: try row["collection_locator"] ?? "", title: try row["collection_title"])
        }
        var item = MediaItem(
            source: try row["source"], remoteID: try row["remote_id"], title: try row["title"], titleIsFileName: try row["title_is_file_name"],
            creators: creators.isEmpty ? [] : creators.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init),
            collection: collection, position: try row["position"], durationHint: try row["duration_hint"], url: try row["url"])
        item.catalogID = try row["item_id"]
        item.attempt = try row["attempts"]
        item.published = try row.date("published_at")
        item.episode = try row["episode"]
        item.season = try row["season"]
        item.catalogHasOriginal = try row["has_original"]
        let lease = ItemLease(jobItemID: try row["id"], token: try row["lease_token"])
        item.lease = lease
        return ClaimedItem(lease: lease, itemKey: try row["item_key"], attempt: try row["attempts"], item: item)
    }

    /// Rows locked by a write in progress (a settle, a step) are skipped, never waited for:
    /// the heartbeat and the rescuer of several workers take no locks in an order that could
    /// deadlock with a batch of writes.
    @discardableResult
    public func renewLeases(holder: String, leaseDuration: Duration) async throws -> Int {
        try await connection { session in
            try await session.rows(
                """
                UPDATE job_items SET lease_expires_at = \(unescaped: Self.now) + \(leaseDuration.seconds)
                WHERE id IN (
                    SELECT id FROM job_items WHERE lease_holder = \(holder) AND status = 'running' ORDER BY id FOR UPDATE SKIP LOCKED)
                RETURNING 1
                """
            ).count
        }
    }

    public func recordStep(_ lease: ItemLease, step: String) async throws {
        try await connection { session in try await Self.fence(session, lease, step: step) }
    }

    @discardableResult
    public func interruptItems(heldBy holders: [String]) async throws -> Int {
        guard !holders.isEmpty else { return 0 }
        return try await interrupt("lease_holder = ANY(\(holders))")
    }

    @discardableResult
    public func interruptItems(notHeldBy runner: String) async throws -> Int {
        try await interrupt("lease_holder IS DISTINCT FROM \(runner)")
    }

    /// The rescuer: items whose lease expired (their worker stopped renewing) become
    /// claimable. The same guard as every write (still `running`, the lease still the one
    /// that expired, re-read after any lock), so a completed item never moves back.
    @discardableResult
    public func interruptExpiredLeases() async throws -> Int {
        try await interrupt("lease_expires_at < \(unescaped: Self.now)", skipLocked: true)
    }

    /// Running items matching `condition` lose their lease and become `interrupted` (claimable).
    /// `skipLocked`: rows a write in progress holds are left for the next round.
    private func interrupt(_ condition: PostgresQuery, skipLocked: Bool = false) async throws -> Int {
        let query = PostgresQuery(
            unsafeSQL: """
                UPDATE job_items SET status = 'interrupted', lease_holder = NULL, lease_token = NULL, lease_expires_at = NULL
                WHERE id IN (SELECT id FROM job_items WHERE status = 'running' AND \(condition.sql)
                    ORDER BY id FOR UPDATE\(skipLocked ? " SKIP LOCKED" : ""))
                    AND status = 'running' AND \(condition.sql)
                RETURNING 1
                """, binds: condition.binds)
        return try await connection { session in
            let count = try await session.rows(query).count
            if count > 0 { try await Self.notifyWork(session) }
            return count
        }
    }

    @discardableResult
    public func cancelOpenItems(jobID: Int64) async throws -> Int {
        try await connection { session in
            try await session.rows(
                """
                UPDATE job_items SET status = 'canceled', finished_at = \(unescaped: Self.now)
                WHERE job_id = \(jobID) AND status IN ('pending', 'interrupted') RETURNING 1
                """
            ).count
        }
    }

    public func openJobItems(_ ids: Set<Int64>) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        return try await connection { session in
            Set(
                try await session.rows(
                    "SELECT id FROM job_items WHERE id = ANY(\(Array(ids))) AND status IN ('pending', 'interrupted', 'running')"
                ).map { try $0["id"] as Int64 })
        }
    }

    // MARK: helpers

    /// The write is for the attempt holding `lease`: records its step, or throws `leaseLost`
    /// (the caller's transaction then rolls back) when the lease has passed on.
    static func fence(_ session: Session, _ lease: ItemLease, step: String) async throws {
        let held = try await session.row(
            """
            UPDATE job_items SET current_step = \(step)
            WHERE id = \(lease.jobItemID) AND lease_token = \(lease.token) AND status = 'running' RETURNING 1
            """)
        guard held != nil else { throw StoreError.leaseLost(jobItemID: lease.jobItemID) }
    }

    /// Wakes the workers listening for work on this schema (sent when the transaction commits).
    static func notifyWork(_ session: Session) async throws {
        try await session.execute("SELECT pg_notify(\(workChannel), current_schema())")
    }
}
