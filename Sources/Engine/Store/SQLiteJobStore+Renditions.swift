import Foundation
import GRDB

/// Renditions: made (with what the transcode tolerated), shared by items with the same
/// content, and failed (recorded with the profile's settings, so a rerun does not make the
/// same failing attempt again until the profile changes or a retry clears it).
extension SQLiteJobStore {
    public func recordRendition(
        itemID: Int64, originalSHA256: String, profile: String, sha256: String, size: Int64, format: String?,
        warnings: [String], key: OutputKey?, backend: String, locator: String, lease: ItemLease?
    ) async throws -> StoredRendition {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "transcode") }
            let backendID = try Self.backendID(db, backend)
            let assetID = try Self.insertRendition(
                db, itemID: itemID, originalSHA256: originalSHA256, profile: profile, sha256: sha256, size: size, format: format,
                warnings: warnings, key: key)
            try Self.addLocation(db, assetID: assetID, backendID: backendID, locator: locator)
            try Self.markPlaced(db, .rendition(of: originalSHA256, profile: profile), backendID: backendID)
            return StoredRendition(
                profile: profile,
                file: StoredFile(assetID: assetID, sha256: sha256, size: size, format: format, backend: backend, locator: locator),
                warnings: warnings, key: key)
        }
    }

    public func recordRenditionAsset(
        itemID: Int64, originalSHA256: String, profile: String, sha256: String, size: Int64, format: String?,
        warnings: [String], key: OutputKey?, lease: ItemLease?
    ) async throws -> Int64 {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "transcode") }
            return try Self.insertRendition(
                db, itemID: itemID, originalSHA256: originalSHA256, profile: profile, sha256: sha256, size: size, format: format,
                warnings: warnings, key: key)
        }
    }

    /// The rendition's asset (one per original and profile: made again, it takes the new
    /// content), linked to the item; a failure recorded for it before is cleared.
    private static func insertRendition(
        _ db: Database, itemID: Int64, originalSHA256: String, profile: String, sha256: String, size: Int64, format: String?,
        warnings: [String], key: OutputKey?
    ) throws -> Int64 {
        guard let parentID = try originalAssetID(db, sha256: originalSHA256) else {
            throw StoreError.notFound("original \(originalSHA256)")
        }
        let noted = warnings.isEmpty ? nil : Redaction.scrub(warnings.joined(separator: "\n"))
        let madeFrom = key?.json
        let assetID = try Int64.fetchOne(
            db.cachedStatement(
                sql: """
                    INSERT INTO file_assets (kind, parent_asset_id, profile, format, size, sha256, warnings, made_from)
                    VALUES ('rendition', ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (parent_asset_id, profile) WHERE kind = 'rendition' DO UPDATE SET
                        format = excluded.format, size = excluded.size, sha256 = excluded.sha256, warnings = excluded.warnings,
                        made_from = excluded.made_from
                    RETURNING id
                    """),
            arguments: [parentID, profile, format, size, sha256, noted, madeFrom])!
        try link(db, itemID: itemID, assetID: assetID)
        try db.cachedStatement(sql: "DELETE FROM rendition_failures WHERE original_sha256 = ? AND profile = ?")
            .execute(arguments: [originalSHA256, profile])
        return assetID
    }

    public func storedRendition(
        originalSHA256: String, profile: String, linkTo itemID: Int64, lease: ItemLease?
    ) async throws -> StoredRendition? {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "transcode") }
            guard let parentID = try Self.originalAssetID(db, sha256: originalSHA256),
                let rendition = try Self.renditions(db, of: parentID).first(where: { $0.profile == profile })
            else { return nil }
            try Self.link(db, itemID: itemID, assetID: rendition.file.assetID)
            return rendition
        }
    }

    public func recordRenditionFailure(
        originalSHA256: String, profile: String, settings: String, error: String, lease: ItemLease?
    ) async throws {
        try await writer.write { db in
            if let lease { try Self.fence(db, lease, step: "transcode") }
            let jobID = try lease.flatMap {
                try Int64.fetchOne(db.cachedStatement(sql: "SELECT job_id FROM job_items WHERE id = ?"), arguments: [$0.jobItemID])
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO rendition_failures (original_sha256, profile, settings, error, job_id, failed_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (original_sha256, profile) DO UPDATE SET settings = excluded.settings, error = excluded.error,
                        job_id = excluded.job_id, failed_at = excluded.failed_at
                    """
            ).execute(arguments: [originalSHA256, profile, settings, Redaction.scrub(error), jobID, Self.now])
        }
    }

    public func renditionFailure(originalSHA256: String, profile: String) async throws -> RenditionFailure? {
        try await pool.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM rendition_failures WHERE original_sha256 = ? AND profile = ?"),
                arguments: [originalSHA256, profile]
            ).map(Self.renditionFailure)
        }
    }

    public func renditionFailures(jobID: Int64) async throws -> [JobRenditionFailure] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT j.item_key, j.title, f.* FROM job_items j
                    JOIN item_assets ia ON ia.item_id = j.item_id
                    JOIN file_assets a ON a.id = ia.asset_id AND a.kind = 'original'
                    JOIN rendition_failures f ON f.original_sha256 = a.sha256
                    WHERE j.job_id = ? ORDER BY j.id, f.profile
                    """,
                arguments: [jobID]
            ).map { JobRenditionFailure(itemKey: $0["item_key"], title: $0["title"], failure: Self.renditionFailure($0)) }
        }
    }

    static func renditionFailure(_ row: Row) -> RenditionFailure {
        RenditionFailure(
            originalSHA256: row["original_sha256"], profile: row["profile"], settings: row["settings"], error: row["error"],
            jobID: row["job_id"], failedAt: Date(timeIntervalSince1970: row["failed_at"]))
    }

    /// Clears the recorded rendition failures of the job's items (one item's, with `itemKey`)
    /// and requeues the items that had one (stored, or skipped as stored), so that their
    /// renditions are tried again.
    static func retryRenditions(_ db: Database, jobID: Int64, itemKey: String?) throws -> Int {
        let filter = itemKey == nil ? "" : " AND j.item_key = ?"
        var arguments: StatementArguments = [jobID]
        if let itemKey { arguments += [itemKey] }
        let items = try Int64.fetchSet(
            db,
            sql: """
                SELECT j.id FROM job_items j
                JOIN item_assets ia ON ia.item_id = j.item_id
                JOIN file_assets a ON a.id = ia.asset_id AND a.kind = 'original'
                JOIN rendition_failures f ON f.original_sha256 = a.sha256
                WHERE j.job_id = ? AND j.status IN ('succeeded', 'skipped')\(filter)
                """,
            arguments: arguments)
        guard !items.isEmpty else { return 0 }
        try db.execute(
            sql: """
                DELETE FROM rendition_failures WHERE original_sha256 IN (
                    SELECT a.sha256 FROM job_items j
                    JOIN item_assets ia ON ia.item_id = j.item_id
                    JOIN file_assets a ON a.id = ia.asset_id AND a.kind = 'original'
                    WHERE j.id IN (\(placeholders(items.count))))
                """,
            arguments: StatementArguments(Array(items)))
        // As any retried item: its resolver starts over.
        try db.execute(
            sql: "DELETE FROM job_item_source_failures WHERE job_item_id IN (\(placeholders(items.count)))",
            arguments: StatementArguments(Array(items)))
        try db.execute(
            sql: """
                UPDATE job_items SET status = 'pending', last_error = NULL, error_kind = NULL, next_attempt_at = NULL,
                    finished_at = NULL, attempts = 0, resolve_trace = NULL
                WHERE id IN (\(placeholders(items.count)))
                """,
            arguments: StatementArguments(Array(items)))
        return db.changesCount
    }

    static func renditions(_ db: Database, of originalAssetID: Int64) throws -> [StoredRendition] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT a.profile, a.warnings, a.made_from, \(StoreSQL.preferredFileColumns)
                    WHERE a.kind = 'rendition' AND a.parent_asset_id = ?
                    ORDER BY a.profile
                    """),
            arguments: [originalAssetID]
        ).map {
            StoredRendition(
                profile: $0["profile"], file: storedFile($0),
                warnings: ($0["warnings"] as String?)?.split(separator: "\n").map(String.init) ?? [],
                key: OutputKey(json: $0["made_from"]))
        }
    }
}
