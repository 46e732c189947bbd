import Engine
import Foundation
import Logging
import NIOSSL
import PostgresNIO
public import ServiceLifecycle

/// The job store on PostgreSQL (issue 16): the same `JobStore` as `SQLiteJobStore`, shared by
/// any number of workers on any number of machines. Each profile is a schema of its own (set
/// as every connection's `search_path`, so that no query names it); claims take rows with
/// `FOR UPDATE SKIP LOCKED`; every write for a job item is conditional on its lease token;
/// times are the server's clock (one clock for every machine), in seconds since 1970.
public final class PostgresJobStore: Sendable {
    public let url: PostgresStoreURL
    /// The profile's schema.
    public let schema: String
    let client: PostgresClient
    let logger = Logger(label: "engine.store.postgres")
    let batcher: PostgresBatcher
    let listener: WorkListener
    private let running: Task<Void, Never>

    /// The channel every store's wake-ups go through, with the schema as the payload (a
    /// channel name per schema could pass PostgreSQL's 63-byte limit).
    static let workChannel = "media_engine_work"

    /// The server's clock, in seconds since 1970: every lease and retry time is read from it.
    static let now = "extract(epoch FROM clock_timestamp())::float8"

    /// Connects to the database at `url` (password from the environment or `~/.pgpass`),
    /// creates the profile's `schema` if needed and migrates it. A schema written by a newer
    /// MediaEngine is refused with `StoreError.databaseTooNew`, untouched.
    public static func open(
        url: PostgresStoreURL, schema: String, password: String? = nil, maximumConnections: Int = 8
    ) async throws -> PostgresJobStore {
        guard isSchemaName(schema) else {
            throw StoreError.cannotOpen(path: url.description, reason: "'\(schema)' is not a usable schema name ([a-z_][a-z0-9_]*)")
        }
        let password = password ?? url.password()
        try await probe(url, password: password)
        let store = PostgresJobStore(url: url, schema: schema, password: password, maximumConnections: maximumConnections)
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// One connection made and closed, so that a server that cannot be reached or refuses the
    /// login says so at once (the pool would retry in the background until its breaker trips).
    private static func probe(_ url: PostgresStoreURL, password: String?) async throws {
        do {
            let connection = try await connect(url, password: password)
            try? await connection.close()
        } catch let error as PSQLError {
            throw StoreError.cannotOpen(path: url.description, reason: storeError(error).description)
        }
    }

    /// A connection of its own, outside the pool (the probe, the work listener).
    static func connect(_ url: PostgresStoreURL, password: String?) async throws -> PostgresConnection {
        let tls: PostgresConnection.Configuration.TLS =
            switch url.tls {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: password, database: url.database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", "media-engine")]
        return try await PostgresConnection.connect(configuration: configuration, id: 0, logger: Logger(label: "engine.store.postgres"))
    }

    private init(url: PostgresStoreURL, schema: String, password: String?, maximumConnections: Int) {
        self.url = url
        self.schema = schema
        let tls: PostgresClient.Configuration.TLS =
            switch url.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: password, database: url.database, tls: tls)
        // A worker stopped in the middle of a transaction (SIGSTOP, a frozen VM) would hold its
        // row locks for as long as it is stopped: the server ends such a session after 10 s,
        // well within a lease, so the rescuer can take its items.
        configuration.options.additionalStartupParameters = [
            ("search_path", schema), ("application_name", "media-engine"), ("idle_in_transaction_session_timeout", "10000"),
        ]
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration)
        self.client = client
        running = Task { await client.run() }
        batcher = PostgresBatcher()
        listener = WorkListener(channel: Self.workChannel, schema: schema) { try await Self.connect(url, password: password) }
    }

    deinit { running.cancel() }

    /// Closes every connection; the store can no longer be used.
    public func close() async {
        listener.stop()
        running.cancel()
        await running.value
    }

    /// The schema a profile's store lives in: `engine_<profile>` for a name of lowercase
    /// letters, digits and `_` of at most 40; any other name is mapped to those and given a
    /// hash of itself (`Music-A` → `engine_music_a_1b2c3d4e`), so two profiles never share one.
    public static func schemaName(profile: String) -> String {
        let mapped = String(
            profile.lowercased().unicodeScalars.map { ("a"..."z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "_" })
        if mapped == profile, profile.count <= 40 { return "engine_" + profile }
        // FNV-1a: stable across runs and machines (Swift's Hasher is seeded per process).
        let hash = profile.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
        return "engine_\(mapped.prefix(40))_\(String(hash, radix: 16))"
    }

    static func isSchemaName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 63, first == "_" || ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    // MARK: running statements

    /// `body` in one transaction on one connection; rolled back when it throws (its error is
    /// rethrown as it was). One that PostgreSQL aborted to break a deadlock or a serialization
    /// conflict with another worker's is run again, up to five times.
    func transaction<T: Sendable>(_ body: (Session) async throws -> T) async throws -> T {
        var tries = 0
        while true {
            tries += 1
            do {
                return try await connection { session in
                    try await session.execute("BEGIN")
                    do {
                        let value = try await body(session)
                        try await session.execute("COMMIT")
                        return value
                    } catch {
                        try? await session.execute("ROLLBACK")
                        throw error
                    }
                }
            } catch let conflict as Conflict where tries < 5 {
                logger.debug("a transaction met another's; running it again", metadata: ["error": "\(conflict.error)"])
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...50) * tries))
            } catch let conflict as Conflict {
                throw conflict.error
            }
        }
    }

