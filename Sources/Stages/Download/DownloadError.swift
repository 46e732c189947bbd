public import Engine

/// Why a download failed; each message names the URL (or path) and the cause. URLs are kept
/// redacted (`Redaction.url`): no password or token reaches a message.
public enum DownloadError: Error, Sendable, CustomStringConvertible {
    case http(url: String, status: Int, retryAfter: Duration?)
    case timedOut(url: String, reason: String)
    /// Connected, then no bytes for `seconds`.
    case stalled(url: String, seconds: Int)
    case truncated(url: String, received: UInt64, expected: Int64?)
    /// curl failed; `transient` when trying again may help (a refused or reset connection).
    case transfer(url: String, reason: String, transient: Bool)
    case noSpace(directory: String, needed: Int64?, available: Int64)
    case cannotWrite(path: String, reason: String)
    /// A local input that is a device, FIFO or socket: reading it may never end.
    case notARegularFile(path: String, kind: String)
    /// A response that does not end (a live stream: ICY headers, or more than `limit` bytes).
    case endless(url: String, reason: String)

    public var description: String {
        switch self {
        case .http(let url, let status, let retryAfter):
            "\(url): HTTP \(status)" + (retryAfter.map { " (retry after \(Int($0.components.seconds)) s)" } ?? "")
        case .timedOut(let url, let reason): "\(url): timed out (\(reason))"
        case .stalled(let url, let seconds): "\(url): stalled: no data for \(seconds) s"
        case .truncated(let url, let received, let expected):
            "\(url): connection closed after \(received) of \(expected.map(String.init) ?? "?") bytes"
        case .transfer(let url, let reason, _): "\(url): \(reason)"
        case .noSpace(let directory, let needed, let available):
            "not enough free space in \(directory): \(needed.map { "\($0) bytes needed, " } ?? "")\(available) bytes available above the reserve"
        case .cannotWrite(let path, let reason): "\(path): \(reason)"
        case .notARegularFile(let path, let kind): "\(path): is a \(kind), not a media file"
        case .endless(let url, let reason): "\(url): \(reason)"
        }
    }
}

extension DownloadError: ClassifiedError {
    public var kind: ItemErrorKind {
        switch self {
        case .http(_, let status, _): status >= 500 ? .http5xx : .http4xx
        case .timedOut, .stalled, .truncated, .transfer, .endless: .network
        case .noSpace, .cannotWrite: .disk
        case .notARegularFile: .config
        }
    }

    /// Servers that fail for a minute, connections that drop: worth another try. A 404, a
    /// full disk or a device named as input are not.
    public var isTransient: Bool {
        switch self {
        case .http(_, let status, _): status == 408 || status == 425 || status == 429 || status >= 500
        case .timedOut, .stalled, .truncated: true
        case .transfer(_, _, let transient): transient
        case .noSpace, .cannotWrite, .notARegularFile, .endless: false
        }
    }

    public var retryAfter: Duration? {
        if case .http(_, _, let retryAfter) = self { return retryAfter }
        return nil
    }
}
