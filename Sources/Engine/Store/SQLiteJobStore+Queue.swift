public import Foundation
import GRDB
import Logging

/// The job queue on SQLite. Times are seconds since 1970 (REAL); a claim is one
/// `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING`, the single-writer form of what
/// PostgreSQL does with `FOR UPDATE SKIP LOCKED`.
extension SQLiteJobStore: JobQueue {
    static var now: Double { Date().timeIntervalSince1970 }

    // MARK: jobs

    public func createJob(_ spec: JobSpec) async throws -> JobRecord {
        let scope = String(decoding: try JSONEncoder().encode(spec.scope), as: UTF8.self)
        return try await writer.write { db in
            let now = Self.now
            try db.execute(
                sql: "INSERT INTO job_runs (type, scope, options, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [spec.type.rawValue, scope, spec.options, now, now])
            let id = db.lastInsertedRowID
            for (position, input) in spec.inputs.enumerated() {
                try db.execute(sql: "INSERT INTO job_inputs (job_id, position, input) VALUES (?, ?, ?)", arguments: [id, position, input])
            }
            for (position, stage) in spec.stages.enumerated() {
                try db.execute(sql: "INSERT INTO job_stages (job_id, position, name) VALUES (?, ?, ?)", arguments: [id, position, stage])
            }
            try Self.event(db, id, "created", "\(spec.type.rawValue) job with \(spec.inputs.count) input(s)")
            return try Self.job(db, id)!
        }
    }

    public func job(_ id: Int64) async throws -> JobRecord? {
        try await pool.read { db in try Self.job(db, id) }
    }

    public func jobs(limit: Int) async throws -> [JobRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM job_runs ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.jobRecord)
        }
    }

    public func nextQueuedJob(types: Set<JobType>) async throws -> JobRecord? {
        let names = types.map(\.rawValue)
        guard !names.isEmpty else { return nil }
        return try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM job_runs WHERE status = 'queued' AND type IN (\(Self.placeholders(names.count))) ORDER BY id LIMIT 1",
                arguments: StatementArguments(names)
            ).map(Self.jobRecord)
        }
    }

    public func newestUnfinishedJob() async throws -> JobRecord? {
        let finished = JobStatus.allCases.filter(\.isFinished).map(\.rawValue)
        return try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM job_runs WHERE status NOT IN (\(Self.placeholders(finished.count))) ORDER BY id DESC LIMIT 1",
                arguments: StatementArguments(finished)
            ).map(Self.jobRecord)
        }
    }

    @discardableResult
    public func transitionJob(_ id: Int64, to status: JobStatus, runner: String?, error: String?) async throws -> JobRecord {
        try await writer.write { db in try Self.transition(db, id, to: status, runner: runner, error: error, from: nil) }
    }

    @discardableResult
    public func startJob(_ id: Int64, runner: String, from: Set<JobStatus>) async throws -> JobRecord {
        try await writer.write { db in try Self.transition(db, id, to: .running, runner: runner, error: nil, from: from) }
    }

    @discardableResult
    public func releaseOrphanedJobs(staleAfter: Duration) async throws -> [Int64] {
        try await writer.write { db in
            let now = Self.now, cutoff = Self.now - staleAfter.seconds
            try db.execute(sql: "UPDATE job_workers SET stopped_at = ? WHERE stopped_at IS NULL AND heartbeat_at < ?", arguments: [now, cutoff])
            let orphans = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, status, runner_id FROM job_runs WHERE status IN ('running', 'pause_requested') AND NOT EXISTS (
                        SELECT 1 FROM job_workers w WHERE w.id = job_runs.runner_id AND w.stopped_at IS NULL AND w.heartbeat_at >= ?)
                    """,
                arguments: [cutoff])
            for orphan in orphans {
                let status = orphan["status"] == JobStatus.running.rawValue ? JobStatus.queued : .paused
                try db.execute(
                    sql: "UPDATE job_runs SET status = ?, runner_id = NULL, updated_at = ? WHERE id = ?",
                    arguments: [status.rawValue, now, orphan["id"] as Int64])
                try Self.event(
                    db, orphan["id"], status.rawValue,
                    "its runner \(orphan["runner_id"] as String? ?? "?") stopped answering; the job is back in the queue")
            }
            return orphans.map { $0["id"] }
        }
    }

    public func jobs(in statuses: Set<JobStatus>) async throws -> [JobRecord] {
        let names = statuses.map(\.rawValue)
        return try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM job_runs WHERE status IN (\(Self.placeholders(names.count))) ORDER BY id",
                arguments: StatementArguments(names)
            ).map(Self.jobRecord)
        }
    }

    private static func transition(
        _ db: Database, _ id: Int64, to status: JobStatus, runner: String?, error: String?, from: Set<JobStatus>?
    ) throws -> JobRecord {
        guard let current = try Self.job(db, id) else { throw StoreError.noSuchJob(id) }
        guard current.status.canMove(to: status), from?.contains(current.status) ?? true else {
            throw IllegalTransition(subject: "job \(id)", from: current.status.rawValue, to: status.rawValue)
        }
        let now = Self.now
        try db.execute(
            sql: """
                UPDATE job_runs SET status = ?, runner_id = ?, error = ?, updated_at = ?,
                    started_at = CASE WHEN ? = 'running' THEN coalesce(started_at, ?) ELSE started_at END,
                    finished_at = CASE WHEN ? THEN ? ELSE NULL END
                WHERE id = ? AND status = ?
                """,
            arguments: [
                status.rawValue, runner, error.map(Redaction.scrub), now, status.rawValue, now, status.isFinished, now, id, current.status.rawValue,
            ])
        try Self.event(db, id, status.rawValue, "\(current.status.rawValue) → \(status.rawValue)" + (error.map { ": \($0)" } ?? ""))
        return try Self.job(db, id)!
    }

    public func jobInputs(_ id: Int64) async throws -> [JobInput] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT position, input, done, checkpoint, pages, found, error FROM job_inputs WHERE job_id = ? ORDER BY position",
                arguments: [id]
            ).map(Self.jobInput)
        }
    }

    public func nextOpenInput(_ id: Int64) async throws -> JobInput? {
        try await pool.read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT position, input, done, checkpoint, pages, found, error FROM job_inputs
                        WHERE job_id = ? AND done = 0 ORDER BY position LIMIT 1
                        """),
                arguments: [id]
            ).map(Self.jobInput)
        }
    }

    private static func jobInput(_ row: Row) -> JobInput {
        JobInput(
            position: row["position"], input: row["input"], done: row["done"], checkpoint: row["checkpoint"], pages: row["pages"],
            found: row["found"], error: row["error"])
    }

    public func jobStages(_ id: Int64) async throws -> [JobStageCounters] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT name, finished, failed, skipped FROM job_stages WHERE job_id = ? ORDER BY position", arguments: [id]
            ).map { JobStageCounters(name: $0["name"], finished: $0["finished"], failed: $0["failed"], skipped: $0["skipped"]) }
        }
    }

    public func addStageCounts(jobID: Int64, _ deltas: [JobStageCounters]) async throws {
        guard !deltas.isEmpty else { return }
        try await writer.write { db in
            for delta in deltas {
                try db.cachedStatement(
                    sql: "UPDATE job_stages SET finished = finished + ?, failed = failed + ?, skipped = skipped + ? WHERE job_id = ? AND name = ?"
                ).execute(arguments: [delta.finished, delta.failed, delta.skipped, jobID, delta.name])
            }
        }
    }

    // MARK: items

    public func enqueue(jobID: Int64, items: [MediaItem], progress: InputProgress?, newItemLimit: Int?) async throws -> EnqueueResult {
        try await writer.write { db in
            let now = Self.now
            var added = 0, new = 0
            let job = try Row.fetchOne(db.cachedStatement(sql: "SELECT type, collected_new FROM job_runs WHERE id = ?"), arguments: [jobID])
            var newSoFar: Int = job?["collected_new"] ?? 0
            // A reprocess or upload job's items are all stored: its limit counts every item.
            let countsAll = [JobType.reprocess.rawValue, JobType.uploadOnly.rawValue].contains(job?["type"] as String?)
            var limitReached = false
            var rows = UpsertedRows()
            for item in items {
                let key = item.key
                // The job item keeps its first listing; a second one (another playlist that lists
                // the same item) only links the catalog item to its collection too.
                if let first = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT collection_locator FROM job_items WHERE job_id = ? AND item_key = ?"), arguments: [jobID, key])
                {
                    // A listing in the same collection again keeps the first position.
                    if let collection = item.collection, collection.locator != first["collection_locator"] as String? {
                        _ = try Self.upsertCatalogItem(db, item, rows: &rows)
                    }
                    continue
                }
                // Only a limit asks whether an item is new (two lookups per item otherwise spared).
                let isNew = try newItemLimit != nil
                    && (countsAll || Self.knownItemID(db, item).flatMap { try Self.storedOriginal(db, itemID: $0) } == nil)
                if isNew, let newItemLimit, newSoFar >= newItemLimit {
                    limitReached = true
                    break
                }
                if isNew {
                    new += 1
                    newSoFar += 1
                }
                let itemID = try Self.upsertCatalogItem(db, item, rows: &rows)
                try db.cachedStatement(
                    sql: """
                        INSERT INTO job_items (job_id, item_key, item_id, title, source, remote_id, url, title_is_file_name, creators,
                            collection_kind, collection_locator, collection_title, position, duration_hint, created_at,
                            published_at, episode, season)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    jobID, key, itemID, item.title, item.source, item.remoteID, item.url, item.titleIsFileName,
                    item.creators.joined(separator: "\u{1F}"), item.collection?.kind.rawValue, item.collection?.locator,
                    item.collection?.title, item.position, item.durationHint, now,
                    item.published?.timeIntervalSince1970, item.episode, item.season,
                ])
                added += 1
            }
            try db.cachedStatement(sql: "UPDATE job_runs SET collected = collected + ?, collected_new = collected_new + ?, updated_at = ? WHERE id = ?")
                .execute(arguments: [added, new, now, jobID])
            if let progress, !limitReached { try Self.record(db, progress, added: added, jobID: jobID) }
            return EnqueueResult(added: added, limitReached: limitReached)
        }
    }

    /// An input's progress: its checkpoint (or done), a finished page counted with an event,
    /// and the inputs the page adds after the job's last.
    private static func record(_ db: Database, _ progress: InputProgress, added: Int, jobID: Int64) throws {
        let pageAdded = progress.addedEarlier + added
        try db.cachedStatement(
            sql: """
                UPDATE job_inputs SET done = ?, checkpoint = ?, pages = pages + ?, found = found + ?, error = ?
                WHERE job_id = ? AND position = ?
                """
        ).execute(arguments: [
            progress.checkpoint == nil || progress.error != nil, progress.checkpoint, progress.page == nil ? 0 : 1, pageAdded,
            progress.error.map(Redaction.scrub), jobID, progress.position,
        ])
        if let page = progress.page {
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT input, found FROM job_inputs WHERE job_id = ? AND position = ?"),
                arguments: [jobID, progress.position])
            // An input's `#fragment` is the name it was listed with: `catalog:square/42 (Top Hits)`.
            let input = Redaction.url(row?["input"] ?? "input \(progress.position)")
            let shown = input.firstIndex(of: "#").map { "\(input[..<$0]) (\(input[input.index(after: $0)...]))" } ?? input
            let total: Int = row?["found"] ?? pageAdded
            try Self.event(db, jobID, "page", "\(shown) page \(page): +\(pageAdded) new, total \(total)")
        }
        guard !progress.addedInputs.isEmpty else { return }
        var next = try Int.fetchOne(db.cachedStatement(sql: "SELECT max(position) FROM job_inputs WHERE job_id = ?"), arguments: [jobID]) ?? -1
        // A collection the catalog lists twice (or a page read again after a crash, or under
        // another name: the `#name` aside) is one input.
        func base(_ input: String) -> Substring { input.prefix { $0 != "#" } }
        var known = Set(try String.fetchAll(db.cachedStatement(sql: "SELECT input FROM job_inputs WHERE job_id = ?"), arguments: [jobID]).map(base))
        for input in progress.addedInputs {
            guard known.insert(base(input)).inserted else { continue }
            next += 1
            try db.cachedStatement(sql: "INSERT INTO job_inputs (job_id, position, input) VALUES (?, ?, ?)").execute(arguments: [jobID, next, input])
        }
    }

    /// The catalog id of the item (by source and remote id), if the catalog has it.
    private static func knownItemID(_ db: Database, _ item: MediaItem) throws -> Int64? {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT i.id FROM items i JOIN sources s ON s.id = i.source_id WHERE s.name = ? AND i.remote_id = ?"),
            arguments: [item.source, item.remoteID])
    }

    public func finishCollection(jobID: Int64) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE job_runs SET collection_done = 1, updated_at = ? WHERE id = ?", arguments: [Self.now, jobID])
        }
    }

    public func claim(jobID: Int64, holder: String, limit: Int, leaseDuration: Duration) async throws -> [ClaimedItem] {
        try await writer.write { db in
            let now = Self.now
            return try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        UPDATE job_items SET status = 'running', lease_holder = ?, lease_token = lower(hex(randomblob(12))),
                            lease_expires_at = ?, attempts = attempts + 1, started_at = ?, finished_at = NULL, current_step = NULL,
                            next_attempt_at = NULL
                        WHERE id IN (
                            SELECT id FROM job_items WHERE job_id = ? AND status IN ('pending', 'interrupted')
                                AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
                            ORDER BY id LIMIT ?)
                        RETURNING id, item_key, item_id, attempts, lease_token, source, remote_id, title, url, title_is_file_name,
                            creators, collection_kind, collection_locator, collection_title, position, duration_hint,
                            published_at, episode, season, \(StoreSQL.claimedItemHasOriginal) AS has_original
                        """),
                arguments: [holder, now + leaseDuration.seconds, now, jobID, now, limit]
            ).map { row in
                let creators: String = row["creators"]
                var item = MediaItem(
                    source: row["source"], remoteID: row["remote_id"], title: row["title"], titleIsFileName: row["title_is_file_name"],
                    creators: creators.isEmpty ? [] : creators.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init),
                    collection: (row["collection_kind"] as String?).flatMap(CollectionRef.Kind.init(rawValue:)).map {
                        CollectionRef(kind: $0, locator: row["collection_locator"] ?? "", title: row["collection_title"])
                    },
                    position: row["position"], durationHint: row["duration_hint"], url: row["url"])
                item.catalogID = row["item_id"]
                item.attempt = row["attempts"]
                item.published = (row["published_at"] as Double?).map(Date.init(timeIntervalSince1970:))
                item.episode = row["episode"]
                item.season = row["season"]
                item.catalogHasOriginal = row["has_original"]
                let lease = ItemLease(jobItemID: row["id"], token: row["lease_token"])
                item.lease = lease
                return ClaimedItem(lease: lease, itemKey: row["item_key"], attempt: row["attempts"], item: item)
            }.sorted { $0.lease.jobItemID < $1.lease.jobItemID }
        }
    }

    @discardableResult
    public func renewLeases(holder: String, leaseDuration: Duration) async throws -> Int {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE job_items SET lease_expires_at = ? WHERE lease_holder = ? AND status = 'running'",
                arguments: [Self.now + leaseDuration.seconds, holder])
            return db.changesCount
        }
    }

    public func recordStep(_ lease: ItemLease, step: String) async throws {
        try await writer.write { db in try Self.fence(db, lease, step: step) }
    }

    public func settle(_ lease: ItemLease, _ outcome: ItemOutcome) async throws {
        try await writer.write { db in try Self.settle(db, lease, outcome) }
    }

    public func submitSteps(_ steps: [(lease: ItemLease, step: String)]) {
        writer.submit(
            { db in
                let statement = try db.cachedStatement(
                    sql: "UPDATE job_items SET current_step = ? WHERE id = ? AND lease_token = ? AND status = 'running'")
                for (lease, step) in steps { try statement.execute(arguments: [step, lease.jobItemID, lease.token]) }
            }, failed: Self.logSubmitted)
    }

    public func submitSettle(_ lease: ItemLease, _ outcome: ItemOutcome) {
        // A failure's statements stand or fall together (a savepoint of their own); any
        // other outcome is one statement, which changes nothing when the lease has passed on.
        switch outcome {
        case .failed, .retry:
            writer.submit({ db in try db.inSavepoint { try Self.settle(db, lease, outcome); return .commit } }, failed: Self.logSubmitted)
        default:
            writer.submit({ db in try Self.settle(db, lease, outcome) }, failed: Self.logSubmitted)
        }
    }

    public func submitTransfers(_ samples: [TransferSample]) {
        writer.submit(
            { db in
                let statement = try db.cachedStatement(
                    sql: "UPDATE job_items SET bytes = ?, bytes_expected = ? WHERE id = ? AND lease_token = ? AND status = 'running'")
                for sample in samples {
                    try statement.execute(arguments: [sample.bytes, sample.expected, sample.lease.jobItemID, sample.lease.token])
                }
            }, failed: Self.logSubmitted)
    }

    public func flush() async throws {
        try await writer.write { _ in }
    }

    private static func logSubmitted(_ error: any Error) {
        if case StoreError.leaseLost = error {
            Logger(label: "engine.store").info("a late write was refused: a newer attempt owns the item", metadata: ["error": "\(error)"])
        } else {
            Logger(label: "engine.store").error("a queued write failed", metadata: ["error": "\(error)"])
        }
    }

    private static func settle(_ db: Database, _ lease: ItemLease, _ outcome: ItemOutcome) throws {
        let now = Self.now
        var kind: ItemErrorKind?, nextAttempt: Double?
        let (status, error, bytes): (ItemStatus, String?, Int64?)
        switch outcome {
        case .succeeded(let count): (status, error, bytes) = (.succeeded, nil, count)
        case .failed(let message, let errorKind): (status, error, bytes, kind) = (.failed, message, nil, errorKind)
        case .retry(let message, let errorKind, let after): (status, error, bytes, kind, nextAttempt) = (.pending, message, nil, errorKind, now + after.seconds)  // the wait starts when recorded
        case .skipped(let reason): (status, error, bytes) = (.skipped, reason, nil)
        case .canceled: (status, error, bytes) = (.canceled, nil, nil)
        case .interrupted: (status, error, bytes) = (.interrupted, nil, nil)
        case .released: (status, error, bytes) = (.pending, nil, nil)
        }
        let open = status == .interrupted || status == .pending
        try db.cachedStatement(
            sql: """
                UPDATE job_items SET status = ?, last_error = ?, error_kind = ?, next_attempt_at = ?, bytes = coalesce(?, bytes),
                    finished_at = CASE WHEN ? THEN NULL ELSE ? END,
                    attempts = CASE WHEN ? THEN attempts - 1 ELSE attempts END,
                    lease_holder = NULL, lease_token = NULL, lease_expires_at = NULL
                WHERE id = ? AND lease_token = ? AND status = 'running'
                """
        ).execute(arguments: [
            // A try that was released or stopped cleanly (a pause, a shutdown) did not fail: it uses up no attempt.
            status.rawValue, error.map(Redaction.scrub), kind?.rawValue, nextAttempt, bytes, open, now,
            outcome == .released || outcome == .interrupted, lease.jobItemID, lease.token,
        ])
        guard db.changesCount == 1 else { throw StoreError.leaseLost(jobItemID: lease.jobItemID) }
        if let error, status == .failed || nextAttempt != nil {
            try db.cachedStatement(
                sql: """
                    INSERT INTO job_item_attempts (job_item_id, attempt, ended_at, outcome, error, error_kind, retry_at)
                    SELECT id, attempts, ?, ?, ?, ?, ? FROM job_items WHERE id = ?
                    """
            ).execute(arguments: [
                now, status == .failed ? "failed" : "retry", Redaction.scrub(error), kind?.rawValue, nextAttempt, lease.jobItemID,
            ])
        }
        // The catalog item keeps what it is (a stored item stays succeeded when a rerun skips
        // it, and recording its original marked it succeeded); only a failure changes it.
        if status == .failed {
            try db.cachedStatement(
                sql: """
                    UPDATE items SET status = 'failed', last_error = ?, updated_at = CURRENT_TIMESTAMP
                    WHERE id = (SELECT item_id FROM job_items WHERE id = ?)
                    """
            ).execute(arguments: [error.map(Redaction.scrub), lease.jobItemID])
        }
    }

    @discardableResult
    public func interruptItems(heldBy holders: [String]) async throws -> Int {
        guard !holders.isEmpty else { return 0 }
        return try await interrupt(where: "lease_holder IN (\(Self.placeholders(holders.count)))", StatementArguments(holders))
    }

    @discardableResult
    public func interruptItems(notHeldBy runner: String) async throws -> Int {
        try await interrupt(where: "lease_holder IS NOT ?", [runner])
    }

    @discardableResult
    public func interruptExpiredLeases() async throws -> Int {
        try await interrupt(where: "lease_expires_at < ?", [Self.now])
    }

    /// Running items matching `condition` lose their lease and become `interrupted` (claimable).
    private func interrupt(where condition: String, _ arguments: StatementArguments) async throws -> Int {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE job_items SET status = 'interrupted', lease_holder = NULL, lease_token = NULL, lease_expires_at = NULL
                    WHERE status = 'running' AND \(condition)
                    """,
                arguments: arguments)
            return db.changesCount
        }
    }

    @discardableResult
    public func retryItems(jobID: Int64, itemKey: String?, force: Bool) async throws -> Int {
        try await writer.write { db in try Self.retry(db, jobID: jobID, itemKey: itemKey, force: force) }
    }

    /// `retryItems` for each of `itemKeys`, in one transaction; returns how many were requeued.
    @discardableResult
    public func retryItems(jobID: Int64, itemKeys: [String], force: Bool) async throws -> Int {
        try await writer.write { db in try itemKeys.reduce(0) { $0 + (try Self.retry(db, jobID: jobID, itemKey: $1, force: force)) } }
    }

    private static func retry(_ db: Database, jobID: Int64, itemKey: String?, force: Bool) throws -> Int {
        let statuses: [ItemStatus] = force ? [.failed, .canceled, .succeeded, .skipped] : [.failed, .canceled]
        // Succeeded items whose renditions failed first: their failures are cleared too.
        let renditions = try retryRenditions(db, jobID: jobID, itemKey: itemKey)
        var arguments: StatementArguments = [jobID]
        arguments += StatementArguments(statuses.map(\.rawValue))
        if let itemKey { arguments += [itemKey] }
        let matching = "job_id = ? AND status IN (\(placeholders(statuses.count)))\(itemKey == nil ? "" : " AND item_key = ?")"
        // A retried item's resolver starts over: every candidate may be tried again.
        try db.execute(
            sql: "DELETE FROM job_item_source_failures WHERE job_item_id IN (SELECT id FROM job_items WHERE \(matching))", arguments: arguments)
        try db.execute(
            sql: """
                UPDATE job_items SET status = 'pending', last_error = NULL, error_kind = NULL, next_attempt_at = NULL,
                    finished_at = NULL, attempts = 0, resolve_trace = NULL
                WHERE \(matching)
                """,
            arguments: arguments)
        let items = db.changesCount
        // Inputs whose collection stopped on a failed page (the whole job retried): taken up
        // again at their checkpoint by the job's next run.
        var inputs = 0
        if itemKey == nil {
            try db.execute(sql: "UPDATE job_inputs SET done = 0, error = NULL WHERE job_id = ? AND error IS NOT NULL", arguments: [jobID])
            inputs = db.changesCount
            if inputs > 0 { try db.execute(sql: "UPDATE job_runs SET collection_done = 0 WHERE id = ?", arguments: [jobID]) }
        }
        return renditions + items + inputs
    }

    @discardableResult
    public func cancelOpenItems(jobID: Int64) async throws -> Int {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE job_items SET status = 'canceled', finished_at = ? WHERE job_id = ? AND status IN ('pending', 'interrupted')",
                arguments: [Self.now, jobID])
            return db.changesCount
        }
    }

    public func openItems(jobID: Int64, notPast steps: [String]) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM job_items WHERE job_id = ? AND (status IN ('pending', 'interrupted')
                        OR status = 'running' AND (current_step IS NULL OR current_step IN (SELECT value FROM json_each(?))))
                    """,
                arguments: [jobID, JSONValue.array(steps.map(JSONValue.string)).serialized(pretty: false)]) ?? 0
        }
    }

    public func counters(jobID: Int64) async throws -> JobCounters {
        try await pool.read { db in
            // Two reads the queue index answers (job, status): the counts alone, then only the
            // open rows for their retry times (reading every row was 3x slower at 10,000 items).
            var counters = JobCounters()
            for row in try Row.fetchAll(
                db.cachedStatement(sql: "SELECT status, count(*) AS n FROM job_items WHERE job_id = ? GROUP BY status"), arguments: [jobID])
            {
                if let status = ItemStatus(rawValue: row["status"]) { counters.byStatus[status] = row["n"] }
            }
            if counters.open > 0 {
                counters.waitingToRetry = try Int.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT count(*) FROM job_items WHERE job_id = ? AND status IN ('pending', 'interrupted')
                                AND next_attempt_at IS NOT NULL
                            """),
                    arguments: [jobID]) ?? 0
            }
            return counters
        }
    }

    public func runningItems(jobID: Int64, limit: Int) async throws -> [RunningItem] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT item_key, title, current_step, attempts, lease_holder, started_at, bytes, bytes_expected FROM job_items
                    WHERE job_id = ? AND status = 'running' ORDER BY started_at, id LIMIT ?
                    """,
                arguments: [jobID, limit]
            ).map {
                RunningItem(
                    itemKey: $0["item_key"], title: $0["title"], step: $0["current_step"], attempt: $0["attempts"],
                    holder: $0["lease_holder"], startedAt: ($0["started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    bytes: $0["bytes"], bytesExpected: $0["bytes_expected"])
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
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, item_key, title, last_error, error_kind, attempts, next_attempt_at FROM job_items
                    WHERE job_id = ? AND \(condition) ORDER BY id LIMIT ?
                    """,
                arguments: [jobID, limit]
            ).map { row in
                let history = try Row.fetchAll(
                    db.cachedStatement(
                        sql: "SELECT attempt, ended_at, outcome, error, error_kind FROM job_item_attempts WHERE job_item_id = ? ORDER BY id"),
                    arguments: [row["id"] as Int64]
                ).map {
                    AttemptRecord(
                        attempt: $0["attempt"], endedAt: Date(timeIntervalSince1970: $0["ended_at"]), outcome: $0["outcome"],
                        error: $0["error"], kind: ($0["error_kind"] as String?).flatMap(ItemErrorKind.init(rawValue:)))
                }
                return FailedItem(
                    itemKey: row["item_key"], title: row["title"], error: row["last_error"] ?? "",
                    kind: (row["error_kind"] as String?).flatMap(ItemErrorKind.init(rawValue:)), attempts: row["attempts"],
                    history: history, nextAttemptAt: (row["next_attempt_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
            }
        }
    }

    public func earliestOpenItem(jobID: Int64) async throws -> Date? {
        try await pool.read { db in
            try Double.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT min(coalesce(next_attempt_at, 0)) FROM job_items
                        WHERE job_id = ? AND status IN ('pending', 'interrupted')
                        """),
                arguments: [jobID]
            ).map(Date.init(timeIntervalSince1970:))
        }
    }

    public func openJobItems(_ ids: Set<Int64>) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        return try await pool.read { db in
            var open = Set<Int64>()
            for chunk in Array(ids).chunked(500) {
                open.formUnion(try Int64.fetchAll(
                    db, sql: """
                        SELECT id FROM job_items WHERE id IN (\(Self.placeholders(chunk.count)))
                        AND status IN ('pending', 'interrupted', 'running')
                        """,
                    arguments: StatementArguments(chunk)))
            }
            return open
        }
    }

    // MARK: commands, events, workers

    @discardableResult
    public func submitCommand(jobID: Int64, kind: JobCommandKind, argument: String?) async throws -> Int64 {
        try await writer.write { db in
            guard try Self.job(db, jobID) != nil else { throw StoreError.noSuchJob(jobID) }
            try db.execute(
                sql: "INSERT INTO job_commands (job_id, kind, argument, created_at) VALUES (?, ?, ?, ?)",
                arguments: [jobID, kind.rawValue, argument, Self.now])
            return db.lastInsertedRowID
        }
    }

    /// One command of `kind` for each argument, in one transaction.
    public func submitCommands(jobID: Int64, kind: JobCommandKind, arguments: [String?]) async throws {
        try await writer.write { db in
            guard try Self.job(db, jobID) != nil else { throw StoreError.noSuchJob(jobID) }
            let now = Self.now
            for argument in arguments {
                try db.cachedStatement(sql: "INSERT INTO job_commands (job_id, kind, argument, created_at) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [jobID, kind.rawValue, argument, now])
            }
        }
    }

    public func takeCommands(jobID: Int64, consumer: String) async throws -> [JobCommand] {
        try await writer.write { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        UPDATE job_commands SET consumed_at = ?, consumed_by = ? WHERE job_id = ? AND consumed_at IS NULL
                        RETURNING id, job_id, kind, argument, created_at
                        """),
                arguments: [Self.now, consumer, jobID]
            ).compactMap { row in
                JobCommandKind(rawValue: row["kind"]).map {
                    JobCommand(
                        id: row["id"], jobID: row["job_id"], kind: $0, argument: row["argument"],
                        createdAt: Date(timeIntervalSince1970: row["created_at"]))
                }
            }.sorted { $0.id < $1.id }
        }
    }

    public func completeCommand(_ id: Int64, result: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE job_commands SET result = ? WHERE id = ?", arguments: [result, id])
        }
    }

    public func appendEvent(jobID: Int64, kind: String, message: String) async throws {
        try await writer.write { db in try Self.event(db, jobID, kind, message) }
    }

    public func events(jobID: Int64, limit: Int) async throws -> [JobEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT at, kind, message FROM job_events WHERE job_id = ? ORDER BY id DESC LIMIT ?", arguments: [jobID, limit]
            ).reversed().map { JobEvent(at: Date(timeIntervalSince1970: $0["at"]), kind: $0["kind"], message: $0["message"]) }
        }
    }

    public func registerWorker(id: String, host: String, pid: Int32) async throws {
        try await writer.write { db in
            let now = Self.now
            try db.execute(
                sql: """
                    INSERT INTO job_workers (id, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL
                    """,
                arguments: [id, host, pid, now, now])
        }
    }

    public func workerHeartbeat(id: String, jobID: Int64?, currentItem: String?, bytesPerSecond: Double?) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE job_workers SET heartbeat_at = ?, job_id = ?, current_item = ?, bytes_per_second = ?, stopped_at = NULL WHERE id = ?",
                arguments: [Self.now, jobID, currentItem, bytesPerSecond, id])
        }
    }

    public func stopWorker(id: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE job_workers SET stopped_at = ?, job_id = NULL, current_item = NULL WHERE id = ?", arguments: [Self.now, id])
        }
    }

    public func activeWorkers() async throws -> [JobWorker] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM job_workers WHERE stopped_at IS NULL ORDER BY started_at").map {
                JobWorker(
                    id: $0["id"], host: $0["host"], pid: $0["pid"], jobID: $0["job_id"],
                    heartbeatAt: Date(timeIntervalSince1970: $0["heartbeat_at"]), currentItem: $0["current_item"],
                    bytesPerSecond: $0["bytes_per_second"], stoppedAt: nil)
            }
        }
    }

    // MARK: helpers

    /// The write is for the attempt holding `lease`: records its step, or refuses the whole
    /// transaction's write (its savepoint) when the lease has passed on.
    static func fence(_ db: Database, _ lease: ItemLease, step: String) throws {
        try db.cachedStatement(sql: "UPDATE job_items SET current_step = ? WHERE id = ? AND lease_token = ? AND status = 'running'")
            .execute(arguments: [step, lease.jobItemID, lease.token])
        guard db.changesCount == 1 else { throw StoreError.leaseLost(jobItemID: lease.jobItemID) }
    }

    private static func event(_ db: Database, _ jobID: Int64, _ kind: String, _ message: String) throws {
        try db.cachedStatement(sql: "INSERT INTO job_events (job_id, at, kind, message) VALUES (?, ?, ?, ?)")
            .execute(arguments: [jobID, now, kind, Redaction.scrub(message)])
    }

    private static func job(_ db: Database, _ id: Int64) throws -> JobRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM job_runs WHERE id = ?", arguments: [id]).map(jobRecord)
    }

    private static func jobRecord(_ row: Row) -> JobRecord {
        JobRecord(
            id: row["id"], type: JobType(rawValue: row["type"]) ?? .ingest, status: JobStatus(rawValue: row["status"]) ?? .failed,
            scope: (try? JSONDecoder().decode(JobScope.self, from: Data((row["scope"] as String).utf8))) ?? JobScope(),
            options: row["options"], collected: row["collected"], collectionDone: row["collection_done"], runner: row["runner_id"],
            error: row["error"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            startedAt: (row["started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    /// `?, ?, …`: `count` parameter marks for an `IN (…)` list.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    package var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
