public import Engine
import Foundation
import PostgresNIO

/// The catalog and stored files on PostgreSQL: the statements of `SQLiteJobStore`'s catalog,
/// written so that concurrent workers cannot both win (upserts with `ON CONFLICT`, a content
/// claim taken by an insert or a locked row).
extension PostgresJobStore: CatalogStore {
    public func upsertItem(_ item: MediaItem) async throws -> CatalogEntry {
        try await transaction { session in try await Self.catalogEntry(session, itemID: try await Self.upsertCatalogItem(session, item)) }
    }

    public func catalogEntry(itemID: Int64) async throws -> CatalogEntry {
        try await connection { session in try await Self.catalogEntry(session, itemID: itemID) }
    }

    /// Adds the item (source, creators, collection link) or refreshes its metadata; its id.
    static func upsertCatalogItem(_ session: Session, _ item: MediaItem) async throws -> Int64 {
        let sourceID = try await upsertSource(session, item.source)
        let published = item.published?.timeIntervalSince1970
        let itemID: Int64 = try await session.value(
            """
            INSERT INTO items (source_id, remote_id, title, url, duration, published_at, episode, season)
            VALUES (\(sourceID), \(item.remoteID), \(item.title), \(item.url), \(item.durationHint), \(published), \(item.episode.map(Int64.init)),
                \(item.season.map(Int64.init)))
            ON CONFLICT (source_id, remote_id) DO UPDATE SET
                title = CASE WHEN \(item.titleIsFileName) THEN items.title ELSE excluded.title END, url = excluded.url,
                duration = coalesce(items.duration, excluded.duration),
                published_at = coalesce(excluded.published_at, items.published_at),
                episode = coalesce(excluded.episode, items.episode), season = coalesce(excluded.season, items.season),
                updated_at = \(unescaped: PostgresMigrations.textNow)
            RETURNING id
            """)!
        // A file-name title or an empty creator list says nothing new: keep what the probe's
        // tags gave on an earlier run.
        if !item.creators.isEmpty { try await replaceCreators(session, itemID: itemID, item.creators) }
        if let collection = item.collection {
            let collectionID: Int64 = try await session.value(
                """
                INSERT INTO collections (source_id, kind, locator, title) VALUES (\(sourceID), \(collection.kind.rawValue), \(collection.locator),
                    \(collection.title))
                ON CONFLICT (source_id, locator) DO UPDATE SET title = coalesce(excluded.title, collections.title)
                RETURNING id
                """)!
            try await session.execute(
                """
                INSERT INTO collection_items (collection_id, item_id, position) VALUES (\(collectionID), \(itemID), \(item.position.map(Int64.init)))
                ON CONFLICT (collection_id, item_id) DO UPDATE SET position = excluded.position
                """)
        }
        return itemID
    }

    static func catalogEntry(_ session: Session, itemID: Int64) async throws -> CatalogEntry {
        let original = try await storedOriginal(session, itemID: itemID)
        let mediaKind = try await session.value("SELECT media_kind FROM items WHERE id = \(itemID)", as: String?.self) ?? nil
        var backends: [String: Set<String>] = [:]
        var failed: [String: String] = [:]
        if let original {
            for row in try await session.rows(
                """
                SELECT a.profile, b.name FROM file_assets a
                JOIN file_locations l ON l.asset_id = a.id AND l.state = 'active'
                JOIN storage_backends b ON b.id = l.backend_id
                WHERE a.kind = 'rendition' AND a.parent_asset_id = \(original.assetID)
                """)
            {
                backends[try row["profile"] as String, default: []].insert(try row["name"])
            }
            for row in try await session.rows("SELECT profile, settings FROM rendition_failures WHERE original_sha256 = \(original.sha256)") {
                let profile: String = try row["profile"]
                if failed[profile] == nil { failed[profile] = try row["settings"] }
            }
        }
        return CatalogEntry(itemID: itemID, storedOriginal: original, mediaKind: mediaKind, renditionBackends: backends, failedRenditions: failed)
    }

    public func setStatus(itemID: Int64, _ status: ItemStatus, error: String?) async throws {
        try await connection { session in
            try await session.execute(
                """
                UPDATE items SET status = \(status.rawValue), last_error = \(error),
                    updated_at = \(unescaped: PostgresMigrations.textNow) WHERE id = \(itemID)
                """)
        }
    }

    /// Sources and creators are shared by every job's items: looked up first, inserted only when
    /// new (an `ON CONFLICT DO UPDATE` would lock the shared row until the transaction ends).
    private static func upsertSource(_ session: Session, _ name: String) async throws -> Int64 {
        try await nameID(session, table: "sources", name)
    }

    private static func nameID(_ session: Session, table: String, _ name: String) async throws -> Int64 {
        if let id: Int64 = try await session.value("SELECT id FROM \(unescaped: table) WHERE name = \(name)") { return id }
        if let id: Int64 = try await session.value("INSERT INTO \(unescaped: table) (name) VALUES (\(name)) ON CONFLICT (name) DO NOTHING RETURNING id") {
            return id
        }
        return try await session.value("SELECT id FROM \(unescaped: table) WHERE name = \(name)")!
    }

