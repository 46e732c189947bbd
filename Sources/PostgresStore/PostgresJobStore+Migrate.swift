import Engine
import Foundation
import Logging
import PostgresNIO

extension PostgresJobStore {
    /// The newest migration: the schema this program writes.
    public static var schemaMigration: String { PostgresMigrations.current }

    /// Creates the profile's schema if needed and applies the migrations it lacks, in one
    /// transaction under an advisory lock of the schema: a second worker starting at once
    /// waits, then finds them applied. A schema with migrations this program does not know
    /// (a newer MediaEngine wrote it) is refused and left as it is.
    func migrate() async throws {
        try await transaction { session in
            try await session.execute("SELECT pg_advisory_xact_lock(hashtext(\("media-engine migrate " + schema)))")
            try await session.execute(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"))
            try await session.execute(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(schema)"))
            try await session.execute(PostgresQuery(unsafeSQL: Self.migrationsTable))
            let applied = Set(try await session.rows("SELECT name FROM engine_migrations").map { try $0["name"] as String })
            let known = Set(PostgresMigrations.all.map(\.name))
            let unknown = applied.subtracting(known)
            guard unknown.isEmpty else {
                throw StoreError.databaseTooNew(path: "\(url) schema \(schema)", unknownMigrations: unknown.sorted())
            }
            for migration in PostgresMigrations.all where !applied.contains(migration.name) {
                for statement in Self.statements(migration.sql) {
                    try await session.execute(PostgresQuery(unsafeSQL: statement))
                }
                try await session.execute("INSERT INTO engine_migrations (name) VALUES (\(migration.name))")
                logger.info("migrated", metadata: ["store.schema": "\(schema)", "migration": "\(migration.name)"])
            }
        }
    }

    /// Where the applied migrations are recorded.
    static let migrationsTable = """
        CREATE TABLE IF NOT EXISTS engine_migrations (
            name TEXT PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """

    /// Every migration this program knows, in order.
    public static var knownMigrations: [String] { PostgresMigrations.all.map(\.name) }

    /// SQL for release packages (`engine store schema --sql --dialect postgresql`), to run
    /// with the profile's schema as the search path: without `from`, every migration and its
    /// record (an empty schema gets what a first start gives it); with `from`, those after it.
    public static func schemaSQL(from: String? = nil) throws -> String {
        let names = PostgresMigrations.all.map(\.name)
        if let from, !names.contains(from) { throw StoreError.unknownMigration(from, known: names) }
        let later = from.map { from in PostgresMigrations.all.drop { $0.name != from }.dropFirst() } ?? PostgresMigrations.all[...]
        var statements = ["BEGIN"] + (from == nil ? [migrationsTable] : [])
        for migration in later {
            statements += Self.statements(migration.sql)
            statements.append("INSERT INTO engine_migrations (name) VALUES ('\(migration.name)')")
        }
        statements.append("COMMIT")
        return statements.map { $0 + ";\n" }.joined()
    }

    /// The migrations applied to `schema` at `url` (none when it does not exist yet), read
    /// through one connection without creating or migrating anything (`engine doctor`).
    public static func appliedMigrations(url: PostgresStoreURL, schema: String, password: String? = nil) async throws -> [String] {
        guard isSchemaName(schema) else { throw StoreError.cannotOpen(path: url.description, reason: "'\(schema)' is not a usable schema name") }
        let connection: PostgresConnection
        do {
            connection = try await connect(url, password: password ?? url.password())
        } catch let error as PSQLError {
            throw storeError(error)
        }
        defer { Task { try? await connection.close() } }
        let logger = Logger(label: "engine.store.postgres")
        let session = Session(connection: connection, logger: logger)
        guard try await session.row("SELECT 1 FROM pg_tables WHERE schemaname = \(schema) AND tablename = 'engine_migrations'") != nil
        else { return [] }
        return inOrder(try await session.rows(PostgresQuery(unsafeSQL: "SELECT name FROM \(schema).engine_migrations")).map { try $0["name"] })
    }

    /// Applied migrations in the order this program knows them (one start applies several at
    /// one time, and `pg10` sorts before `pg2` by name); unknown ones (a newer program's) last.
    static func inOrder(_ names: [String]) -> [String] {
        let known = Dictionary(PostgresMigrations.all.enumerated().map { ($1.name, $0) }) { first, _ in first }
        return names.sorted { (known[$0] ?? .max, $0) < (known[$1] ?? .max, $1) }
    }

    /// The migrations applied to the schema, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await connection { session in
            Self.inOrder(try await session.rows("SELECT name FROM engine_migrations").map { try $0["name"] })
        }
    }

    /// A migration's statements (the extended protocol runs one at a time): split where a
    /// line ends with `;`. No statement of ours has one inside a literal.
    static func statements(_ sql: String) -> [String] {
        sql.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .map { $0.hasSuffix(";") ? String($0.dropLast()) : $0 }
    }
}
