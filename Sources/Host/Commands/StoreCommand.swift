import ArgumentParser
import Engine
import Foundation
import PostgresStore

/// `engine store …`: the store as a whole.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Manage the store as a whole (copy it between SQLite and PostgreSQL; print its schema).",
        subcommands: [StoreMigrateCommand.self, StoreSchemaCommand.self])
}

/// `engine store schema --sql [--from MIGRATION] [--dialect sqlite|postgresql]`: the current
/// schema's DDL, or the SQL that brings a store at MIGRATION to the current one, for release
/// packages (`schema.sql`, `migration/<from>_to_<to>.sql`).
struct StoreSchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "Print the store's schema as SQL (--sql), or the SQL from one migration to the current one (--from).")

    @Flag(help: "Print SQL (the only form so far).") var sql = false
    @Option(help: "A migration: print the SQL from it to the current one.") var from: String?
    @Option(help: "sqlite or postgresql (default: the profile's store).") var dialect: String?
    @OptionGroup var data: DataDirOptions

    func validate() throws {
        guard sql else { throw ValidationError("give --sql") }
        if let dialect, !["sqlite", "postgresql"].contains(dialect) { throw ValidationError("--dialect: sqlite or postgresql, not '\(dialect)'") }
    }

    func run() throws {
        let postgres = dialect.map { $0 == "postgresql" } ?? (data.settings()["store"] ?? "sqlite").hasPrefix("postgres")
        do {
            let text = postgres ? try PostgresJobStore.schemaSQL(from: from) : try SQLiteJobStore.schemaSQL(from: from)
            FileHandle.standardOutput.write(Data(text.utf8))
        } catch {
            Output.error("store schema", "\(error)")
            throw EngineExit.usage
        }
    }
}

/// `engine store migrate --from PATH_OR_URL --to PATH_OR_URL`: copies a store (catalog,
/// assets, locations, backends, job history) from SQLite into PostgreSQL or back, into a
/// target that must be empty; the source is only read.
struct StoreMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a store into an empty one (SQLite to PostgreSQL or back), verifying every table.",
        discussion: """
            Stop the workers that use the source first: the copy reads it table by table and \
            fails (writing nothing) if it changed meanwhile. A PostgreSQL target is written in one \
            transaction; a SQLite target must be a new file, removed again if the copy fails.
            """)

    @Option(help: "The store to copy: sqlite (the profile's file), a database file path, or a postgres:// URL (default: the profile's store).")
    var from: String?
    @Option(help: "The store to copy into: a new database file path, or a postgres:// URL (the profile's schema there, which must be empty).")
    var to: String
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        let settings = data.settings()
        let source: StoreLocation, target: StoreLocation
        do {
            source = try StoreLocation(Self.absolute(from ?? settings["store"] ?? "sqlite"), settings: settings)
            target = try StoreLocation(Self.absolute(to), settings: settings)
        } catch {
            Output.error("store migrate", "\(error)")
            throw EngineExit.usage
        }
        guard source != target else {
            Output.error("store migrate", "the source and the target are the same store (\(source.description))")
            throw EngineExit.usage
        }
        guard source.exists else {
            Output.error("store migrate", "there is no store at \(source.description)")
            throw EngineExit.usage
        }
        if let stale = await Self.notCurrent(source) {
            Output.error("store migrate", "\(source.description) is at \(stale): open it once with this version (e.g. engine items --store …) to bring it to the current schema, then copy it")
            throw EngineExit.cannotRun
        }
        // A SQLite target is a new file: the copy removes it again if it fails.
        var created: String?
        if case .sqlite(let path) = target {
            guard !FileManager.default.fileExists(atPath: path) else {
                Output.error("store migrate", "\(path) exists: copy only into a new database file")
                throw EngineExit.usage
            }
            created = path
        }
        do {
            let from = try await source.open()
            let into = try await target.open()
            Output.note("copying \(source.description) into \(target.description)")
            let tables = try await StoreMigration.copy(from: from, to: into) { line in Output.note(line) }
            let rows = tables.reduce(0) { $0 + $1.rows }
            let assets = tables.first { $0.name == "file_assets" }?.rows ?? 0
            print("copied \(rows) rows in \(tables.count) tables into \(target.description): row counts and a SHA-256 over every table's rows equal the source's (\(assets) assets with their recorded SHA-256)")
        } catch {
            if let created { for suffix in ["", "-wal", "-shm", "-migrate.lock"] { unlink(created + suffix) } }
            Output.error("store migrate", "\(error)")
            throw EngineExit.cannotRun
        }
    }

    /// A relative database path is taken from the current directory.
    private static func absolute(_ value: String) -> String {
        guard value != "sqlite", !value.contains("://"), !value.lowercased().hasPrefix("postgres"), !value.hasPrefix("/") else { return value }
        return URL(fileURLWithPath: value).standardizedFileURL.path
    }

    /// The migration the store is at, when that is not the one this program writes (a copy
    /// between different schemas would not line up, and the source is never migrated here).
    private static func notCurrent(_ location: StoreLocation) async -> String? {
        do {
            switch location {
            case .sqlite(let path):
                let applied = try SQLiteJobStore.appliedMigrations(at: path)
                let at = SQLiteJobStore.knownMigrations.last { applied.contains($0) }
                return at == SQLiteJobStore.schemaMigration ? nil : at ?? "no migration"
            case .postgres(let url, let schema):
                let applied = try await PostgresJobStore.appliedMigrations(url: url, schema: schema)
                return applied.last == PostgresJobStore.schemaMigration ? nil : applied.last ?? "no migration"
            }
        } catch {
            return "an unreadable state (\(error))"
        }
    }
}
