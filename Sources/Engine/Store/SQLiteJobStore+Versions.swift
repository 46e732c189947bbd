import GRDB

extension SQLiteJobStore {
    /// The schema migration this program writes (the newest it knows).
    public static var schemaMigration: String { SQLiteMigrations.current }

    /// The SQLite library's version, as loaded.
    public static func sqliteVersion() throws -> String {
        try DatabaseQueue().read { try String.fetchOne($0, sql: "SELECT sqlite_version()") ?? "unknown" }
    }
}
