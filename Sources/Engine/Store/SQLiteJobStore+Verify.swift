import Foundation
import GRDB

extension SQLiteJobStore {
    public func storedLocations(backend: String?, states: [String]) async throws -> [StoredLocation] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.id, l.asset_id, a.sha256, a.size, b.name AS backend, b.kind, l.locator, l.state, l.is_primary,
                        l.verified_at, l.problem
                    FROM file_locations l JOIN file_assets a ON a.id = l.asset_id JOIN storage_backends b ON b.id = l.backend_id
                    WHERE l.state IN (SELECT value FROM json_each(?)) AND (? IS NULL OR b.name = ?)
                    ORDER BY l.id
                    """, arguments: [JSONValue.array(states.map(JSONValue.string)).serialized(pretty: false), backend, backend]
            ).map { row in
                StoredLocation(
                    id: row["id"], assetID: row["asset_id"], sha256: row["sha256"], size: row["size"], backend: row["backend"],
                    backendKind: row["kind"], locator: row["locator"], state: row["state"], isPrimary: row["is_primary"],
                    verifiedAt: (row["verified_at"] as Double?).map(Date.init(timeIntervalSince1970:)), problem: row["problem"])
            }
        }
    }

    public func recordCheck(locationID: Int64, sha256: String, problem: String?) async throws -> Bool {
        try await writer.write { db in
            let now = Date().timeIntervalSince1970
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT l.asset_id, l.backend_id, l.is_primary FROM file_locations l JOIN file_assets a ON a.id = l.asset_id
                    WHERE l.id = ? AND l.state IN ('active', 'corrupt') AND a.sha256 = ?
                    """, arguments: [locationID, sha256])
            else { return false }
            guard let problem else {
                try db.execute(
                    sql: """
                        UPDATE file_locations SET verified_at = ?, problem = NULL, state = 'active',
                            -- A repaired copy is primary again where its backend has no other.
                            is_primary = CASE WHEN state = 'corrupt' THEN NOT EXISTS (
                                SELECT 1 FROM file_locations p WHERE p.asset_id = file_locations.asset_id
                                    AND p.backend_id = file_locations.backend_id AND p.is_primary AND p.id != file_locations.id)
                                ELSE is_primary END
                        WHERE id = ?
                        """,
                    arguments: [now, locationID])
                return true
            }
            try db.execute(
                sql: "UPDATE file_locations SET state = 'corrupt', is_primary = 0, verified_at = ?, problem = ? WHERE id = ?",
                arguments: [now, Redaction.scrub(problem), locationID])
            guard row["is_primary"] as Bool else { return true }
            // Another healthy copy takes the mark: on the same backend first, else the oldest
            // active one on a backend where the asset has no primary copy.
            try db.execute(
                sql: """
                    UPDATE file_locations SET is_primary = 1 WHERE id = (
                        SELECT l.id FROM file_locations l WHERE l.asset_id = ? AND l.state = 'active' AND l.id != ?
                            AND NOT EXISTS (SELECT 1 FROM file_locations p WHERE p.asset_id = l.asset_id AND p.backend_id = l.backend_id AND p.is_primary)
                        ORDER BY l.backend_id != ?, l.id LIMIT 1)
                    """, arguments: [row["asset_id"] as Int64, locationID, row["backend_id"] as Int64])
            return true
        }
    }

    public func keepLocation(_ keep: Int64, dropping drop: [Int64]) async throws -> [Int64] {
        try await writer.write { db in
            guard let kept = try Row.fetchOne(db, sql: "SELECT asset_id, backend_id FROM file_locations WHERE id = ? AND state = 'active'", arguments: [keep])
            else { return [] }
            var dropped: [Int64] = []
            for id in drop where id != keep {
                try db.execute(
                    sql: "UPDATE file_locations SET state = 'inactive', is_primary = 0 WHERE id = ? AND asset_id = ? AND backend_id = ? AND state = 'active'",
                    arguments: [id, kept["asset_id"] as Int64, kept["backend_id"] as Int64])
                if db.changesCount == 1 { dropped.append(id) }
            }
            try db.execute(
                sql: """
                    UPDATE file_locations SET is_primary = NOT EXISTS (
                        SELECT 1 FROM file_locations p WHERE p.asset_id = file_locations.asset_id AND p.backend_id = file_locations.backend_id
                            AND p.is_primary AND p.id != file_locations.id)
                    WHERE id = ?
                    """, arguments: [keep])
            return dropped
        }
    }

    public func sourceURLs(assetID: Int64) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT i.url FROM item_assets ia JOIN items i ON i.id = ia.item_id JOIN file_assets a ON a.id = ia.asset_id
                    WHERE ia.asset_id = ? AND a.kind = 'original' AND i.url IS NOT NULL ORDER BY i.id
                    """, arguments: [assetID])
        }
    }
}
