import Foundation
import GRDB

/// The library as the user sees it (`engine items`): listed, also through a read-only
/// connection on a data directory the user may not write, and items taken out of the catalog.
extension SQLiteJobStore {
    /// Every item with a stored original (and its renditions), ordered by source, creator,
    /// title; with `includingUnstored`, the catalog items without one too.
    public func libraryItems(includingUnstored: Bool = false) async throws -> [LibraryEntry] {
        try await pool.read { db in try Self.libraryItems(db, includingUnstored: includingUnstored) }
    }

    /// `libraryItems` read through a read-only connection, without migrating, locking or
    /// creating anything: works on a data directory the user may only read. A database an
    /// older MediaEngine wrote (migrations pending) is opened normally, to be migrated.
    package static func readLibraryItems(at path: String, includingUnstored: Bool = false) async throws -> [LibraryEntry] {
        let queue = try readOnlyQueue(path)
        let pending = try await queue.read { db in
            !(try SQLiteMigrations.migrator.hasCompletedMigrations(db))
        }
        if pending { return try await SQLiteJobStore(path: path).libraryItems(includingUnstored: includingUnstored) }
        return try await queue.read { db in try libraryItems(db, includingUnstored: includingUnstored) }
    }

    /// A read-only connection to the database at `path` (which must exist). A database in WAL
    /// mode needs its shared-memory file even to be read; where that cannot be made (a volume
    /// mounted read-only, a folder the user may not write) it is read as immutable: nothing
    /// writes to it through that volume.
    static func readOnlyQueue(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_CANTOPEN && access((path as NSString).deletingLastPathComponent, W_OK) != 0
        {
            let escaped = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["?", "#", "%"])) ?? path
            do {
                return try DatabaseQueue(path: "file:\(escaped)?immutable=1", configuration: configuration)
            } catch {
                throw StoreError.cannotOpen(path: path, reason: "\(error)")
            }
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// One catalog item, stored or not, by its key (`source:remote_id`) or its catalog number.
    public func libraryItem(key: String) async throws -> LibraryEntry? {
        try await pool.read { db in
            let id = try Int64.fetchOne(
                db,
                sql: """
                    SELECT i.id FROM items i JOIN sources s ON s.id = i.source_id
                    WHERE s.name || ':' || i.remote_id = ? OR CAST(i.id AS TEXT) = ? LIMIT 1
                    """, arguments: [key, key])
            return try id.flatMap { try Self.libraryItems(db, includingUnstored: true, itemID: $0).first }
        }
    }

    /// A collection's items in collection order, stored or not.
    public func collectionItems(_ collectionID: Int64) async throws -> [LibraryEntry] {
        try await pool.read { db in try Self.libraryItems(db, includingUnstored: true, collectionID: collectionID) }
    }