    static func replaceCreators(_ session: Session, itemID: Int64, _ creators: [String]) async throws {
        try await session.execute("DELETE FROM item_creators WHERE item_id = \(itemID)")
        for (position, name) in creators.enumerated() {
            let creatorID = try await nameID(session, table: "creators", name)
            try await session.execute(
                "INSERT INTO item_creators (item_id, creator_id, position) VALUES (\(itemID), \(creatorID), \(Int64(position)))")
        }
    }

    // MARK: storage

    public func storedOriginal(itemID: Int64) async throws -> StoredFile? {
        try await connection { session in try await Self.storedOriginal(session, itemID: itemID) }
    }

    static func storedOriginal(_ session: Session, itemID: Int64) async throws -> StoredFile? {
        try await session.row(
            """
            SELECT \(unescaped: StoreSQL.preferredFileColumns)
            JOIN item_assets ia ON ia.asset_id = a.id
            WHERE ia.item_id = \(itemID) AND a.kind = 'original'
            ORDER BY a.id LIMIT 1
            """
        ).map(storedFile)
    }

    public func storedOriginal(sha256: String, backend: String) async throws -> StoredFile? {
        try await connection { session in
            try await session.row(
                """
                SELECT \(unescaped: StoreSQL.storedFileColumns)
                WHERE a.sha256 = \(sha256) AND a.kind = 'original' AND b.name = \(backend)
                ORDER BY l.is_primary DESC, l.id LIMIT 1
                """
            ).map(Self.storedFile)
        }
    }

