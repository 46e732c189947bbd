package import Foundation
import Synchronization

/// The console's secrets: the sign-in token (only when bound beyond loopback), the signed-in
/// browser sessions, and the CSRF token every state-changing request carries. All live in
/// memory except the token, which the host keeps in the data directory.
package final class ConsoleSecurity: Sendable {
    /// Nil: bound to loopback, no sign-in.
    let token: String?
    /// Pages carry it (`<meta name="csrf-token">`, `GET /api/session`); a cross-site page cannot read it.
    package let csrfToken: String
    /// Signed-in sessions and when each ends (12 hours after its sign-in).
    private let sessions = Mutex<[String: Date]>([:])
    static let sessionLifetime: TimeInterval = 12 * 3600

    package init(token: String?) {
        self.token = token
        self.csrfToken = Self.randomToken()
    }

    package var requiresSignIn: Bool { token != nil }

    /// `Authorization: Bearer <token>` matches.
    func acceptsBearer(_ header: String?) -> Bool {
        guard let token, let header, header.hasPrefix("Bearer ") else { return false }
        return Self.equalInConstantTime(String(header.dropFirst(7)), token)
    }

    /// A sign-in with the token: a new session id for the cookie, or nil when it is wrong.
    func signIn(_ given: String) -> String? {
        guard let token, Self.equalInConstantTime(given, token) else { return nil }
        let session = Self.randomToken()
        let now = Date()
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value > now }
            sessions[session] = now.addingTimeInterval(Self.sessionLifetime)
        }
        return session
    }

    func isSession(_ id: String?) -> Bool {
        guard let id else { return false }
        return sessions.withLock { $0[id].map { $0 > Date() } ?? false }
    }

    func acceptsCSRF(_ given: String?) -> Bool {
        given.map { Self.equalInConstantTime($0, csrfToken) } ?? false
    }

    /// 32 random bytes as hex, from the system's secure generator.
    package static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func equalInConstantTime(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The data directory's console token, made (mode 0600) on first use: the token and
    /// whether it was just made (then the host prints it, once).
    package static func token(at path: URL) throws -> (token: String, created: Bool) {
        if let text = try? String(contentsOf: path, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return (text.trimmingCharacters(in: .whitespacesAndNewlines), false)
        }
        let token = randomToken()
        let fd = open(path.path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path.path]) }
        defer { close(fd) }
        let line = Array((token + "\n").utf8)
        guard write(fd, line, line.count) == line.count else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path.path]) }
        return (token, true)
    }
}
