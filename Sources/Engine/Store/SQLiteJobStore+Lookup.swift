import Foundation
import GRDB

extension SQLiteJobStore {
    /// What the catalog at `path` knows of these items (by `source`, `remoteID`), read through a
    /// read-only connection without migrating or creating anything: for `engine run --dry-run`,
    /// which touches nothing. Items the catalog lacks (or a database that does not exist) are
    /// absent from the answer. With `processorState`, each stored original's processor results
    /// and derived files too (none from a database older than results per file: a run
    /// migrates it first).
    package static func lookUp(_ items: [MediaItem], inDatabaseAt path: String, processorState: Bool) throws -> [String: LookedUpItem] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        return try readOnlyQueue(path).read { db in
            guard try db.tableExists("items") else { return [:] }
            let processorState = try processorState && db.tableExists("processor_results")
                && db.columns(in: "processor_results").contains { $0.name == "asset_id" }
            var found: [String: LookedUpItem] = [:]
            let statement = try db.cachedStatement(
                sql: "SELECT i.id FROM items i JOIN sources s ON s.id = i.source_id WHERE s.name = ? AND i.remote_id = ?")
            for item in items {
                guard let id = try Int64.fetchOne(statement, arguments: [item.source, item.remoteID]) else { continue }
                let entry = try catalogEntry(db, itemID: id)
                let original = processorState ? entry.storedOriginal?.assetID : nil
                found[item.key] = LookedUpItem(
                    entry: entry, results: try original.map { try assetResults(db, assetID: $0) } ?? [],
                    derivedFiles: try original.map { try derivedFiles(db, parentAssetID: $0) } ?? [])
            }
            return found
        }
    }
}

/// A catalogued item as `SQLiteJobStore.lookUp` finds it: its entry, and its stored original's
/// processor results and derived files (none without an original).
package struct LookedUpItem: Sendable {
    package var entry: CatalogEntry
    package var results: [ProcessorRecord]
    package var derivedFiles: [DerivedFile]
}
