import Foundation
import Testing
import TestSupport

/// `engine store schema --sql`: the schema a release package carries gives, applied to an
/// empty database, what a first start gives; the SQL from an older migration brings a database
/// written by that version to the same schema, its rows kept.
@Suite struct StoreSchemaTests {
    /// A SQLite database's schema, one line an object (`type name sql`), sorted.
    static let sqliteSchema = """
        import sqlite3, sys
        db = sqlite3.connect(sys.argv[1])
        if len(sys.argv) > 2:
            db.executescript(open(sys.argv[2]).read())
        for row in sorted(db.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")):
            print(*row)
        print("migrations", [r[0] for r in db.execute("SELECT identifier FROM grdb_migrations")])
        print("rows", db.execute("SELECT count(*) FROM file_assets").fetchone()[0])
        """

    @Test func theSQLiteSchemaAndAnUpgradeGiveWhatAFirstStartGives() throws {
        let dir = try TemporaryDirectory("schema")
        #expect(try Command.engine(["run", "--no-renditions", "--no-processors", Fixtures.media("audio-pcm.wav"), "--data-dir", dir.file("fresh").path]).status == 0)
        let expected = try Command.run("python3", ["-c", Self.sqliteSchema, dir.file("fresh/engine.sqlite").path]).stdout
            .replacingOccurrences(of: "rows 1", with: "rows")

        let full = try Command.engine(["store", "schema", "--sql", "--dialect", "sqlite"])
        #expect(full.status == 0, "\(full.stderr)")
        try full.stdout.write(to: dir.file("schema.sql"), atomically: true, encoding: .utf8)
        let applied = try Command.run("python3", ["-c", Self.sqliteSchema, dir.file("empty.sqlite").path, dir.file("schema.sql").path])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.replacingOccurrences(of: "rows 0", with: "rows") == expected, "\(applied.stdout)\n---\n\(expected)")

        // A database the v6 release wrote (fixtures/db), brought up by the SQL from v6 on.
        let upgrade = try Command.engine(["store", "schema", "--sql", "--dialect", "sqlite", "--from", "v6-rendition-failures"])
        #expect(upgrade.status == 0, "\(upgrade.stderr)")
        try upgrade.stdout.write(to: dir.file("upgrade.sql"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Fixtures.packageRoot.appendingPathComponent("fixtures/db/v6-rendition-failures.sqlite").path, toPath: dir.file("old.sqlite").path)
        let rowsBefore = try Command.run("python3", ["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM file_assets').fetchone()[0])", dir.file("old.sqlite").path]).stdout
        let upgraded = try Command.run("python3", ["-c", Self.sqliteSchema, dir.file("old.sqlite").path, dir.file("upgrade.sql").path])
        #expect(upgraded.status == 0, "\(upgraded.stderr)")
        let lines = upgraded.stdout.split(separator: "\n")
        #expect(lines.dropLast().joined(separator: "\n") == expected.split(separator: "\n").dropLast().joined(separator: "\n"), "\(upgraded.stdout)")
        #expect(lines.last == "rows \(rowsBefore.trimmingCharacters(in: .whitespacesAndNewlines))", "the rows are kept")

        let unknown = try Command.engine(["store", "schema", "--sql", "--from", "v99"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no migration 'v99'"), "\(unknown.stderr)")
    }

    @Test func thePostgreSQLSchemaGivesWhatAFirstStartGives() async throws {
        let cluster = PostgresCluster.shared
        let profile = "s\(UUID().uuidString.lowercased().prefix(8))"
        let started = try await Command.engineAsync(
            ["items", "--store", cluster.url, "--profile", profile, "--data-dir", try TemporaryDirectory("pg").path], environment: cluster.environment)
        #expect(started.status == 0, "\(started.stderr)")
        let full = try Command.engine(["store", "schema", "--sql", "--dialect", "postgresql"])
        #expect(full.status == 0, "\(full.stderr)")
        let schema = PostgresCluster.uniqueSchema("applied")
        try cluster.psql("CREATE SCHEMA \(schema); SET search_path TO \(schema); \(full.stdout)")
        func describe(_ schema: String) throws -> String {
            try cluster.psql(
                """
                SELECT string_agg(table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, ''), E'\\n'
                    ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = '\(schema)'
                """)
            + "\n"
            + (try cluster.psql(
                "SELECT string_agg(indexname || ' ' || replace(indexdef, '\(schema).', ''), E'\\n' ORDER BY indexname) FROM pg_indexes WHERE schemaname = '\(schema)'"))
            + "\n" + (try cluster.psql("SELECT string_agg(name, ',' ORDER BY name) FROM \(schema).engine_migrations"))
        }
        let made = try describe("engine_\(profile)"), applied = try describe(schema)
        #expect(applied == made, "\(applied)\n---\n\(made)")
    }
}
