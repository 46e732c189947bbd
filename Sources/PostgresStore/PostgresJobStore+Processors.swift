public import Engine
import Foundation
import PostgresNIO

/// Processor results per asset and derived files (peaks, posters), as `SQLiteJobStore+Processors`.
extension PostgresJobStore {
    public func saveAssetResult(assetID: Int64, processor: String, version: Int, key: OutputKey, json: String, lease: ItemLease?) async throws {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "process") }
            try await session.execute(
                """
                INSERT INTO processor_results (asset_id, processor, version, settings_hash, input_sha256, tools, result)
                VALUES (\(assetID), \(processor), \(Int64(version)), \(key.settings), \(key.input), \(key.tools), \(json))
                ON CONFLICT (asset_id, processor) WHERE asset_id IS NOT NULL DO UPDATE SET
                    version = excluded.version, settings_hash = excluded.settings_hash, input_sha256 = excluded.input_sha256,
                    tools = excluded.tools, result = excluded.result, created_at = \(unescaped: PostgresMigrations.textNow)
                """)
        }
    }

    public func assetResults(assetID: Int64) async throws -> [ProcessorRecord] {
        try await connection { session in
            try await session.rows("SELECT * FROM processor_results WHERE asset_id = \(assetID) ORDER BY processor").map(Self.processorRecord)
        }
    }

    public func assetResults(processor: String) async throws -> [ProcessorRecord] {
        try await connection { session in
            try await session.rows("SELECT * FROM processor_results WHERE processor = \(processor) AND asset_id IS NOT NULL ORDER BY asset_id")
                .map(Self.processorRecord)
        }
    }

    public func albumResults(itemID: Int64, processor: String) async throws -> (collection: String, results: [String?])? {
        try await connection { session in
            let collections = try await session.rows(
                """
                SELECT DISTINCT c.id, coalesce(c.title, c.locator) AS name FROM collection_items ci JOIN collections c ON c.id = ci.collection_id
                WHERE ci.item_id = \(itemID) OR ci.item_id IN (\(unescaped: StoreSQL.itemsSharingOriginal.replacingOccurrences(of: "?", with: "\(itemID)")))
                """)
            guard collections.count == 1, let collection = collections.first else { return nil }
            var query = PostgresQuery(unsafeSQL: StoreSQL.albumResults)
            query.binds.append(processor)
            query.binds.append(try collection["id"] as Int64)
            let results = try await session.rows(query).map { try $0[0] as String? }
            return (try collection["name"], results)
        }
    }

    static func processorRecord(_ row: Row) throws -> ProcessorRecord {
        ProcessorRecord(
            assetID: try row["asset_id"], processor: try row["processor"], version: Int(try row["version"] as Int64),
            key: OutputKey(input: try row["input_sha256"] ?? "", settings: try row["settings_hash"], tools: try row["tools"]),
            json: try row["result"], created: try row["created_at"])
    }

    public func recordDerivedFile(
        itemID: Int64, parentAssetID: Int64, kind: DerivedKind, name: String, sha256: String, size: Int64, format: String?,
        key: OutputKey, backend: String, locator: String, lease: ItemLease?
    ) async throws -> DerivedFile {
        let madeFrom = key.json
        return try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "process") }
            let backendID = try await Self.backendID(session, backend)
            let assetID: Int64 = try await session.value(
                """
                INSERT INTO file_assets (kind, parent_asset_id, profile, format, size, sha256, made_from)
                VALUES (\(kind.rawValue), \(parentAssetID), \(name), \(format), \(size), \(sha256), \(madeFrom))
                ON CONFLICT (parent_asset_id, kind, profile) WHERE kind IN ('peaks', 'poster') DO UPDATE SET
                    format = excluded.format, size = excluded.size, sha256 = excluded.sha256, made_from = excluded.made_from
                RETURNING id
                """)!
            try await Self.link(session, itemID: itemID, assetID: assetID)
            try await Self.addLocation(session, assetID: assetID, backendID: backendID, locator: locator)
            return DerivedFile(
                kind: kind, name: name,
                file: StoredFile(assetID: assetID, sha256: sha256, size: size, format: format, backend: backend, locator: locator), key: key)
        }
    }

    public func derivedFiles(parentAssetID: Int64) async throws -> [DerivedFile] {
        try await connection { session in
            try await session.rows(
                """
                SELECT a.kind, a.profile, a.made_from, \(unescaped: StoreSQL.preferredFileColumns)
                WHERE a.kind IN ('peaks', 'poster') AND a.parent_asset_id = \(parentAssetID)
                ORDER BY a.kind, a.profile
                """
            ).map {
                DerivedFile(
                    kind: DerivedKind(rawValue: try $0["kind"]) ?? .peaks, name: try $0["profile"], file: try Self.storedFile($0),
                    key: OutputKey(json: try $0["made_from"]))
            }
        }
    }

    public func removeOutput(assetID: Int64, lease: ItemLease?) async throws -> [StoredFile] {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "reprocess") }
            guard
                let row = try await session.row(
                    """
                    SELECT a.kind, a.profile, p.sha256 AS parent_sha256 FROM file_assets a JOIN file_assets p ON p.id = a.parent_asset_id
                    WHERE a.id = \(assetID) AND a.kind <> 'original'
                    """)
            else { return [] }
            let files = try await session.rows("SELECT \(unescaped: StoreSQL.storedFileColumns) WHERE a.id = \(assetID)").map(Self.storedFile)
            if try row["kind"] as String == "rendition" {
                let content = ContentKey.rendition(of: try row["parent_sha256"], profile: try row["profile"] as String? ?? "")
                try await session.execute("DELETE FROM content_claims WHERE content_key = \(content.value)")
            }
            try await session.execute("DELETE FROM item_assets WHERE asset_id = \(assetID)")
            try await session.execute("DELETE FROM file_locations WHERE asset_id = \(assetID)")
            try await session.execute("DELETE FROM file_assets WHERE id = \(assetID)")
            return files
        }
    }

    public func removeAssetResult(assetID: Int64, processor: String, lease: ItemLease?) async throws {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "reprocess") }
            try await session.execute("DELETE FROM processor_results WHERE asset_id = \(assetID) AND processor = \(processor)")
        }
    }

    public func dropOriginal(itemID: Int64, assetID: Int64, linkTo: Int64?, reason: String, lease: ItemLease?) async throws -> [StoredFile] {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "process") }
            try await session.execute(
                """
                DELETE FROM item_assets WHERE item_id = \(itemID)
                    AND (asset_id = \(assetID) OR asset_id IN (SELECT id FROM file_assets WHERE parent_asset_id = \(assetID)))
                """)
            if let linkTo {
                try await Self.link(session, itemID: itemID, assetID: linkTo)
            } else {
                try await session.execute("UPDATE items SET status = 'skipped', last_error = \(reason) WHERE id = \(itemID)")
            }
            guard try await session.row("SELECT 1 FROM item_assets WHERE asset_id = \(assetID) LIMIT 1") == nil else { return [] }
            let files = try await session.rows(
                "SELECT \(unescaped: StoreSQL.storedFileColumns) WHERE a.id = \(assetID) OR a.parent_asset_id = \(assetID)"
            ).map(Self.storedFile)
            let sha256: String = try await session.value("SELECT sha256 FROM file_assets WHERE id = \(assetID)") ?? ""
            try await session.execute(
                "DELETE FROM content_claims WHERE content_key = \(ContentKey.original(sha256: sha256).value) OR content_key LIKE \(sha256 + "/%")")
            try await session.execute("DELETE FROM rendition_failures WHERE original_sha256 = \(sha256)")
            try await session.execute(
                "DELETE FROM file_locations WHERE asset_id IN (SELECT id FROM file_assets WHERE id = \(assetID) OR parent_asset_id = \(assetID))")
            try await session.execute(
                "DELETE FROM item_assets WHERE asset_id IN (SELECT id FROM file_assets WHERE parent_asset_id = \(assetID))")
            try await session.execute("DELETE FROM file_assets WHERE parent_asset_id = \(assetID)")
            try await session.execute("DELETE FROM file_assets WHERE id = \(assetID)")
            return files
        }
    }
}
