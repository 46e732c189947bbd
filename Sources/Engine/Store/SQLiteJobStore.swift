import Foundation
import GRDB

/// The SQLite job store: GRDB pool in WAL mode, `synchronous=NORMAL`, a busy timeout, one
/// writer with group commits (`BatchedWriter`), concurrent readers, migrations run on open.
public final class SQLiteJobStore: CatalogStore {
    let pool: DatabasePool
    let writer: BatchedWriter
    package let path: String

    /// Opens (creating if needed) and migrates the database at `path`. A database written by a
    /// newer MediaEngine is refused with `StoreError.databaseTooNew`, untouched.
    public init(path: String) throws {
        self.path = path
        let migrator = SQLiteMigrations.migrator
        // A database from a newer MediaEngine is refused before anything opens it for writing:
        // the check reads it through a read-only connection, so the file stays as it was.
        if FileManager.default.fileExists(atPath: path) {
            var readOnly = Configuration()
            readOnly.readonly = true
            readOnly.busyMode = .timeout(10)
            let unknown: Set<String>
            do {
                let queue = try DatabaseQueue(path: path, configuration: readOnly)
                unknown = try queue.read { db in
                    try db.tableExists("grdb_migrations")
                        ? try migrator.appliedIdentifiers(db).subtracting(migrator.migrations) : []
                }
            } catch {
                throw StoreError.cannotOpen(path: path, reason: "\(error)")
            }
            guard unknown.isEmpty else {
                throw StoreError.databaseTooNew(path: path, unknownMigrations: unknown.sorted())
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // A new database is its owner's only (its WAL and shared-memory files take its mode).
        let created = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if created >= 0 { close(created) }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        self.pool = pool
        // Two processes opening a new database at once (a run and a `jobs show`) would both
        // find a migration unapplied: GRDB reads the applied ones outside a transaction. They
        // take turns on a lock file beside the database.
        try Self.withExclusiveLock(path + "-migrate.lock") {
            try Self.backUpBeforeUpgrade(pool, path: path, migrator: migrator)
            try migrator.migrate(pool)
        }
        writer = BatchedWriter(pool: pool)
    }

    /// A database an earlier version wrote (some migrations applied, some not) is copied first,
    /// consistently (`VACUUM INTO`, not a copy of a live WAL database's file), to
    /// `<path>.bak-<the migration it is at>`: an upgrade keeps the data either way.
    private static func backUpBeforeUpgrade(_ pool: DatabasePool, path: String, migrator: DatabaseMigrator) throws {
        let applied = try pool.read { db in try db.tableExists("grdb_migrations") ? try migrator.appliedMigrations(db) : [] }
        guard let last = applied.last, applied.count < migrator.migrations.count else { return }
        let backup = "\(path).bak-\(last)"
        guard !FileManager.default.fileExists(atPath: backup) else { return }  // taken by an upgrade a crash cut
        do {
            unlink(backup + ".partial")
            try pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [backup + ".partial"]) }
            chmod(backup + ".partial", 0o600)  // as the database: its owner's only
            guard rename(backup + ".partial", backup) == 0 else { throw StoreError.cannotOpen(path: backup, reason: String(errno: errno)) }
        } catch {
            unlink(backup + ".partial")
            throw StoreError.cannotOpen(path: path, reason: "the backup before upgrading it failed: \(error)")
        }
    }