    public func recordOriginal(
        itemID: Int64, sha256: String, size: Int64, format: String?, backend: String, locator: String,
        description: ItemDescription?, lease: ItemLease?
    ) async throws -> StoredFile {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "store") }
            let backendID = try await Self.backendID(session, backend)
            let assetID = try await Self.originalAsset(session, sha256: sha256, size: size, format: format)
            try await Self.link(session, itemID: itemID, assetID: assetID)
            try await Self.addLocation(session, assetID: assetID, backendID: backendID, locator: locator)
            try await Self.markPlaced(session, .original(sha256: sha256), backendID: backendID)
            if let description { try await Self.describe(session, itemID: itemID, description) }
            return StoredFile(assetID: assetID, sha256: sha256, size: size, format: format, backend: backend, locator: locator)
        }
    }

    public func recordOriginalAsset(sha256: String, size: Int64, format: String?, lease: ItemLease?) async throws -> Int64 {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "store") }
            return try await Self.originalAsset(session, sha256: sha256, size: size, format: format)
        }
    }

    /// The one asset of an original content (made when there is none).
    private static func originalAsset(_ session: Session, sha256: String, size: Int64, format: String?) async throws -> Int64 {
        try await session.value(
            """
            INSERT INTO file_assets (kind, format, size, sha256) VALUES ('original', \(format), \(size), \(sha256))
            ON CONFLICT (sha256) WHERE kind = 'original' DO UPDATE SET format = coalesce(file_assets.format, excluded.format)
            RETURNING id
            """)!
    }

    /// What the probe learned about a stored item; it is `succeeded` (its original is stored).
    static func describe(_ session: Session, itemID: Int64, _ description: ItemDescription) async throws {
        try await session.execute(
            """
            UPDATE items SET title = \(description.title), duration = coalesce(\(description.duration), duration),
                media_kind = coalesce(\(description.mediaKind), media_kind), status = 'succeeded', last_error = NULL,
                updated_at = \(unescaped: PostgresMigrations.textNow)
            WHERE id = \(itemID)
            """)
        try await replaceCreators(session, itemID: itemID, description.creators)
    }

    /// Two workers may ask at once: the claim row is inserted by one of them (the other's
    /// insert waits for it and does nothing), then read locked, so one answer holds until commit.
    public func claimContent(_ content: ContentKey, backend: String, lease: ItemLease, replacing: Bool) async throws -> ContentClaim {
        try await transaction { session in
            let backendID = try await Self.backendID(session, backend)
            let inserted = try await session.row(
                """
                INSERT INTO content_claims (backend_id, content_key, state, holder_item_id, holder_token, updated_at)
                VALUES (\(backendID), \(content.value), 'placing', \(lease.jobItemID), \(lease.token), \(unescaped: Self.now))
                ON CONFLICT (backend_id, content_key) DO NOTHING RETURNING 1
                """)
            if inserted != nil { return .claimed }
            let row = try await session.row(
                """
                SELECT state, holder_item_id, holder_token FROM content_claims
                WHERE backend_id = \(backendID) AND content_key = \(content.value) FOR UPDATE
                """)
            if let row {
                let holder: ItemLease? = try (row["holder_item_id"] as Int64?).flatMap { id in
                    try (row["holder_token"] as String?).map { ItemLease(jobItemID: id, token: $0) }
                }
                let state: String = try row["state"]
                if state == "placed", !replacing { return .placed }
                if state == "placing", let holder, holder != lease, try await Self.isLive(session, holder) { return .busy }
            }
            try await session.execute(
                """
                INSERT INTO content_claims (backend_id, content_key, state, holder_item_id, holder_token, updated_at)
                VALUES (\(backendID), \(content.value), 'placing', \(lease.jobItemID), \(lease.token), \(unescaped: Self.now))
                ON CONFLICT (backend_id, content_key) DO UPDATE SET state = 'placing',
                    holder_item_id = excluded.holder_item_id, holder_token = excluded.holder_token, updated_at = excluded.updated_at
                """)
            return .claimed
        }
    }

    public func releaseContent(_ content: ContentKey, backend: String, lease: ItemLease) async throws {
        try await connection { session in
            try await session.execute(
                """
                DELETE FROM content_claims WHERE backend_id = (SELECT id FROM storage_backends WHERE name = \(backend))
                    AND content_key = \(content.value) AND state = 'placing' AND holder_item_id = \(lease.jobItemID)
                    AND holder_token = \(lease.token)
                """)
        }
    }

    /// True while the attempt holds its item: running under that token, the lease not expired.
    private static func isLive(_ session: Session, _ lease: ItemLease) async throws -> Bool {
        try await session.row(
            """
            SELECT 1 FROM job_items WHERE id = \(lease.jobItemID) AND lease_token = \(lease.token) AND status = 'running'
                AND lease_expires_at > \(unescaped: now)
            """) != nil
    }

    /// The content is stored on the backend: its claim, whoever held it, is `placed`.
    static func markPlaced(_ session: Session, _ content: ContentKey, backendID: Int64) async throws {
        try await session.execute(
            """
            INSERT INTO content_claims (backend_id, content_key, state, updated_at) VALUES (\(backendID), \(content.value), 'placed',
                \(unescaped: now))
            ON CONFLICT (backend_id, content_key) DO UPDATE SET state = 'placed', holder_item_id = NULL,
                holder_token = NULL, updated_at = excluded.updated_at
            """)
    }

    static func backendID(_ session: Session, _ name: String) async throws -> Int64 {
        guard let id: Int64 = try await session.value("SELECT id FROM storage_backends WHERE name = \(name)") else {
            throw StoreError.notFound("storage backend '\(name)'")
        }
        return id
    }

    static func originalAssetID(_ session: Session, sha256: String) async throws -> Int64? {
        try await session.value("SELECT id FROM file_assets WHERE kind = 'original' AND sha256 = \(sha256)")
    }

    static func link(_ session: Session, itemID: Int64, assetID: Int64) async throws {
        try await session.execute("INSERT INTO item_assets (item_id, asset_id) VALUES (\(itemID), \(assetID)) ON CONFLICT DO NOTHING")
    }

    /// Records where a copy of the asset lives: the first on a backend is its primary there,
    /// unless it is a copy (`copy`: an upload), which never is; with its public URL if any.
    static func addLocation(
        _ session: Session, assetID: Int64, backendID: Int64, locator: String, copy: Bool = false, publicURL: String? = nil
    ) async throws {
        try await session.execute(
            """
            INSERT INTO file_locations (asset_id, backend_id, locator, is_primary, public_url)
            VALUES (\(assetID), \(backendID), \(locator), NOT \(copy) AND NOT EXISTS (
                SELECT 1 FROM file_locations WHERE asset_id = \(assetID) AND backend_id = \(backendID) AND is_primary), \(publicURL))
            ON CONFLICT (backend_id, locator) DO UPDATE SET asset_id = excluded.asset_id, state = 'active',
                public_url = coalesce(excluded.public_url, file_locations.public_url)
            """)
    }

    static func storedFile(_ row: Row) throws -> StoredFile {
        StoredFile(
            assetID: try row["asset_id"], sha256: try row["sha256"], size: try row["size"], format: try row["format"],
            backend: try row["backend"], locator: try row["locator"])
    }

    // MARK: processing

    public func saveProcessorResult(
        itemID: Int64, processor: String, version: Int, json: String, description: ItemDescription?, lease: ItemLease?
    ) async throws {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "probe") }
            if let description { try await Self.describe(session, itemID: itemID, description) }
            try await session.execute(
                """
                INSERT INTO processor_results (item_id, processor, version, result) VALUES (\(itemID), \(processor), \(Int64(version)), \(json))
                ON CONFLICT (item_id, processor) WHERE item_id IS NOT NULL DO UPDATE SET
                    version = excluded.version, result = excluded.result, created_at = \(unescaped: PostgresMigrations.textNow)
                """)
        }
    }

    public func processorResult(itemID: Int64, processor: String) async throws -> String? {
        try await connection { session in
            try await session.value("SELECT result FROM processor_results WHERE item_id = \(itemID) AND processor = \(processor)")
        }
    }
}
