import Foundation

/// A throwaway PostgreSQL cluster (scripts/pg-cluster.py) on a loopback port: one per test
/// process, started on first use, stopped by its PID when the process ends. Its superuser
/// `engine` needs a password over TCP (scram), so tests go through the real password path.
public final class PostgresCluster: Sendable {
    public let port: Int
    /// The pg-cluster.py process: signalled to restart the server, terminated to remove it.
    private let script: Int32
    public static let password = "pg-test-\(UUID().uuidString.prefix(8))"

    public static let shared: PostgresCluster = {
        do { return try PostgresCluster() } catch { fatalError("the PostgreSQL test cluster did not start: \(error)") }
    }()

    private init(listen: [String] = [], allow: [String] = []) throws {
        setenv("ENGINE_TEST_PG_PASSWORD", Self.password, 1)
        let (process, port) = try LoopbackServer.launch("pg-cluster.py", listen.flatMap { ["--listen", $0] } + allow.flatMap { ["--allow", $0] })
        (script, self.port) = (process.processIdentifier, port)
    }

    /// A cluster of the test's own (one it may restart without disturbing the others); it
    /// also listens on the `listen` addresses and lets in clients of the `allow` networks.
    public static func start(listen: [String] = [], allow: [String] = []) throws -> PostgresCluster {
        try PostgresCluster(listen: listen, allow: allow)
    }

    deinit { kill(script, SIGTERM) }

    /// Restarts the server (down for about a second, plus its shutdown and start); returns once
    /// it accepts connections again.
    public func restart() async throws {
        kill(script, SIGUSR1)
        try await Task.sleep(for: .milliseconds(500))
        let deadline = ContinuousClock.now + .seconds(30)
        while (try? psql("SELECT 1")) != "1", ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
    }

    /// The cluster's store URL (no password: that comes from the environment).
    public var url: String { url(host: "127.0.0.1") }

    /// The store URL through another of its addresses.
    public func url(host: String) -> String { "postgres://engine@\(host):\(port)/postgres?sslmode=disable" }

    /// The environment a command needs to reach the cluster.
    public var environment: [String: String] { ["ENGINE_STORE_PASSWORD": Self.password] }

    /// A schema name no other test uses.
    public static func uniqueSchema(_ label: String = "t") -> String {
        "\(label)_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
    }

    /// Runs `sql` through psql as the superuser; its output (unaligned, tuples only).
    /// (During a restart psql fails: the caller waits.)
    @discardableResult
    public func psql(_ sql: String) throws -> String {
        let result = try Command.run(
            "/usr/lib/postgresql/15/bin/psql",
            ["-h", "127.0.0.1", "-p", "\(port)", "-U", "engine", "-d", "postgres", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
            environment: ["PGPASSWORD": Self.password])
        guard result.status == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "psql: \(result.stderr)"])
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