    static func libraryItems(_ db: Database, includingUnstored: Bool, itemID: Int64? = nil, collectionID: Int64? = nil) throws -> [LibraryEntry] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT i.id AS item_id, s.name AS source, i.remote_id, i.title, i.duration, i.media_kind, i.status, i.url,
                    i.last_error, i.published_at, i.episode, i.season,
                    (SELECT group_concat(name, char(31)) FROM (
                        SELECT c.name FROM item_creators ic JOIN creators c ON c.id = ic.creator_id
                        WHERE ic.item_id = i.id ORDER BY ic.position)) AS creators,
                    (SELECT group_concat(coalesce(co.title, co.locator), char(31)) FROM collection_items ci
                        JOIN collections co ON co.id = ci.collection_id WHERE ci.item_id = i.id) AS collections,
                    f.asset_id, f.sha256, f.size, f.format, f.backend, f.locator
                FROM items i
                JOIN sources s ON s.id = i.source_id
                \(includingUnstored ? "LEFT" : "") JOIN (
                    SELECT ia.item_id, \(StoreSQL.preferredFileColumns)
                    JOIN item_assets ia ON ia.asset_id = a.id AND a.kind = 'original'
                ) f ON f.item_id = i.id
                \(collectionID == nil ? "" : "JOIN collection_items cx ON cx.item_id = i.id AND cx.collection_id = ?")
                \(itemID == nil ? "" : "WHERE i.id = ?")
                ORDER BY \(collectionID == nil ? "" : "cx.position IS NULL, cx.position, ") s.name, creators, i.title, i.id
                """, arguments: StatementArguments([collectionID, itemID].compactMap { $0 }))
        return try rows.map { row in
            let file = (row["asset_id"] as Int64?) == nil ? nil : storedFile(row)
            var entry = LibraryEntry(
                itemID: row["item_id"], source: row["source"], remoteID: row["remote_id"], title: row["title"],
                creators: (row["creators"] as String?)?.split(separator: "\u{1F}").map(String.init) ?? [],
                duration: row["duration"], mediaKind: row["media_kind"], status: row["status"], lastError: row["last_error"],
                collections: (row["collections"] as String?)?.split(separator: "\u{1F}").map(String.init) ?? [],
                file: file, renditions: try file.map { try renditions(db, of: $0.assetID) } ?? [],
                failedRenditions: try file.map {
                    try Row.fetchAll(
                        db.cachedStatement(sql: "SELECT * FROM rendition_failures WHERE original_sha256 = ? ORDER BY profile"),
                        arguments: [$0.sha256]
                    ).map(renditionFailure)
                } ?? [])
            entry.published = (row["published_at"] as Double?).map(Date.init(timeIntervalSince1970:))
            entry.episode = row["episode"]
            entry.season = row["season"]
            entry.url = row["url"]
            return entry
        }
    }

    /// Takes the items out of the catalog, with their creators' links, collection links,
    /// processor results and stored files' links. A file (original or rendition) that no other
    /// item refers to loses its records too (asset, locations, content claim, recorded failures)
    /// and is returned for the caller to delete or leave; a file another item shares stays.
    /// Job items that named them keep their history, without the link.
    public func removeItems(_ ids: [Int64]) async throws -> RemovedItems {
        guard !ids.isEmpty else { return RemovedItems(items: 0, files: []) }
        return try await writer.write { db in
            let list = Self.placeholders(ids.count)
            let arguments = StatementArguments(ids)
            // The items' assets and what was made from their originals (a file made for an item
            // with the same content is linked to that item only).
            let assets = try Int64.fetchSet(
                db,
                sql: """
                    SELECT asset_id FROM item_assets WHERE item_id IN (\(list))
                    UNION SELECT a.id FROM file_assets a JOIN item_assets ia ON ia.asset_id = a.parent_asset_id WHERE ia.item_id IN (\(list))
                    """, arguments: arguments + arguments)
            try db.execute(sql: "UPDATE job_items SET item_id = NULL WHERE item_id IN (\(list))", arguments: arguments)
            try db.execute(sql: "DELETE FROM items WHERE id IN (\(list))", arguments: arguments)
            let removed = db.changesCount
            // Renditions before their originals (they name their parent).
            let orphans = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.kind, a.sha256, a.profile, p.sha256 AS parent_sha256 FROM file_assets a
                    LEFT JOIN file_assets p ON p.id = a.parent_asset_id
                    WHERE a.id IN (\(Self.placeholders(assets.count)))
                        AND NOT EXISTS (SELECT 1 FROM item_assets ia WHERE ia.asset_id = a.id)
                        AND NOT EXISTS (SELECT 1 FROM item_assets ia WHERE ia.asset_id = a.parent_asset_id)
                    ORDER BY a.kind = 'original', a.id
                    """,
                arguments: StatementArguments(Array(assets)))
            var files: [StoredFile] = []
            for orphan in orphans {
                let id: Int64 = orphan["id"]
                files += try Row.fetchAll(
                    db.cachedStatement(sql: "SELECT \(StoreSQL.storedFileColumns) WHERE a.id = ?"), arguments: [id]
                ).map(Self.storedFile)
                let content: ContentKey =
                    orphan["kind"] == "original"
                    ? .original(sha256: orphan["sha256"]) : .rendition(of: orphan["parent_sha256"] ?? "", profile: orphan["profile"] ?? "")
                try db.execute(sql: "DELETE FROM content_claims WHERE content_key = ?", arguments: [content.value])
                if orphan["kind"] == "original" {
                    try db.execute(sql: "DELETE FROM rendition_failures WHERE original_sha256 = ?", arguments: [orphan["sha256"]])
                }
                try db.execute(sql: "DELETE FROM file_locations WHERE asset_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM file_assets WHERE id = ?", arguments: [id])
            }
            return RemovedItems(items: removed, files: files)
        }
    }
}
