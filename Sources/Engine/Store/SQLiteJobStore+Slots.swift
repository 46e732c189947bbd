import GRDB

/// Per-source download caps (`JobQueue.takeSourceSlot`): SQLite's write transactions run one
/// at a time, so the count and the insert need no lock of their own.
extension SQLiteJobStore {
    public func takeSourceSlot(_ source: String, limit: Int, lease: ItemLease) async throws -> Bool {
        try await writer.write { db in
            let running = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM job_items WHERE id = ? AND lease_token = ? AND status = 'running'",
                arguments: [lease.jobItemID, lease.token]) ?? false
            guard running else { throw StoreError.leaseLost(jobItemID: lease.jobItemID) }
            try db.execute(
                sql: """
                    DELETE FROM source_slots WHERE source = ? AND NOT EXISTS (
                        SELECT 1 FROM job_items j WHERE j.id = source_slots.job_item_id AND j.lease_token = source_slots.lease_token
                            AND j.status = 'running')
                    """,
                arguments: [source])
            let held = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM source_slots WHERE source = ? AND job_item_id = ? AND lease_token = ?",
                arguments: [source, lease.jobItemID, lease.token]) ?? false
            if held { return true }
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM source_slots WHERE source = ?", arguments: [source]) ?? 0 < limit else {
                return false
            }
            try db.execute(
                sql: """
                    INSERT INTO source_slots (source, job_item_id, lease_token, taken_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (source, job_item_id) DO UPDATE SET lease_token = excluded.lease_token, taken_at = excluded.taken_at
                    """,
                arguments: [source, lease.jobItemID, lease.token, Self.now])
            return true
        }
    }

    public func releaseSourceSlot(_ source: String, lease: ItemLease) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "DELETE FROM source_slots WHERE source = ? AND job_item_id = ? AND lease_token = ?",
                arguments: [source, lease.jobItemID, lease.token])
        }
    }
}
