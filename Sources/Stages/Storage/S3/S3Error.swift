/// What an S3 backend reports: each names the backend, and the key where there is one; none
/// carries a secret (the request's signature, token and credentials never reach a message).
public enum S3Error: Error, Sendable, CustomStringConvertible {
    case missingCredential(backend: String, variable: String)
    case invalidSetting(backend: String, reason: String)
    /// An error response: its HTTP status and S3's code and message.
    case http(backend: String, operation: String, key: String?, status: Int, code: String?, message: String?)
    case transfer(backend: String, operation: String, key: String?, reason: String, transient: Bool)
    /// The object store answered with an ETag other than the bytes sent give.
    case checksumMismatch(backend: String, key: String, expected: String, got: String)
    case cannotRead(path: String, reason: String)
    case unknownBackend(String, known: [String])

    public var description: String {
        switch self {
        case .missingCredential(let backend, let variable):
            "backend '\(backend)': \(variable) is not set (its credentials come from the environment only)"
        case .invalidSetting(let backend, let reason): "backend '\(backend)': \(reason)"
        case .http(let backend, let operation, let key, let status, let code, let message):
            "backend '\(backend)': \(operation)\(key.map { " \($0)" } ?? ""): HTTP \(status)"
                + (code.map { " \($0)" } ?? "") + (message.map { ": \($0)" } ?? "")
        case .transfer(let backend, let operation, let key, let reason, _):
            "backend '\(backend)': \(operation)\(key.map { " \($0)" } ?? ""): \(reason)"
        case .checksumMismatch(let backend, let key, let expected, let got):
            "backend '\(backend)': \(key): the stored object's ETag is \(got), the bytes sent give \(expected)"
        case .cannotRead(let path, let reason): "\(path): \(reason)"
        case .unknownBackend(let name, let known):
            "unknown backend '\(name)'" + (known.isEmpty ? " (none added: `engine backend add s3 NAME …`)" : " (known: \(known.joined(separator: ", ")))")
        }
    }

    /// Worth another try: throttling, a server error, a dropped connection.
    public var isTransient: Bool {
        switch self {
        case .http(_, _, _, let status, let code, _): status >= 500 || status == 429 || code == "SlowDown" || code == "RequestTimeout"
        case .transfer(_, _, _, _, let transient): transient
        default: false
        }
    }
}