    private static func withExclusiveLock<T>(_ lockPath: String, _ body: () throws -> T) throws -> T {
        let fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.cannotOpen(path: lockPath, reason: String(errno: errno)) }
        defer { close(fd) }  // closing releases the lock
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StoreError.cannotOpen(path: lockPath, reason: String(errno: errno)) }
        }
        return try body()
    }

    /// Write transactions committed through this store (group commit: many writes each).
    public var committedTransactions: Int { writer.committedTransactions }

    // MARK: catalog

    public func upsertItem(_ item: MediaItem) async throws -> CatalogEntry {
        try await writer.write { db in
            try Self.catalogEntry(db, itemID: try Self.upsertCatalogItem(db, item))
        }
    }

    public func catalogEntry(itemID: Int64) async throws -> CatalogEntry {
        try await pool.read { db in try Self.catalogEntry(db, itemID: itemID) }
    }

    /// The source and collection rows one transaction has upserted, by what it upserted: the
    /// same upsert again (every item of one playlist names the same source and collection) is
    /// the same row, and no statement.
    struct UpsertedRows {
        struct Collection: Hashable {
            let sourceID: Int64
            let locator: String
        }
        var sources: [String: Int64] = [:]
        /// Each collection's id and the title its row has now.
        var collections: [Collection: (id: Int64, title: String?)] = [:]
    }

    /// Adds the item (source, creators, collection link) or refreshes its metadata; its id.
    static func upsertCatalogItem(_ db: Database, _ item: MediaItem) throws -> Int64 {
        var rows = UpsertedRows()
        return try upsertCatalogItem(db, item, rows: &rows)
    }

    /// `upsertCatalogItem`, with the source and collection rows `rows` knows from earlier in
    /// the same transaction.
    static func upsertCatalogItem(_ db: Database, _ item: MediaItem, rows: inout UpsertedRows) throws -> Int64 {
        let sourceID = try rows.sources[item.source] ?? Self.upsertSource(db, item.source)
        rows.sources[item.source] = sourceID
        let itemID = try Int64.fetchOne(
            db.cachedStatement(
                sql: """
                    INSERT INTO items (source_id, remote_id, title, url, duration, published_at, episode, season)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (source_id, remote_id) DO UPDATE SET
                        title = CASE WHEN ? THEN items.title ELSE excluded.title END, url = excluded.url,
                        duration = coalesce(items.duration, excluded.duration),
                        published_at = coalesce(excluded.published_at, items.published_at),
                        episode = coalesce(excluded.episode, items.episode), season = coalesce(excluded.season, items.season),
                        updated_at = CURRENT_TIMESTAMP
                    RETURNING id
                    """),
            arguments: [
                sourceID, item.remoteID, item.title, item.url, item.durationHint, item.published?.timeIntervalSince1970, item.episode,
                item.season, item.titleIsFileName,
            ])!
        // A file-name title or an empty creator list says nothing new: keep what the probe's
        // tags gave on an earlier run.
        if !item.creators.isEmpty { try Self.replaceCreators(db, itemID: itemID, item.creators) }
        if let collection = item.collection {
            // The upsert changes only the title, and only to a title given: one it has already
            // written, or none, changes nothing.
            let key = UpsertedRows.Collection(sourceID: sourceID, locator: collection.locator)
            let known = rows.collections[key].flatMap { known in collection.title == nil || collection.title == known.title ? known : nil }
            let collectionID = try known?.id ?? Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        INSERT INTO collections (source_id, kind, locator, title) VALUES (?, ?, ?, ?)
                        ON CONFLICT (source_id, locator) DO UPDATE SET title = coalesce(excluded.title, collections.title)
                        RETURNING id
                        """),
                arguments: [sourceID, collection.kind.rawValue, collection.locator, collection.title])!
            rows.collections[key] = (collectionID, collection.title ?? rows.collections[key]?.title)
            try db.cachedStatement(
                sql: """
                    INSERT INTO collection_items (collection_id, item_id, position) VALUES (?, ?, ?)
                    ON CONFLICT DO UPDATE SET position = excluded.position
                    """
            ).execute(arguments: [collectionID, itemID, item.position])
        }
        return itemID
    }

    static func catalogEntry(_ db: Database, itemID: Int64) throws -> CatalogEntry {
        let original = try Self.storedOriginal(db, itemID: itemID)
        return CatalogEntry(
            itemID: itemID, storedOriginal: original,
            mediaKind: try String.fetchOne(db.cachedStatement(sql: "SELECT media_kind FROM items WHERE id = ?"), arguments: [itemID]),
            renditionBackends: try original.map { original in
                Dictionary(
                    grouping: try Row.fetchAll(
                        db.cachedStatement(
                            sql: """
                                SELECT a.profile, b.name FROM file_assets a
                                JOIN file_locations l ON l.asset_id = a.id AND l.state = 'active'
                                JOIN storage_backends b ON b.id = l.backend_id
                                WHERE a.kind = 'rendition' AND a.parent_asset_id = ?
                                """),
                        arguments: [original.assetID]),
                    by: { $0["profile"] as String }
                ).mapValues { Set($0.map { $0["name"] as String }) }
            } ?? [:],
            failedRenditions: try original.map { original in
                Dictionary(
                    try Row.fetchAll(
                        db.cachedStatement(sql: "SELECT profile, settings FROM rendition_failures WHERE original_sha256 = ?"),
                        arguments: [original.sha256]
                    ).map { ($0["profile"], $0["settings"]) }, uniquingKeysWith: { first, _ in first })
            } ?? [:])
    }

    public func setStatus(itemID: Int64, _ status: ItemStatus, error: String?) async throws {
        try await writer.write { db in
            try Self.setStatus(db, itemID: itemID, status, error: error)
        }
    }

    static func setStatus(_ db: Database, itemID: Int64, _ status: ItemStatus, error: String?) throws {
        try db.cachedStatement(sql: "UPDATE items SET status = ?, last_error = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?")
            .execute(arguments: [status.rawValue, error, itemID])
    }

    private static func upsertSource(_ db: Database, _ name: String) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(sql: "INSERT INTO sources (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = name RETURNING id"),
            arguments: [name])!
    }

    private static func replaceCreators(_ db: Database, itemID: Int64, _ creators: [String]) throws {
        try db.cachedStatement(sql: "DELETE FROM item_creators WHERE item_id = ?").execute(arguments: [itemID])
        for (position, name) in creators.enumerated() {
            let creatorID = try Int64.fetchOne(
                db.cachedStatement(
                    sql: "INSERT INTO creators (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = name RETURNING id"),
                arguments: [name])!
            try db.cachedStatement(sql: "INSERT INTO item_creators (item_id, creator_id, position) VALUES (?, ?, ?)")
                .execute(arguments: [itemID, creatorID, position])
        }
    }

    // MARK: storage

    public func storedOriginal(itemID: Int64) async throws -> StoredFile? {
        try await pool.read { db in try Self.storedOriginal(db, itemID: itemID) }
    }

    static func storedOriginal(_ db: Database, itemID: Int64) throws -> StoredFile? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT \(StoreSQL.preferredFileColumns)
                    JOIN item_assets ia ON ia.asset_id = a.id
                    WHERE ia.item_id = ? AND a.kind = 'original'
                    ORDER BY a.id LIMIT 1
                    """),
            arguments: [itemID]
        ).map(storedFile)
    }

    public func storedOriginal(sha256: String, backend: String) async throws -> StoredFile? {
        try await pool.read { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT \(StoreSQL.storedFileColumns)
                        WHERE a.sha256 = ? AND a.kind = 'original' AND b.name = ?
                        ORDER BY l.is_primary DESC, l.id LIMIT 1
                        """),
                arguments: [sha256, backend]
            ).map(Self.storedFile)
        }
    }

    public func recordOriginal(
        itemID: Int64, sha256: String, size: Int64, format: String?, backend: String, locator: String,
        description: ItemDescription?, lease: ItemLease?
    ) async throws -> StoredFile {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "store") }
            let backendID = try Self.backendID(db, backend)
            let assetID = try Self.originalAsset(db, sha256: sha256, size: size, format: format)
            try Self.link(db, itemID: itemID, assetID: assetID)
            try Self.addLocation(db, assetID: assetID, backendID: backendID, locator: locator)
            try Self.markPlaced(db, .original(sha256: sha256), backendID: backendID)
            if let description { try Self.describe(db, itemID: itemID, description) }
            return StoredFile(assetID: assetID, sha256: sha256, size: size, format: format, backend: backend, locator: locator)
        }
    }

    public func recordOriginalAsset(sha256: String, size: Int64, format: String?, lease: ItemLease?) async throws -> Int64 {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "store") }
            return try Self.originalAsset(db, sha256: sha256, size: size, format: format)
        }
    }

    /// The one asset of an original content (made when there is none).
    private static func originalAsset(_ db: Database, sha256: String, size: Int64, format: String?) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(
                sql: """
                    INSERT INTO file_assets (kind, format, size, sha256) VALUES ('original', ?, ?, ?)
                    ON CONFLICT (sha256) WHERE kind = 'original' DO UPDATE SET format = coalesce(file_assets.format, excluded.format)
                    RETURNING id
                    """),
            arguments: [format, size, sha256])!
    }

    /// What the probe learned about a stored item; it is `succeeded` (its original is stored).
    private static func describe(_ db: Database, itemID: Int64, _ description: ItemDescription) throws {
        try db.cachedStatement(
            sql: """
                UPDATE items SET title = ?, duration = coalesce(?, duration), media_kind = coalesce(?, media_kind),
                    status = 'succeeded', last_error = NULL, updated_at = CURRENT_TIMESTAMP WHERE id = ?
                """
        ).execute(arguments: [description.title, description.duration, description.mediaKind, itemID])
        try replaceCreators(db, itemID: itemID, description.creators)
    }

    public func claimContent(_ content: ContentKey, backend: String, lease: ItemLease, replacing: Bool) async throws -> ContentClaim {
        try await writer.write { db in
            let backendID = try Self.backendID(db, backend)
            if let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT state, holder_item_id, holder_token FROM content_claims WHERE backend_id = ? AND content_key = ?"),
                arguments: [backendID, content.value])
            {
                let holder: ItemLease? = (row["holder_item_id"] as Int64?).flatMap { id in
                    (row["holder_token"] as String?).map { ItemLease(jobItemID: id, token: $0) }
                }
                if row["state"] == "placed", !replacing { return .placed }
                if row["state"] == "placing", let holder, holder != lease, try Self.isLive(db, holder) { return .busy }
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO content_claims (backend_id, content_key, state, holder_item_id, holder_token, updated_at)
                    VALUES (?, ?, 'placing', ?, ?, ?)
                    ON CONFLICT (backend_id, content_key) DO UPDATE SET state = 'placing',
                        holder_item_id = excluded.holder_item_id, holder_token = excluded.holder_token, updated_at = excluded.updated_at
                    """
            ).execute(arguments: [backendID, content.value, lease.jobItemID, lease.token, Self.now])
            return .claimed
        }
    }

    public func releaseContent(_ content: ContentKey, backend: String, lease: ItemLease) async throws {
        try await writer.write { db in
            try db.cachedStatement(
                sql: """
                    DELETE FROM content_claims WHERE backend_id = (SELECT id FROM storage_backends WHERE name = ?)
                        AND content_key = ? AND state = 'placing' AND holder_item_id = ? AND holder_token = ?
                    """
            ).execute(arguments: [backend, content.value, lease.jobItemID, lease.token])
        }
    }

    /// True while the attempt holds its item: running under that token, the lease not expired.
    private static func isLive(_ db: Database, _ lease: ItemLease) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: "SELECT 1 FROM job_items WHERE id = ? AND lease_token = ? AND status = 'running' AND lease_expires_at > ?"),
            arguments: [lease.jobItemID, lease.token, now]) ?? false
    }

    /// The content is stored on the backend: its claim, whoever held it, is `placed`.
    static func markPlaced(_ db: Database, _ content: ContentKey, backendID: Int64) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO content_claims (backend_id, content_key, state, updated_at) VALUES (?, ?, 'placed', ?)
                ON CONFLICT (backend_id, content_key) DO UPDATE SET state = 'placed', holder_item_id = NULL,
                    holder_token = NULL, updated_at = excluded.updated_at
                """
        ).execute(arguments: [backendID, content.value, now])
    }

    static func backendID(_ db: Database, _ name: String) throws -> Int64 {
        guard let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM storage_backends WHERE name = ?"), arguments: [name])
        else { throw StoreError.notFound("storage backend '\(name)'") }
        return id
    }

    static func originalAssetID(_ db: Database, sha256: String) throws -> Int64? {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM file_assets WHERE kind = 'original' AND sha256 = ?"), arguments: [sha256])
    }

    static func link(_ db: Database, itemID: Int64, assetID: Int64) throws {
        try db.cachedStatement(sql: "INSERT INTO item_assets (item_id, asset_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .execute(arguments: [itemID, assetID])
    }

    /// Records where a copy of the asset lives: the first on a backend is its primary there,
    /// unless it is a copy (`copy`: an upload), which never is; with its public URL if any.
    static func addLocation(
        _ db: Database, assetID: Int64, backendID: Int64, locator: String, copy: Bool = false, publicURL: String? = nil
    ) throws {
        // One statement: the first location of the asset on the backend is its primary there
        // (the partial unique index file_locations_one_primary keeps it one).
        try db.cachedStatement(
            sql: """
                INSERT INTO file_locations (asset_id, backend_id, locator, is_primary, public_url)
                VALUES (?, ?, ?, NOT ? AND NOT EXISTS (SELECT 1 FROM file_locations WHERE asset_id = ? AND backend_id = ? AND is_primary), ?)
                ON CONFLICT (backend_id, locator) DO UPDATE SET asset_id = excluded.asset_id, state = 'active',
                    public_url = coalesce(excluded.public_url, file_locations.public_url)
                """
        ).execute(arguments: [assetID, backendID, locator, copy, assetID, backendID, publicURL])
    }

    static func storedFile(_ row: Row) -> StoredFile {
        StoredFile(
            assetID: row["asset_id"], sha256: row["sha256"], size: row["size"], format: row["format"],
            backend: row["backend"], locator: row["locator"])
    }

    // MARK: processing

    public func saveProcessorResult(
        itemID: Int64, processor: String, version: Int, json: String, description: ItemDescription?, lease: ItemLease?
    ) async throws {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "probe") }
            if let description { try Self.describe(db, itemID: itemID, description) }
            try db.cachedStatement(
                sql: """
                    INSERT INTO processor_results (item_id, processor, version, result) VALUES (?, ?, ?, ?)
                    ON CONFLICT (item_id, processor) WHERE item_id IS NOT NULL DO UPDATE SET
                        version = excluded.version, result = excluded.result, created_at = CURRENT_TIMESTAMP
                    """
            ).execute(arguments: [itemID, processor, version, json])
        }
    }

    public func processorResult(itemID: Int64, processor: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT result FROM processor_results WHERE item_id = ? AND processor = ?",
                arguments: [itemID, processor])
        }
    }

    // MARK: listing

    public func catalogItems(stored: Bool, on backend: String, sources: [String], collections: [String]) async throws -> [MediaItem] {
        try await pool.read { db in
            var filters = ""
            var arguments: StatementArguments = [backend]
            if !sources.isEmpty {
                filters += " AND s.name IN (\(Self.placeholders(sources.count)))"
                arguments += StatementArguments(sources)
            }
            if !collections.isEmpty {
                let marks = Self.placeholders(collections.count)
                filters += """
                     AND EXISTS (SELECT 1 FROM collection_items ci JOIN collections c ON c.id = ci.collection_id
                        WHERE ci.item_id = i.id AND (c.locator IN (\(marks)) OR c.title IN (\(marks))))
                    """
                arguments += StatementArguments(collections) + StatementArguments(collections)
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT i.id, s.name AS source, i.remote_id, i.title, i.url, i.duration,
                        (SELECT group_concat(name, char(31)) FROM (
                            SELECT c.name FROM item_creators ic JOIN creators c ON c.id = ic.creator_id
                            WHERE ic.item_id = i.id ORDER BY ic.position)) AS creators
                    FROM items i JOIN sources s ON s.id = i.source_id
                    WHERE \(stored ? "" : "NOT ")EXISTS (
                        SELECT 1 FROM item_assets ia JOIN file_assets a ON a.id = ia.asset_id AND a.kind = 'original'
                        JOIN file_locations l ON l.asset_id = a.id AND l.state = 'active'
                        JOIN storage_backends b ON b.id = l.backend_id AND b.name = ?
                        WHERE ia.item_id = i.id)\(filters)
                    ORDER BY i.id
                    """,
                arguments: arguments)
            return rows.map { row in
                var item = MediaItem(
                    source: row["source"], remoteID: row["remote_id"], title: row["title"],
                    creators: (row["creators"] as String?)?.split(separator: "\u{1F}").map(String.init) ?? [],
                    durationHint: row["duration"], url: row["url"])
                item.catalogID = row["id"]
                return item
            }
        }
    }
}
