import Foundation
import GRDB

/// Processor results per asset and derived files (peaks, posters), each with the key it was
/// made from.
extension SQLiteJobStore {
    public func saveAssetResult(assetID: Int64, processor: String, version: Int, key: OutputKey, json: String, lease: ItemLease?) async throws {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "process") }
            try db.cachedStatement(
                sql: """
                    INSERT INTO processor_results (asset_id, processor, version, settings_hash, input_sha256, tools, result)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (asset_id, processor) WHERE asset_id IS NOT NULL DO UPDATE SET
                        version = excluded.version, settings_hash = excluded.settings_hash, input_sha256 = excluded.input_sha256,
                        tools = excluded.tools, result = excluded.result, created_at = CURRENT_TIMESTAMP
                    """
            ).execute(arguments: [assetID, processor, version, key.settings, key.input, key.tools, json])
        }
    }

    public func assetResults(assetID: Int64) async throws -> [ProcessorRecord] {
        try await pool.read { db in try Self.assetResults(db, assetID: assetID) }
    }

    static func assetResults(_ db: Database, assetID: Int64) throws -> [ProcessorRecord] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM processor_results WHERE asset_id = ? ORDER BY processor"), arguments: [assetID]
        ).map(processorRecord)
    }

    public func assetResults(processor: String) async throws -> [ProcessorRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM processor_results WHERE processor = ? AND asset_id IS NOT NULL ORDER BY asset_id"),
                arguments: [processor]
            ).map(Self.processorRecord)
        }
    }

    public func albumResults(itemID: Int64, processor: String) async throws -> (collection: String, results: [String?])? {
        try await pool.read { db in
            let collections = try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT c.id, coalesce(c.title, c.locator) AS name FROM collection_items ci JOIN collections c ON c.id = ci.collection_id
                    WHERE ci.item_id = ? OR ci.item_id IN (\(StoreSQL.itemsSharingOriginal))
                    """, arguments: [itemID, itemID])
            guard collections.count == 1, let collection = collections.first else { return nil }
            let results = try String?.fetchAll(db, sql: StoreSQL.albumResults, arguments: [processor, collection["id"]])
            return (collection["name"], results)
        }
    }

    static func processorRecord(_ row: Row) -> ProcessorRecord {
        ProcessorRecord(
            assetID: row["asset_id"], processor: row["processor"], version: row["version"],
            key: OutputKey(input: row["input_sha256"] ?? "", settings: row["settings_hash"], tools: row["tools"]), json: row["result"],
            created: row["created_at"])
    }

    public func recordDerivedFile(
        itemID: Int64, parentAssetID: Int64, kind: DerivedKind, name: String, sha256: String, size: Int64, format: String?,
        key: OutputKey, backend: String, locator: String, lease: ItemLease?
    ) async throws -> DerivedFile {
        let madeFrom = key.json
        return try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "process") }
            let backendID = try Self.backendID(db, backend)
            let assetID = try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        INSERT INTO file_assets (kind, parent_asset_id, profile, format, size, sha256, made_from) VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (parent_asset_id, kind, profile) WHERE kind IN ('peaks', 'poster') DO UPDATE SET
                            format = excluded.format, size = excluded.size, sha256 = excluded.sha256, made_from = excluded.made_from
                        RETURNING id
                        """),
                arguments: [kind.rawValue, parentAssetID, name, format, size, sha256, madeFrom])!
            try Self.link(db, itemID: itemID, assetID: assetID)
            try Self.addLocation(db, assetID: assetID, backendID: backendID, locator: locator)
            return DerivedFile(
                kind: kind, name: name,
                file: StoredFile(assetID: assetID, sha256: sha256, size: size, format: format, backend: backend, locator: locator), key: key)
        }
    }

    public func derivedFiles(parentAssetID: Int64) async throws -> [DerivedFile] {
        try await pool.read { db in try Self.derivedFiles(db, parentAssetID: parentAssetID) }
    }

    static func derivedFiles(_ db: Database, parentAssetID: Int64) throws -> [DerivedFile] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT a.kind, a.profile, a.made_from, \(StoreSQL.preferredFileColumns)
                    WHERE a.kind IN ('peaks', 'poster') AND a.parent_asset_id = ?
                    ORDER BY a.kind, a.profile
                    """),
            arguments: [parentAssetID]
        ).map(derivedFile)
    }

    static func derivedFile(_ row: Row) -> DerivedFile {
        DerivedFile(
            kind: DerivedKind(rawValue: row["kind"]) ?? .peaks, name: row["profile"], file: storedFile(row),
            key: OutputKey(json: row["made_from"]))
    }

    public func removeOutput(assetID: Int64, lease: ItemLease?) async throws -> [StoredFile] {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "reprocess") }
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT a.kind, a.profile, p.sha256 AS parent_sha256 FROM file_assets a JOIN file_assets p ON p.id = a.parent_asset_id
                        WHERE a.id = ? AND a.kind <> 'original'
                        """, arguments: [assetID])
            else { return [] }
            let files = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(StoreSQL.storedFileColumns) WHERE a.id = ?"), arguments: [assetID])
                .map(Self.storedFile)
            if row["kind"] == "rendition" {
                let content = ContentKey.rendition(of: row["parent_sha256"], profile: row["profile"] ?? "")
                try db.execute(sql: "DELETE FROM content_claims WHERE content_key = ?", arguments: [content.value])
            }
            try db.execute(sql: "DELETE FROM item_assets WHERE asset_id = ?", arguments: [assetID])
            try db.execute(sql: "DELETE FROM file_locations WHERE asset_id = ?", arguments: [assetID])
            try db.execute(sql: "DELETE FROM file_assets WHERE id = ?", arguments: [assetID])
            return files
        }
    }

    public func removeAssetResult(assetID: Int64, processor: String, lease: ItemLease?) async throws {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "reprocess") }
            try db.execute(sql: "DELETE FROM processor_results WHERE asset_id = ? AND processor = ?", arguments: [assetID, processor])
        }
    }

    public func dropOriginal(itemID: Int64, assetID: Int64, linkTo: Int64?, reason: String, lease: ItemLease?) async throws -> [StoredFile] {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "process") }
            try db.execute(
                sql: "DELETE FROM item_assets WHERE item_id = ? AND (asset_id = ? OR asset_id IN (SELECT id FROM file_assets WHERE parent_asset_id = ?))",
                arguments: [itemID, assetID, assetID])
            if let linkTo {
                try Self.link(db, itemID: itemID, assetID: linkTo)
            } else {
                try db.execute(sql: "UPDATE items SET status = 'skipped', last_error = ? WHERE id = ?", arguments: [reason, itemID])
            }
            guard try !Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM item_assets WHERE asset_id = ?)", arguments: [assetID])! else { return [] }
            let files = try Row.fetchAll(
                db, sql: "SELECT \(StoreSQL.storedFileColumns) WHERE a.id = ? OR a.parent_asset_id = ?", arguments: [assetID, assetID]
            ).map(Self.storedFile)
            let sha256 = try String.fetchOne(db, sql: "SELECT sha256 FROM file_assets WHERE id = ?", arguments: [assetID]) ?? ""
            try db.execute(sql: "DELETE FROM content_claims WHERE content_key = ? OR content_key LIKE ?", arguments: [ContentKey.original(sha256: sha256).value, sha256 + "/%"])
            try db.execute(sql: "DELETE FROM rendition_failures WHERE original_sha256 = ?", arguments: [sha256])
            try db.execute(
                sql: "DELETE FROM file_locations WHERE asset_id IN (SELECT id FROM file_assets WHERE id = ? OR parent_asset_id = ?)",
                arguments: [assetID, assetID])
            try db.execute(sql: "DELETE FROM item_assets WHERE asset_id IN (SELECT id FROM file_assets WHERE parent_asset_id = ?)", arguments: [assetID])
            try db.execute(sql: "DELETE FROM file_assets WHERE parent_asset_id = ?", arguments: [assetID])
            try db.execute(sql: "DELETE FROM file_assets WHERE id = ?", arguments: [assetID])
            return files
        }
    }
}
