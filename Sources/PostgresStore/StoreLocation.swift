public import Engine
import Foundation

/// Where a job store is: a SQLite database file, or a schema in a PostgreSQL database. Parsed
/// from the text a user gives (a path, or a `postgres://` URL) and opened the same way for both:
///
/// ```swift
/// let store = try await StoreLocation("/srv/media/engine.sqlite").open()
/// let shared = try await StoreLocation("postgres://engine@db.lan/media", schema: "engine_nas").open()
/// ```
///
/// A host that only ever uses SQLite needs none of this module: `SQLiteJobStore(path:)` is in
/// `Engine`.
public enum StoreLocation: Equatable, Sendable, CustomStringConvertible {
    /// A SQLite database file (created on first open).
    case sqlite(path: String)
    /// A PostgreSQL database; the store's rows live in their own schema.
    case postgres(PostgresStoreURL, schema: String)

    /// The schema a PostgreSQL store uses when none is named (the `default` profile's).
    public static let defaultSchema = PostgresJobStore.schemaName(profile: "default")

    /// Parses `text`: any URL must be a usable `postgres://USER@HOST:PORT/DB` one (a typo in its
    /// scheme is refused, not taken for a file name); anything else is a SQLite file's path.
    /// - Parameters:
    ///   - text: A database file's path or a PostgreSQL URL (without a password).
    ///   - schema: The schema of a PostgreSQL store.
    /// - Throws: `PostgresStoreURLError` naming what is wrong with the URL.
    public init(_ text: String, schema: String = StoreLocation.defaultSchema) throws {
        if text.contains("://") || text.lowercased().hasPrefix("postgres") {
            self = .postgres(try PostgresStoreURL(text), schema: schema)
        } else {
            self = .sqlite(path: text)
        }
    }

    /// False only for a SQLite database not created yet (a PostgreSQL server is always there).
    public var exists: Bool {
        switch self {
        case .sqlite(let path): FileManager.default.fileExists(atPath: path)
        case .postgres: true
        }
    }

    /// Shared by several runners (their leases, not a lock file, keep them apart).
    public var isShared: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// The path, or the URL and schema (never a password).
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url, let schema): "\(url) (schema \(schema))"
        }
    }

    /// Opens the store, creating and migrating it as needed. A store written by a newer
    /// MediaEngine is refused with `StoreError.databaseTooNew`, untouched.
    /// - Parameter password: A PostgreSQL store's password; nil: from `ENGINE_STORE_PASSWORD`,
    ///   `PGPASSWORD` or `~/.pgpass`, as ``PostgresStoreURL/password(environment:)`` reads them.
    public func open(password: String? = nil) async throws -> any EngineStore {
        switch self {
        case .sqlite(let path): try SQLiteJobStore(path: path)
        case .postgres(let url, let schema): try await PostgresJobStore.open(url: url, schema: schema, password: password)
        }
    }
}
