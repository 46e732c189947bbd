import Foundation
import GRDB

extension SQLiteJobStore {
    /// What the catalog at `path` knows of these items (by `source`, `remoteID`), read through a
    /// read-only connection without migrating or creating anything: for `engine run --dry-run`,
    /// which touches nothing. Items the catalog lacks (or a database that does not exist) are
    /// absent from the answer.
    package static func lookUp(_ items: [MediaItem], inDatabaseAt path: String) throws -> [String: CatalogEntry] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        return try readOnlyQueue(path).read { db in
            guard try db.tableExists("items") else { return [:] }
            var found: [String: CatalogEntry] = [:]
            let statement = try db.cachedStatement(
                sql: "SELECT i.id FROM items i JOIN sources s ON s.id = i.source_id WHERE s.name = ? AND i.remote_id = ?")
            for item in items {
                guard let id = try Int64.fetchOne(statement, arguments: [item.source, item.remoteID]) else { continue }
                found[item.key] = try catalogEntry(db, itemID: id)
            }
            return found
        }
    }
}
