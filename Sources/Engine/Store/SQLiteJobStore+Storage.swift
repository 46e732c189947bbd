import Foundation
import GRDB

/// Storage backends (`storage_backends`) and uploads to them (`upload_tasks`, `upload_parts`).
extension SQLiteJobStore: UploadStore {
    // MARK: backends

    /// Adds a backend; a name in use is refused.
    public func addBackend(name: String, kind: String, config: String) async throws {
        try await writer.write { db in
            guard try Int64.fetchOne(db, sql: "SELECT id FROM storage_backends WHERE name = ?", arguments: [name]) == nil else {
                throw StoreError.conflict("a backend named '\(name)' exists already")
            }
            try db.execute(sql: "INSERT INTO storage_backends (name, kind, config) VALUES (?, ?, ?)", arguments: [name, kind, config])
        }
    }

    public func backends() async throws -> [StorageBackendRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT b.name, b.kind, b.config, (SELECT count(*) FROM file_locations l WHERE l.backend_id = b.id) AS locations
                    FROM storage_backends b ORDER BY b.id
                    """
            ).map { StorageBackendRecord(name: $0["name"], kind: $0["kind"], config: $0["config"], locations: $0["locations"]) }
        }
    }

    public func backend(named name: String) async throws -> StorageBackendRecord? {
        try await backends().first { $0.name == name }
    }

    /// Removes a backend. Refused while file locations point at it, unless `force`: then they
    /// (and its upload tasks and content claims) go with it. Returns the locations removed.
    @discardableResult
    public func removeBackend(name: String, force: Bool) async throws -> Int {
        try await writer.write { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM storage_backends WHERE name = ?", arguments: [name]) else {
                throw StoreError.notFound("backend '\(name)'")
            }
            let locations = try Int.fetchOne(db, sql: "SELECT count(*) FROM file_locations WHERE backend_id = ?", arguments: [id]) ?? 0
            guard locations == 0 || force else {
                throw StoreError.conflict("backend '\(name)' holds \(locations) file location(s); --force removes them with it")
            }
            for table in ["file_locations", "content_claims", "upload_tasks"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE backend_id = ?", arguments: [id])
            }
            try db.execute(sql: "DELETE FROM storage_backends WHERE id = ?", arguments: [id])
            return locations
        }
    }

    // MARK: uploads

    public func assetsToUpload(itemID: Int64, from: String, to: String) async throws -> [UploadAsset] {
        // CROSS JOIN keeps SQLite on this order (from the item's few assets): left to itself it
        // walks every location on `from` per item.
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT a.id, a.kind, a.sha256, a.size, l.locator FROM item_assets ia
                        CROSS JOIN file_assets a ON a.id = ia.asset_id
                        CROSS JOIN file_locations l ON l.asset_id = a.id AND l.state = 'active' AND l.is_primary
                        JOIN storage_backends b ON b.id = l.backend_id AND b.name = ?
                        WHERE ia.item_id = ? AND NOT EXISTS (
                            SELECT 1 FROM file_locations r JOIN storage_backends rb ON rb.id = r.backend_id
                            WHERE r.asset_id = a.id AND r.state = 'active' AND rb.name = ?)
                        ORDER BY a.kind = 'rendition', a.id
                        """),
                arguments: [from, itemID, to]
            ).map { UploadAsset(assetID: $0["id"], kind: $0["kind"], sha256: $0["sha256"], size: $0["size"], locator: $0["locator"]) }
        }
    }

    public func uploadTask(assetID: Int64, backend: String, key: String, size: Int64, lease: ItemLease?) async throws -> UploadTask {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "upload") }
            let backendID = try Self.backendID(db, backend)
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        INSERT INTO upload_tasks (asset_id, backend_id, key, size, updated_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (asset_id, backend_id, key) DO UPDATE SET
                            state = CASE WHEN upload_tasks.state = 'done' THEN 'pending' ELSE upload_tasks.state END,
                            size = excluded.size, updated_at = excluded.updated_at
                        RETURNING id, upload_id, part_size
                        """),
                arguments: [assetID, backendID, key, size, Self.now])!
            let id: Int64 = row["id"]
            let parts = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT part_number, etag, size FROM upload_parts WHERE task_id = ? ORDER BY part_number"),
                arguments: [id]
            ).map { UploadedPart(number: $0["part_number"], etag: $0["etag"], size: $0["size"]) }
            return UploadTask(id: id, key: key, size: size, uploadID: row["upload_id"], partSize: row["part_size"], parts: parts)
        }
    }

    public func setMultipartUpload(taskID: Int64, uploadID: String?, partSize: Int64?, lease: ItemLease?) async throws {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "upload") }
            try db.execute(sql: "DELETE FROM upload_parts WHERE task_id = ?", arguments: [taskID])
            try db.execute(
                sql: "UPDATE upload_tasks SET state = 'uploading', upload_id = ?, part_size = ?, updated_at = ? WHERE id = ?",
                arguments: [uploadID, partSize, Self.now, taskID])
        }
    }

    public func recordUploadedPart(taskID: Int64, part: UploadedPart, lease: ItemLease?) async throws {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "upload") }
            try db.execute(
                sql: """
                    INSERT INTO upload_parts (task_id, part_number, etag, size) VALUES (?, ?, ?, ?)
                    ON CONFLICT (task_id, part_number) DO UPDATE SET etag = excluded.etag, size = excluded.size
                    """,
                arguments: [taskID, part.number, part.etag, part.size])
        }
    }

    public func finishUpload(
        taskID: Int64, assetID: Int64, backend: String, key: String, etag: String, publicURL: String?, lease: ItemLease?
    ) async throws {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "upload") }
            let backendID = try Self.backendID(db, backend)
            // A copy, unless the asset is stored nowhere else (a rendition made for this backend).
            let elsewhere = try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM file_locations WHERE asset_id = ? AND is_primary AND state = 'active')"),
                arguments: [assetID])!
            try Self.addLocation(db, assetID: assetID, backendID: backendID, locator: key, copy: elsewhere, publicURL: publicURL)
            try db.execute(sql: "DELETE FROM upload_parts WHERE task_id = ?", arguments: [taskID])
            try db.execute(
                sql: "UPDATE upload_tasks SET state = 'done', upload_id = NULL, etag = ?, error = NULL, updated_at = ? WHERE id = ?",
                arguments: [etag, Self.now, taskID])
        }
    }

    public func openMultipartUploads(backend: String) async throws -> Set<String> {
        try await pool.read { db in
            try String.fetchSet(
                db,
                sql: """
                    SELECT t.upload_id FROM upload_tasks t JOIN storage_backends b ON b.id = t.backend_id
                    WHERE b.name = ? AND t.upload_id IS NOT NULL AND t.state != 'done'
                    """,
                arguments: [backend])
        }
    }
}
