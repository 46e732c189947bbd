public import Engine

/// Per-source download caps (`JobQueue.takeSourceSlot`), shared by every worker of the store:
/// an advisory lock per source (and schema) makes the count and the insert one step. It is
/// only tried: while another worker holds it the answer is "no slot yet", and the caller asks
/// again shortly, holding no connection meanwhile. Read committed, whatever the role's
/// default, so that each statement sees the slots the lock's previous holder committed.
extension PostgresJobStore {
    public func takeSourceSlot(_ source: String, limit: Int, lease: ItemLease) async throws -> Bool {
        try await transaction { session in
            try await session.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            let key = "media-engine source \(schema) \(source)"
            guard try await session.value("SELECT pg_try_advisory_xact_lock(hashtext(\(key)))", as: Bool.self) == true else { return false }
            let running = try await session.row(
                "SELECT 1 FROM job_items WHERE id = \(lease.jobItemID) AND lease_token = \(lease.token) AND status = 'running'")
            guard running != nil else { throw StoreError.leaseLost(jobItemID: lease.jobItemID) }
            // Slots of attempts no longer running under their token are free again; then ours,
            // if taken already, or a new one while fewer than `limit` are held.
            let taken = try await session.value(
                """
                WITH freed AS (
                    DELETE FROM source_slots s WHERE s.source = \(source) AND NOT EXISTS (
                        SELECT 1 FROM job_items j WHERE j.id = s.job_item_id AND j.lease_token = s.lease_token AND j.status = 'running')
                    RETURNING s.job_item_id
                ), held AS (
                    SELECT s.job_item_id, s.lease_token FROM source_slots s
                    WHERE s.source = \(source) AND s.job_item_id NOT IN (SELECT job_item_id FROM freed)
                )
                SELECT CASE
                    WHEN EXISTS (SELECT 1 FROM held WHERE job_item_id = \(lease.jobItemID) AND lease_token = \(lease.token)) THEN 'held'
                    WHEN (SELECT count(*) FROM held) < \(limit) THEN 'free'
                    ELSE 'full' END
                """, as: String.self)
            guard taken != "full" else { return false }
            if taken == "free" {
                try await session.execute(
                    """
                    INSERT INTO source_slots (source, job_item_id, lease_token, taken_at)
                    VALUES (\(source), \(lease.jobItemID), \(lease.token), \(unescaped: Self.now))
                    ON CONFLICT (source, job_item_id) DO UPDATE SET lease_token = excluded.lease_token, taken_at = excluded.taken_at
                    """)
            }
            return true
        }
    }

    public func releaseSourceSlot(_ source: String, lease: ItemLease) async throws {
        try await connection { session in
            try await session.execute(
                "DELETE FROM source_slots WHERE source = \(source) AND job_item_id = \(lease.jobItemID) AND lease_token = \(lease.token)")
        }
    }
}