    /// PostgreSQL ended a statement to break a deadlock (40P01) or a serialization conflict
    /// (40001): the whole transaction may be run again.
    struct Conflict: Error { let error: StoreError }

    /// `body` on one connection of the pool, outside a transaction (each statement its own).
    /// What `body` throws is rethrown as it is; what leasing a connection throws is the
    /// store's error.
    func connection<T: Sendable>(_ body: (Session) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                do {
                    return try await body(Session(connection: connection, logger: logger))
                } catch {
                    throw Thrown(error: error)
                }
            }
        } catch let thrown as Thrown {
            throw thrown.error
        } catch let conflict as Conflict {
            throw conflict.error
        } catch let error as PSQLError {
            throw Self.storeError(error)
        } catch {
            // The pool could not lease a connection (the server is down or refuses logins).
            throw StoreError.unavailable("PostgreSQL at \(url) cannot be reached (\(type(of: error)))")
        }
    }

    /// An error `body` threw, carried past the pool's own error handling.
    private struct Thrown: Error { let error: any Error }

    /// What a PostgreSQL error says, as the store's error: the server's message, or what
    /// failed on the connection; never the statement or its values.
    static func storeError(_ error: PSQLError) -> StoreError {
        // Class 08 (connection exception), 57P01–57P03 (shutting down, cannot connect now).
        if let state = error.serverInfo?[.sqlState], state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) {
            return .unavailable("PostgreSQL is unavailable: \(error.serverInfo?[.message] ?? state) (SQLSTATE \(state))")
        }
        if [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed].contains(error.code) {
            return .unavailable("the PostgreSQL connection failed (\(error.code))")
        }
        if let message = error.serverInfo?[.message] {
            return .database("PostgreSQL refused a statement: \(message)" + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""))
        }
        let cause = error.underlying.map { ": \($0)" } ?? ""
        return .database("the PostgreSQL connection failed (\(error.code)\(cause))")
    }
}

extension PostgresJobStore: Service {
    /// The store as a service of the runner's group: its connections close when the group
    /// shuts down (after the services that use it, which stop first).
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}

/// One connection, leased for a transaction or a few statements.
struct Session {
    let connection: PostgresConnection
    let logger: Logger

    /// The statement's rows.
    func rows(_ query: PostgresQuery) async throws -> [Row] {
        do {
            return try await connection.query(query, logger: logger).collect().map { Row($0.makeRandomAccess()) }
        } catch let error as PSQLError {
            if let state = error.serverInfo?[.sqlState], state == "40P01" || state == "40001" {
                throw PostgresJobStore.Conflict(error: PostgresJobStore.storeError(error))
            }
            throw PostgresJobStore.storeError(error)
        }
    }

    /// The statement's first row.
    func row(_ query: PostgresQuery) async throws -> Row? { try await rows(query).first }

    /// The first column of the first row.
    func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T? {
        guard let row = try await rows(query).first else { return nil }
        return try row[0] as T?
    }

    func execute(_ query: PostgresQuery) async throws { _ = try await rows(query) }
}

/// A row of a result, read by column name or position.
struct Row {
    let raw: PostgresRandomAccessRow
    init(_ raw: PostgresRandomAccessRow) { self.raw = raw }

    subscript<T: PostgresDecodable>(_ column: String) -> T {
        get throws { try Self.decoding { try raw[column].decode(T.self) } }
    }

    subscript<T: PostgresDecodable>(_ index: Int) -> T {
        get throws { try Self.decoding { try raw[index].decode(T.self) } }
    }

    private static func decoding<T>(_ read: () throws -> T) throws -> T {
        do {
            return try read()
        } catch let error as PostgresDecodingError {
            throw StoreError.database("a value of column '\(error.columnName)' read from PostgreSQL did not decode (\(error.code))")
        }
    }

    /// A time column (seconds since 1970), as a date.
    func date(_ column: String) throws -> Date? { (try self[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
}
