public import Engine
import PostgresNIO

/// Storage backends and uploads to them on PostgreSQL (as `SQLiteJobStore+Storage`).
extension PostgresJobStore: UploadStore {
    // MARK: backends

    /// Adds a backend; a name in use is refused.
    public func addBackend(name: String, kind: String, config: String) async throws {
        try await connection { session in
            let added = try await session.row(
                "INSERT INTO storage_backends (name, kind, config) VALUES (\(name), \(kind), \(config)) ON CONFLICT (name) DO NOTHING RETURNING 1")
            guard added != nil else { throw StoreError.conflict("a backend named '\(name)' exists already") }
        }
    }

    public func backends() async throws -> [StorageBackendRecord] {
        try await connection { session in
            try await session.rows(
                """
                SELECT b.name, b.kind, b.config, (SELECT count(*) FROM file_locations l WHERE l.backend_id = b.id) AS locations
                FROM storage_backends b ORDER BY b.id
                """
            ).map {
                StorageBackendRecord(name: try $0["name"], kind: try $0["kind"], config: try $0["config"], locations: try $0["locations"])
            }
        }
    }

    public func backend(named name: String) async throws -> StorageBackendRecord? {
        try await backends().first { $0.name == name }
    }

    /// Removes a backend. Refused while file locations point at it, unless `force`: then they
    /// (and its upload tasks and content claims) go with it. Returns the locations removed.
    @discardableResult
    public func removeBackend(name: String, force: Bool) async throws -> Int {
        try await transaction { session in
            guard let id: Int64 = try await session.value("SELECT id FROM storage_backends WHERE name = \(name) FOR UPDATE") else {
                throw StoreError.notFound("backend '\(name)'")
            }
            let locations: Int = try await session.value("SELECT count(*) FROM file_locations WHERE backend_id = \(id)") ?? 0
            guard locations == 0 || force else {
                throw StoreError.conflict("backend '\(name)' holds \(locations) file location(s); --force removes them with it")
            }
            try await session.execute("DELETE FROM file_locations WHERE backend_id = \(id)")
            try await session.execute("DELETE FROM content_claims WHERE backend_id = \(id)")
            try await session.execute("DELETE FROM upload_tasks WHERE backend_id = \(id)")
            try await session.execute("DELETE FROM storage_backends WHERE id = \(id)")
            return locations
        }
    }

    // MARK: uploads

    public func assetsToUpload(itemID: Int64, from: String, to: String) async throws -> [UploadAsset] {
        try await connection { session in
            try await session.rows(
                """
                SELECT a.id, a.kind, a.sha256, a.size, l.locator FROM item_assets ia
                JOIN file_assets a ON a.id = ia.asset_id
                JOIN file_locations l ON l.asset_id = a.id AND l.state = 'active' AND l.is_primary
                JOIN storage_backends b ON b.id = l.backend_id AND b.name = \(from)
                WHERE ia.item_id = \(itemID) AND NOT EXISTS (
                    SELECT 1 FROM file_locations r JOIN storage_backends rb ON rb.id = r.backend_id
                    WHERE r.asset_id = a.id AND r.state = 'active' AND rb.name = \(to))
                ORDER BY a.kind = 'rendition', a.id
                """
            ).map {
                UploadAsset(assetID: try $0["id"], kind: try $0["kind"], sha256: try $0["sha256"], size: try $0["size"], locator: try $0["locator"])
            }
        }
    }

    public func uploadTask(assetID: Int64, backend: String, key: String, size: Int64, lease: ItemLease?) async throws -> UploadTask {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "upload") }
            let backendID = try await Self.backendID(session, backend)
            let row = try await session.row(
                """
                INSERT INTO upload_tasks (asset_id, backend_id, key, size, updated_at)
                VALUES (\(assetID), \(backendID), \(key), \(size), \(unescaped: Self.now))
                ON CONFLICT (asset_id, backend_id, key) DO UPDATE SET
                    state = CASE WHEN upload_tasks.state = 'done' THEN 'pending' ELSE upload_tasks.state END,
                    size = excluded.size, updated_at = excluded.updated_at
                RETURNING id, upload_id, part_size
                """)!
            let id: Int64 = try row["id"]
            let parts = try await session.rows("SELECT part_number, etag, size FROM upload_parts WHERE task_id = \(id) ORDER BY part_number")
                .map { UploadedPart(number: try $0["part_number"], etag: try $0["etag"], size: try $0["size"]) }
            return UploadTask(id: id, key: key, size: size, uploadID: try row["upload_id"], partSize: try row["part_size"], parts: parts)
        }
    }

    public func setMultipartUpload(taskID: Int64, uploadID: String?, partSize: Int64?, lease: ItemLease?) async throws {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "upload") }
            try await session.execute("DELETE FROM upload_parts WHERE task_id = \(taskID)")
            try await session.execute(
                """
                UPDATE upload_tasks SET state = 'uploading', upload_id = \(uploadID), part_size = \(partSize), updated_at = \(unescaped: Self.now)
                WHERE id = \(taskID)
                """)
        }
    }

    public func recordUploadedPart(taskID: Int64, part: UploadedPart, lease: ItemLease?) async throws {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "upload") }
            try await session.execute(
                """
                INSERT INTO upload_parts (task_id, part_number, etag, size) VALUES (\(taskID), \(part.number), \(part.etag), \(part.size))
                ON CONFLICT (task_id, part_number) DO UPDATE SET etag = excluded.etag, size = excluded.size
                """)
        }
    }

    public func finishUpload(
        taskID: Int64, assetID: Int64, backend: String, key: String, etag: String, publicURL: String?, lease: ItemLease?
    ) async throws {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "upload") }
            let backendID = try await Self.backendID(session, backend)
            // A copy, unless the asset is stored nowhere else (a rendition made for this backend).
            let elsewhere = try await session.row(
                "SELECT 1 FROM file_locations WHERE asset_id = \(assetID) AND is_primary AND state = 'active' LIMIT 1") != nil
            try await Self.addLocation(session, assetID: assetID, backendID: backendID, locator: key, copy: elsewhere, publicURL: publicURL)
            try await session.execute("DELETE FROM upload_parts WHERE task_id = \(taskID)")
            try await session.execute(
                """
                UPDATE upload_tasks SET state = 'done', upload_id = NULL, etag = \(etag), error = NULL, updated_at = \(unescaped: Self.now)
                WHERE id = \(taskID)
                """)
        }
    }

    public func openMultipartUploads(backend: String) async throws -> Set<String> {
        try await connection { session in
            Set(
                try await session.rows(
                    """
                    SELECT t.upload_id FROM upload_tasks t JOIN storage_backends b ON b.id = t.backend_id
                    WHERE b.name = \(backend) AND t.upload_id IS NOT NULL AND t.state != 'done'
                    """
                ).map { try $0["upload_id"] as String })
        }
    }
}
