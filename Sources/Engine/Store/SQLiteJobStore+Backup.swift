import Foundation
import GRDB

extension SQLiteJobStore {
    /// A consistent copy of the database at `path`, written to `destination` while runners
    /// may be writing to it (`VACUUM INTO`: one read transaction's snapshot, not a copy of a
    /// live WAL database's file), through a read-only connection. The copy is its owner's only.
    package static func snapshot(databaseAt path: String, to destination: String) throws {
        unlink(destination)
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        try DatabaseQueue(path: path, configuration: configuration).inDatabase { db in
            try db.execute(sql: "VACUUM INTO ?", arguments: [destination])
        }
        chmod(destination, 0o600)
    }

    /// The files a database (a snapshot) records on a backend, each once: locator, SHA-256,
    /// size; read without writing to it.
    package static func recordedFiles(inDatabaseAt path: String, backend: String) throws -> [(locator: String, sha256: String, size: Int64)] {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT l.locator, a.sha256, a.size FROM file_locations l
                    JOIN file_assets a ON a.id = l.asset_id JOIN storage_backends b ON b.id = l.backend_id
                    WHERE b.name = ? AND l.state = 'active' ORDER BY l.locator
                    """,
                arguments: [backend]
            ).map { (locator: $0["locator"], sha256: $0["sha256"], size: $0["size"]) }
        }
    }

    /// `PRAGMA integrity_check` of the database at `path`: "ok", or what is wrong.
    package static func integrityCheck(at path: String) throws -> String {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
        }
    }
}
