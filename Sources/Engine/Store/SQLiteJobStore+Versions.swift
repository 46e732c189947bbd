import GRDB

extension SQLiteJobStore {
    /// The schema migration this program writes (the newest it knows).
    public static var schemaMigration: String { SQLiteMigrations.current }

    /// The SQLite library's version, as loaded.
    package static func sqliteVersion() throws -> String {
        try DatabaseQueue().read { try String.fetchOne($0, sql: "SELECT sqlite_version()") ?? "unknown" }
    }
}

extension SQLiteJobStore {
    /// Every migration this program knows, oldest first.
    public static var knownMigrations: [String] { SQLiteMigrations.migrator.migrations }

    /// The migrations the database at `path` records, read without writing to it.
    package static func appliedMigrations(at path: String) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read { db in
            try db.tableExists("grdb_migrations") ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
        }
    }
}
