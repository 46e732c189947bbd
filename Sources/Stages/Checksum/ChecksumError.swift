/// Why a checksum could not be taken; each message names the file and the cause.
public enum ChecksumError: Error, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case readFailed(path: String, reason: String)
    /// OpenSSL could not allocate or run the digest.
    case digestFailed(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "\(path): \(reason)"
        case .readFailed(let path, let reason): "\(path): read failed: \(reason)"
        case .digestFailed(let what): "SHA-256 failed: \(what)"
        }
    }
}
