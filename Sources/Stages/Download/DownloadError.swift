/// Why a download failed; each message names the URL (or path) and the cause.
public enum DownloadError: Error, Sendable, CustomStringConvertible {
    case http(url: String, status: Int)
    case timedOut(url: String, reason: String)
    /// Connected, then no bytes for `seconds`.
    case stalled(url: String, seconds: Int)
    case truncated(url: String, received: UInt64, expected: Int64?)
    case transfer(url: String, reason: String)
    case noSpace(directory: String, needed: Int64?, available: Int64)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .http(let url, let status): "\(url): HTTP \(status)"
        case .timedOut(let url, let reason): "\(url): timed out (\(reason))"
        case .stalled(let url, let seconds): "\(url): stalled: no data for \(seconds) s"
        case .truncated(let url, let received, let expected):
            "\(url): connection closed after \(received) of \(expected.map(String.init) ?? "?") bytes"
        case .transfer(let url, let reason): "\(url): \(reason)"
        case .noSpace(let directory, let needed, let available):
            "not enough free space in \(directory): \(needed.map { "\($0) bytes needed, " } ?? "")\(available) bytes available above the reserve"
        case .cannotWrite(let path, let reason): "\(path): \(reason)"
        }
    }
}
