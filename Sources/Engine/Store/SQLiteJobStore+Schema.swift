import Foundation
import GRDB
import Synchronization

extension SQLiteJobStore {
    /// SQL for release packages (`engine store schema --sql`). Without `from`: the current
    /// schema's DDL, each table, index and view as a database this program makes holds it (in
    /// the order they were made), and the migrations recorded as applied — applied to an empty
    /// database it gives what a first start gives. With `from` (a migration): the statements
    /// that bring a database at that migration to the current one, as the program runs them
    /// (recorded from a scratch database migrated in memory), bookkeeping included.
    package static func schemaSQL(from: String? = nil) throws -> String {
        let migrator = SQLiteMigrations.migrator
        let queue = try DatabaseQueue()
        guard let from else {
            try migrator.migrate(queue)
            return try queue.read { db in
                var statements = try String.fetchAll(
                    db, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
                for name in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") {
                    statements.append("INSERT INTO grdb_migrations (identifier) VALUES ('\(name.replacingOccurrences(of: "'", with: "''"))')")
                }
                return Self.transaction(statements)
            }
        }
        guard migrator.migrations.contains(from) else { throw StoreError.unknownMigration(from, known: migrator.migrations) }
        try migrator.migrate(queue, upTo: from)
        let recorded = Mutex<[String]>([])
        queue.inDatabase { db in
            db.trace { event in
                guard case .statement(let statement) = event else { return }
                let sql = statement.sql.trimmingCharacters(in: .whitespacesAndNewlines)
                // The first word past any leading `--` comment lines.
                let code = sql.split(separator: "\n").drop { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }.joined(separator: "\n")
                let verb = code.trimmingCharacters(in: .whitespacesAndNewlines).prefix { !$0.isWhitespace }.uppercased()
                // The migrator's own record of each (a bound value) is written below, as literal SQL.
                guard !sql.contains("grdb_migrations") else { return }
                // Transaction control and the migrator's own reads (PRAGMA, SELECT) are not the migration's.
                if ["CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"].contains(verb) { recorded.withLock { $0.append(sql) } }
            }
        }
        try migrator.migrate(queue)
        let later = migrator.migrations.drop { $0 != from }.dropFirst()
        let records = later.map { "INSERT INTO grdb_migrations (identifier) VALUES ('\($0)')" }
        return transaction(recorded.withLock { $0 } + records)
    }

    /// The statements as one transaction, with foreign keys off as GRDB migrates (a table
    /// rebuilt under other tables' references), checked before the commit.
    static func transaction(_ statements: [String]) -> String {
        (["PRAGMA foreign_keys = OFF", "BEGIN"] + statements + ["PRAGMA foreign_key_check", "COMMIT", "PRAGMA foreign_keys = ON"])
            .map { $0 + ";\n" }.joined()
    }
}
