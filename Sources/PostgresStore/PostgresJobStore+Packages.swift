public import Engine
import Foundation
import PostgresNIO

extension PostgresJobStore {
    public func itemCollections(itemID: Int64) async throws -> [ItemCollection] {
        try await connection { session in
            try await session.rows(
                """
                SELECT s.name AS source, c.kind, c.locator, c.title, ci.position FROM collection_items ci
                JOIN collections c ON c.id = ci.collection_id JOIN sources s ON s.id = c.source_id
                WHERE ci.item_id = \(itemID) ORDER BY c.id
                """
            ).map {
                ItemCollection(
                    source: try $0["source"], kind: try $0["kind"], locator: try $0["locator"], title: try $0["title"],
                    position: (try $0["position"] as Int64?).map(Int.init))
            }
        }
    }

    public func importedPackageVersion(_ package: String) async throws -> Int? {
        try await connection { session in
            try await session.value("SELECT version FROM package_imports WHERE package = \(package)", as: Int64.self).map(Int.init)
        }
    }

    public func recordPackageImport(_ package: String, version: Int, itemID: Int64) async throws {
        try await connection { session in
            try await session.execute(
                """
                INSERT INTO package_imports (package, version, item_id, imported_at) VALUES (\(package), \(Int64(version)), \(itemID), \(Date().timeIntervalSince1970))
                ON CONFLICT (package) DO UPDATE SET version = excluded.version, item_id = excluded.item_id, imported_at = excluded.imported_at
                """)
        }
    }
}
