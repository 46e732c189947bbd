public import Engine
import Foundation
import PostgresNIO

/// Renditions on PostgreSQL: made (with what the transcode tolerated), shared by items with the
/// same content, and failed (recorded with the profile's settings).
extension PostgresJobStore {
    public func recordRendition(
        itemID: Int64, originalSHA256: String, profile: String, sha256: String, size: Int64, format: String?,
        warnings: [String], key: OutputKey?, backend: String, locator: String, lease: ItemLease?
    ) async throws -> StoredRendition {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "transcode") }
            let backendID = try await Self.backendID(session, backend)
            let assetID = try await Self.insertRendition(
                session, itemID: itemID, originalSHA256: originalSHA256, profile: profile, sha256: sha256, size: size, format: format,
                warnings: warnings, key: key)
            try await Self.addLocation(session, assetID: assetID, backendID: backendID, locator: locator)
            try await Self.markPlaced(session, .rendition(of: originalSHA256, profile: profile), backendID: backendID)
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
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "transcode") }
            return try await Self.insertRendition(
                session, itemID: itemID, originalSHA256: originalSHA256, profile: profile, sha256: sha256, size: size, format: format,
                warnings: warnings, key: key)
        }
    }

    /// The rendition's asset (one per original and profile: made again, it takes the new
    /// content), linked to the item; a failure recorded for it before is cleared.
    private static func insertRendition(
        _ session: Session, itemID: Int64, originalSHA256: String, profile: String, sha256: String, size: Int64, format: String?,
        warnings: [String], key: OutputKey?
    ) async throws -> Int64 {
        guard let parentID = try await originalAssetID(session, sha256: originalSHA256) else {
            throw StoreError.notFound("original \(originalSHA256)")
        }
        let noted = warnings.isEmpty ? nil : Redaction.scrub(warnings.joined(separator: "\n"))
        let madeFrom = key?.json
        let assetID: Int64 = try await session.value(
            """
            INSERT INTO file_assets (kind, parent_asset_id, profile, format, size, sha256, warnings, made_from)
            VALUES ('rendition', \(parentID), \(profile), \(format), \(size), \(sha256), \(noted), \(madeFrom))
            ON CONFLICT (parent_asset_id, profile) WHERE kind = 'rendition' DO UPDATE SET
                format = excluded.format, size = excluded.size, sha256 = excluded.sha256, warnings = excluded.warnings,
                        made_from = excluded.made_from
            RETURNING id
            """)!
        try await link(session, itemID: itemID, assetID: assetID)
        try await session.execute("DELETE FROM rendition_failures WHERE original_sha256 = \(originalSHA256) AND profile = \(profile)")
        return assetID
    }

    public func storedRendition(
        originalSHA256: String, profile: String, linkTo itemID: Int64, lease: ItemLease?
    ) async throws -> StoredRendition? {
        try await transaction { session in
            if let lease { try await Self.fence(session, lease, step: "transcode") }
            guard let parentID = try await Self.originalAssetID(session, sha256: originalSHA256),
                let rendition = try await Self.renditions(session, of: parentID).first(where: { $0.profile == profile })
            else { return nil }
            try await Self.link(session, itemID: itemID, assetID: rendition.file.assetID)
            return rendition
        }
    }

    public func recordRenditionFailure(
        originalSHA256: String, profile: String, settings: String, error: String, lease: ItemLease?
    ) async throws {
        try await transaction { session in
            var jobID: Int64?
            if let lease {
                try await Self.fence(session, lease, step: "transcode")
                jobID = try await session.value("SELECT job_id FROM job_items WHERE id = \(lease.jobItemID)")
            }
            try await session.execute(
                """
                INSERT INTO rendition_failures (original_sha256, profile, settings, error, job_id, failed_at)
                VALUES (\(originalSHA256), \(profile), \(settings), \(Redaction.scrub(error)), \(jobID), \(unescaped: Self.now))
                ON CONFLICT (original_sha256, profile) DO UPDATE SET settings = excluded.settings, error = excluded.error,
                    job_id = excluded.job_id, failed_at = excluded.failed_at
                """)
        }
    }

    public func renditionFailure(originalSHA256: String, profile: String) async throws -> RenditionFailure? {
        try await connection { session in
            try await session.row("SELECT * FROM rendition_failures WHERE original_sha256 = \(originalSHA256) AND profile = \(profile)")
                .map(Self.renditionFailure)
        }
    }

    public func renditionFailures(jobID: Int64) async throws -> [JobRenditionFailure] {
        try await connection { session in
            try await session.rows(
                """
                SELECT j.item_key, j.title, f.* FROM job_items j
                JOIN item_assets ia ON ia.item_id = j.item_id
                JOIN file_assets a ON a.id = ia.asset_id AND a.kind = 'original'
                JOIN rendition_failures f ON f.original_sha256 = a.sha256
                WHERE j.job_id = \(jobID) ORDER BY j.id, f.profile
                """
            ).map { JobRenditionFailure(itemKey: try $0["item_key"], title: try $0["title"], failure: try Self.renditionFailure($0)) }
        }
    }

    static func renditionFailure(_ row: Row) throws -> RenditionFailure {
        RenditionFailure(
            originalSHA256: try row["original_sha256"], profile: try row["profile"], settings: try row["settings"], error: try row["error"],
            jobID: try row["job_id"], failedAt: try row.date("failed_at")!)
    }

    static func renditions(_ session: Session, of originalAssetID: Int64) async throws -> [StoredRendition] {
        try await session.rows(
            """
            SELECT a.profile, a.warnings, a.made_from, \(unescaped: StoreSQL.preferredFileColumns)
            WHERE a.kind = 'rendition' AND a.parent_asset_id = \(originalAssetID)
            ORDER BY a.profile
            """
        ).map {
            StoredRendition(
                profile: try $0["profile"], file: try storedFile($0),
                warnings: try ($0["warnings"] as String?)?.split(separator: "\n").map(String.init) ?? [],
                key: OutputKey(json: try $0["made_from"]))
        }
    }
}
