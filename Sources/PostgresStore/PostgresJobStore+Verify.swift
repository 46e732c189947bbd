public import Engine
import Foundation
import PostgresNIO

extension PostgresJobStore {
    public func storedLocations(backend: String?, states: [String]) async throws -> [StoredLocation] {
        try await connection { session in
            try await session.rows(
                """
                SELECT l.id, l.asset_id, a.sha256, a.size, b.name AS backend, b.kind, l.locator, l.state, l.is_primary,
                    l.verified_at, l.problem
                FROM file_locations l JOIN file_assets a ON a.id = l.asset_id JOIN storage_backends b ON b.id = l.backend_id
                WHERE l.state = ANY(\(states)) AND (\(backend)::text IS NULL OR b.name = \(backend))
                ORDER BY l.id
                """
            ).map { row in
                StoredLocation(
                    id: try row["id"], assetID: try row["asset_id"], sha256: try row["sha256"], size: try row["size"],
                    backend: try row["backend"], backendKind: try row["kind"], locator: try row["locator"], state: try row["state"],
                    isPrimary: try row["is_primary"], verifiedAt: try row.date("verified_at"), problem: try row["problem"])
            }
        }
    }

    public func recordCheck(locationID: Int64, sha256: String, problem: String?) async throws -> Bool {
        try await transaction { session in
            let now = Date().timeIntervalSince1970
            guard let row = try await session.row(
                """
                SELECT l.asset_id, l.backend_id, l.is_primary FROM file_locations l JOIN file_assets a ON a.id = l.asset_id
                WHERE l.id = \(locationID) AND l.state IN ('active', 'corrupt') AND a.sha256 = \(sha256) FOR UPDATE OF l
                """)
            else { return false }
            guard let problem else {
                try await session.execute(
                    """
                    UPDATE file_locations SET verified_at = \(now), problem = NULL, state = 'active',
                        is_primary = CASE WHEN state = 'corrupt' THEN NOT EXISTS (
                            SELECT 1 FROM file_locations p WHERE p.asset_id = file_locations.asset_id
                                AND p.backend_id = file_locations.backend_id AND p.is_primary AND p.id != file_locations.id)
                            ELSE is_primary END
                    WHERE id = \(locationID)
                    """)
                return true
            }
            try await session.execute(
                """
                UPDATE file_locations SET state = 'corrupt', is_primary = false, verified_at = \(now), problem = \(Redaction.scrub(problem))
                WHERE id = \(locationID)
                """)
            guard try row["is_primary"] as Bool else { return true }
            let assetID: Int64 = try row["asset_id"], backendID: Int64 = try row["backend_id"]
            try await session.execute(
                """
                UPDATE file_locations SET is_primary = true WHERE id = (
                    SELECT l.id FROM file_locations l WHERE l.asset_id = \(assetID) AND l.state = 'active' AND l.id != \(locationID)
                        AND NOT EXISTS (SELECT 1 FROM file_locations p WHERE p.asset_id = l.asset_id AND p.backend_id = l.backend_id AND p.is_primary)
                    ORDER BY l.backend_id != \(backendID), l.id LIMIT 1)
                """)
            return true
        }
    }

    public func keepLocation(_ keep: Int64, dropping drop: [Int64]) async throws -> [Int64] {
        try await transaction { session in
            guard let kept = try await session.row("SELECT asset_id, backend_id FROM file_locations WHERE id = \(keep) AND state = 'active' FOR UPDATE")
            else { return [] }
            let assetID: Int64 = try kept["asset_id"], backendID: Int64 = try kept["backend_id"]
            let dropped = try await session.rows(
                """
                UPDATE file_locations SET state = 'inactive', is_primary = false
                WHERE id = ANY(\(drop.filter { $0 != keep })) AND asset_id = \(assetID) AND backend_id = \(backendID) AND state = 'active'
                RETURNING id
                """
            ).map { try $0["id"] as Int64 }
            try await session.execute(
                """
                UPDATE file_locations SET is_primary = NOT EXISTS (
                    SELECT 1 FROM file_locations p WHERE p.asset_id = file_locations.asset_id AND p.backend_id = file_locations.backend_id
                        AND p.is_primary AND p.id != file_locations.id)
                WHERE id = \(keep)
                """)
            return dropped
        }
    }

    public func sourceURLs(assetID: Int64) async throws -> [String] {
        try await connection { session in
            try await session.rows(
                """
                SELECT DISTINCT i.id, i.url FROM item_assets ia JOIN items i ON i.id = ia.item_id JOIN file_assets a ON a.id = ia.asset_id
                WHERE ia.asset_id = \(assetID) AND a.kind = 'original' AND i.url IS NOT NULL ORDER BY i.id
                """
            ).map { try $0["url"] as String }
        }
    }
}
