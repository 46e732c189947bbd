import Engine
import Foundation
import PostgresStore

/// The store a profile's settings name (`store`: `sqlite`, a database file's path, or a
/// `postgres://` URL), opened the same way by every command.
enum StoreLocation: Equatable {
    case sqlite(path: String)
    /// A PostgreSQL database; the profile's rows live in their own schema.
    case postgres(PostgresStoreURL, schema: String)

    init(_ settings: Settings) throws {
        try self.init(settings["store"] ?? "sqlite", settings: settings)
    }

    /// A store named as the `store` setting names one (`sqlite` is the profile's own file,
    /// a PostgreSQL URL the profile's schema there).
    init(_ value: String, settings: Settings) throws {
        if value == "sqlite" {
            self = .sqlite(path: settings.directory.database.path)
        } else if value.contains("://") || value.lowercased().hasPrefix("postgres") {  // any URL (a typo in its scheme is refused, not taken for a path)
            self = .postgres(try PostgresStoreURL(value), schema: PostgresJobStore.schemaName(profile: settings["profile"] ?? "default"))
        } else {
            self = .sqlite(path: value)
        }
    }

    /// False only for a SQLite database not created yet (a PostgreSQL server is always there).
    var exists: Bool {
        switch self {
        case .sqlite(let path): FileManager.default.fileExists(atPath: path)
        case .postgres: true
        }
    }

    /// Shared by several runners (their leases, not a lock file, keep them apart).
    var isShared: Bool {
        if case .postgres = self { return true }
        return false
    }

    var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url, let schema): "\(url) (schema \(schema))"
        }
    }

    /// Opens (creating and migrating as needed) the store.
    func open() async throws -> any EngineStore {
        switch self {
        case .sqlite(let path): try SQLiteJobStore(path: path)
        case .postgres(let url, let schema): try await PostgresJobStore.open(url: url, schema: schema)
        }
    }
}

extension Settings {
    /// Where the profile's store is. A `store` setting that does not parse was refused when the
    /// settings were resolved (exit 2), so this never falls back to another store.
    var storeLocation: StoreLocation {
        do {
            return try StoreLocation(self)
        } catch {
            preconditionFailure("the store setting passed validation but does not parse: \(error)")
        }
    }
}
