public import Engine
import Foundation
import PostgresNIO

/// The library as the user sees it (`engine items`), and items taken out of the catalog.
extension PostgresJobStore {
    public func libraryItems(includingUnstored: Bool = false) async throws -> [LibraryEntry] {
        try await connection { session in try await Self.libraryItems(session, includingUnstored: includingUnstored, itemID: nil) }
    }

    /// One catalog item, stored or not, by its key (`source:remote_id`) or its catalog number.
    public func libraryItem(key: String) async throws -> LibraryEntry? {
        try await connection { session in
            let id: Int64? = try await session.value(
                """
                SELECT i.id FROM items i JOIN sources s ON s.id = i.source_id
                WHERE s.name || ':' || i.remote_id = \(key) OR i.id::text = \(key) LIMIT 1
                """)
            guard let id else { return nil }
            return try await Self.libraryItems(session, includingUnstored: true, itemID: id).first
        }
    }

    /// A collection's items in collection order, stored or not.
    public func collectionItems(_ collectionID: Int64) async throws -> [LibraryEntry] {
        try await connection { session in try await Self.libraryItems(session, includingUnstored: true, itemID: nil, collectionID: collectionID) }
    }

    static func libraryItems(_ session: Session, includingUnstored: Bool, itemID: Int64?, collectionID: Int64? = nil) async throws -> [LibraryEntry] {
        let rows = try await session.rows(
            """
            SELECT i.id AS item_id, s.name AS source, i.remote_id, i.title, i.duration, i.media_kind, i.status, i.url,
                i.last_error, i.published_at, i.episode, i.season,
                (SELECT string_agg(c.name, chr(31) ORDER BY ic.position) FROM item_creators ic JOIN creators c ON c.id = ic.creator_id
                    WHERE ic.item_id = i.id) AS creators,
                (SELECT string_agg(coalesce(co.title, co.locator), chr(31)) FROM collection_items ci
                    JOIN collections co ON co.id = ci.collection_id WHERE ci.item_id = i.id) AS collections,
                f.asset_id, f.sha256, f.size, f.format, f.backend, f.locator
            FROM items i
            JOIN sources s ON s.id = i.source_id
            \(unescaped: includingUnstored ? "LEFT" : "") JOIN (
                SELECT ia.item_id, \(unescaped: StoreSQL.preferredFileColumns)
                JOIN item_assets ia ON ia.asset_id = a.id AND a.kind = 'original'
            ) f ON f.item_id = i.id
            LEFT JOIN collection_items cx ON cx.item_id = i.id AND cx.collection_id = \(collectionID)
            WHERE (\(itemID)::int8 IS NULL OR i.id = \(itemID)) AND (\(collectionID)::int8 IS NULL OR cx.collection_id IS NOT NULL)
            ORDER BY cx.position IS NULL, cx.position, s.name, creators, i.title, i.id
            """)
        var entries: [LibraryEntry] = []
        for row in rows {
            let file = try (row["asset_id"] as Int64?) == nil ? nil : storedFile(row)
            var renditions: [StoredRendition] = []
            var failures: [RenditionFailure] = []
            if let file {
                renditions = try await Self.renditions(session, of: file.assetID)
                failures = try await session.rows("SELECT * FROM rendition_failures WHERE original_sha256 = \(file.sha256) ORDER BY profile")
                    .map(renditionFailure)
            }
            var entry = LibraryEntry(
                itemID: try row["item_id"], source: try row["source"], remoteID: try row["remote_id"], title: try row["title"],
                creators: try (row["creators"] as String?)?.split(separator: "\u{1F}").map(String.init) ?? [],
                duration: try row["duration"], mediaKind: try row["media_kind"], status: try row["status"], lastError: try row["last_error"],
                collections: try (row["collections"] as String?)?.split(separator: "\u{1F}").map(String.init) ?? [],
                file: file, renditions: renditions, failedRenditions: failures)
            entry.published = try row.date("published_at")
            entry.episode = try row["episode"]
            entry.season = try row["season"]
            entry.url = try row["url"]
            entries.append(entry)
        }
        return entries
    }

    /// Takes the items out of the catalog (as `SQLiteJobStore.removeItems`): a file no other
    /// item refers to loses its records and is returned; a shared one stays.
    public func removeItems(_ ids: [Int64]) async throws -> RemovedItems {
        guard !ids.isEmpty else { return RemovedItems(items: 0, files: []) }
        return try await transaction { session in
            let assets = try await session.rows(
                """
                SELECT asset_id FROM item_assets WHERE item_id = ANY(\(ids))
                UNION SELECT a.id FROM file_assets a JOIN item_assets ia ON ia.asset_id = a.parent_asset_id WHERE ia.item_id = ANY(\(ids))
                """
            ).map {
                try $0["asset_id"] as Int64
            }
            try await session.execute("UPDATE job_items SET item_id = NULL WHERE item_id = ANY(\(ids))")
            let removed = try await session.rows("DELETE FROM items WHERE id = ANY(\(ids)) RETURNING 1").count
            // Renditions before their originals (they name their parent).
            let orphans = try await session.rows(
                """
                SELECT a.id, a.kind, a.sha256, a.profile, p.sha256 AS parent_sha256 FROM file_assets a
                LEFT JOIN file_assets p ON p.id = a.parent_asset_id
                WHERE a.id = ANY(\(assets)) AND NOT EXISTS (SELECT 1 FROM item_assets ia WHERE ia.asset_id = a.id)
                    AND NOT EXISTS (SELECT 1 FROM item_assets ia WHERE ia.asset_id = a.parent_asset_id)
                ORDER BY a.kind = 'original', a.id
                """)
            var files: [StoredFile] = []
            for orphan in orphans {
                let id: Int64 = try orphan["id"]
                let kind: String = try orphan["kind"]
                let sha256: String = try orphan["sha256"]
                files += try await session.rows("SELECT \(unescaped: StoreSQL.storedFileColumns) WHERE a.id = \(id)").map(Self.storedFile)
                let content: ContentKey =
                    kind == "original"
                    ? .original(sha256: sha256)
                    : .rendition(of: try orphan["parent_sha256"] ?? "", profile: try orphan["profile"] ?? "")
                try await session.execute("DELETE FROM content_claims WHERE content_key = \(content.value)")
                if kind == "original" { try await session.execute("DELETE FROM rendition_failures WHERE original_sha256 = \(sha256)") }
                try await session.execute("DELETE FROM file_locations WHERE asset_id = \(id)")
                try await session.execute("DELETE FROM file_assets WHERE id = \(id)")
            }
            return RemovedItems(items: removed, files: files)
        }
    }
}
