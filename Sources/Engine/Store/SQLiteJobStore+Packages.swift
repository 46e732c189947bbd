import Foundation
import GRDB

extension SQLiteJobStore {
    public func itemCollections(itemID: Int64) async throws -> [ItemCollection] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.name AS source, c.kind, c.locator, c.title, ci.position FROM collection_items ci
                    JOIN collections c ON c.id = ci.collection_id JOIN sources s ON s.id = c.source_id
                    WHERE ci.item_id = ? ORDER BY c.id
                    """, arguments: [itemID]
            ).map { ItemCollection(source: $0["source"], kind: $0["kind"], locator: $0["locator"], title: $0["title"], position: $0["position"]) }
        }
    }

    public func importedPackageVersion(_ package: String) async throws -> Int? {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT version FROM package_imports WHERE package = ?", arguments: [package]) }
    }

    public func recordPackageImport(_ package: String, version: Int, itemID: Int64) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO package_imports (package, version, item_id, imported_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (package) DO UPDATE SET version = excluded.version, item_id = excluded.item_id, imported_at = excluded.imported_at
                    """, arguments: [package, version, itemID, Date().timeIntervalSince1970])
        }
    }
}
