public import Foundation

/// An S3 backend's secrets, read from the environment only (`<PREFIX>_ACCESS_KEY_ID`,
/// `<PREFIX>_SECRET_ACCESS_KEY`, optional `<PREFIX>_SESSION_TOKEN`): never stored, never
/// printed — its description names the key id's first characters and nothing else.
public struct S3Credentials: Sendable, CustomStringConvertible {
    public let accessKeyID: String
    public let secretAccessKey: String
    public let sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The credentials of backend `backend` from the variables named by `prefix`; a missing
    /// or empty one is an error naming the backend and the variable.
    public static func fromEnvironment(
        prefix: String, backend: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(S3Error) -> S3Credentials {
        func value(_ suffix: String) throws(S3Error) -> String {
            let name = "\(prefix)_\(suffix)"
            guard let value = environment[name], !value.isEmpty else { throw .missingCredential(backend: backend, variable: name) }
            return value
        }
        let token = environment["\(prefix)_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return S3Credentials(accessKeyID: try value("ACCESS_KEY_ID"), secretAccessKey: try value("SECRET_ACCESS_KEY"), sessionToken: token)
    }

    /// The secrets, for redacting them from any text that might carry them.
    var secrets: [String] { [secretAccessKey] + (sessionToken.map { [$0] } ?? []) }

    public var description: String { "credentials \(accessKeyID.prefix(4))…" }
}
