public import Foundation

/// Where a PostgreSQL store is: `postgres://USER@HOST:PORT/DB[?sslmode=disable|prefer|require]`.
/// The password is never part of it (a URL is logged, shown and recorded): it comes from
/// `ENGINE_STORE_PASSWORD`, `PGPASSWORD` or `~/.pgpass`, as libpq reads them.
public struct PostgresStoreURL: Sendable, Equatable, CustomStringConvertible {
    /// Whether the connection uses TLS (`sslmode` in the URL; libpq's verify modes are taken as `require`).
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode

    /// Parses `text`; a URL with a password, or that is not `postgres://` / `postgresql://`
    /// with a user, host and database, is refused with a one-line reason.
    public init(_ text: String) throws(PostgresStoreURLError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else { throw .invalid("it is not a postgres://USER@HOST:PORT/DB URL") }
        guard components.password == nil else {
            throw .invalid("it holds a password; give it in ENGINE_STORE_PASSWORD, PGPASSWORD or ~/.pgpass instead")
        }
        guard let user = components.user, !user.isEmpty else { throw .invalid("it names no user (postgres://USER@HOST/DB)") }
        guard let host = components.host, !host.isEmpty else { throw .invalid("it names no host") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw .invalid("it names no database (postgres://USER@HOST/DB)") }
        self.user = user.removingPercentEncoding ?? user
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 5432
        self.database = database.removingPercentEncoding ?? database
        self.tls = .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value ?? "" {
                case "disable", "allow": tls = .disable
                case "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw .invalid("sslmode '\(item.value ?? "")' is not one of disable, prefer, require")
                }
            default: throw .invalid("'\(item.name)' is not a known parameter (only sslmode is)")
            }
        }
    }

    /// The URL as given (it never holds a password), normalized.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)" + (tls == .prefer ? "" : "?sslmode=\(tls.rawValue)")
    }

    /// The password for this URL: `ENGINE_STORE_PASSWORD`, else `PGPASSWORD`, else the first
    /// matching line of `PGPASSFILE` or `~/.pgpass` (ignored, as libpq does, when others may read it).
    public func password(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let password = environment["ENGINE_STORE_PASSWORD"], !password.isEmpty { return password }
        if let password = environment["PGPASSWORD"], !password.isEmpty { return password }
        let file = environment["PGPASSFILE"] ?? environment["HOME"].map { "\($0)/.pgpass" }
        guard let file, let text = Self.privateFile(file) else { return nil }
        return Self.passwordLine(in: text, host: host, port: port, database: database, user: user)
    }

    /// The file's text, when it is a regular file only its owner may read or write.
    private static func privateFile(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_mode & 0o077 == 0 else { return nil }
        return try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// The password of the first `host:port:database:user:password` line that matches (`*`
    /// matches anything; `\:` and `\\` are escapes), as libpq's `passwordFromFile`.
    static func passwordLine(in text: String, host: String, port: Int, database: String, user: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            var fields: [String] = [""]
            var escaped = false
            for character in line {
                if escaped {
                    fields[fields.count - 1].append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == ":" && fields.count < 5 {
                    fields.append("")
                } else {
                    fields[fields.count - 1].append(character)
                }
            }
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            let matches = zip(fields.prefix(4), wanted).allSatisfy { field, value in field == "*" || field == value }
            if matches { return fields[4] }
        }
        return nil
    }
}

/// A store URL that cannot be used, with the reason.
public enum PostgresStoreURLError: Error, Sendable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let reason): "the store URL is not usable: \(reason)" }
    }
}
