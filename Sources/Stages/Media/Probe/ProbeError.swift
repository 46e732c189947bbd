/// Why a file could not be probed; each message names the file and the cause.
public enum ProbeError: Error, Sendable, CustomStringConvertible {
    /// The path does not exist or cannot be examined (`stat` failed).
    case unreadable(path: String, reason: String)
    /// A directory, FIFO, socket or device: opening it would fail or block.
    case notARegularFile(path: String, kind: String)
    /// libav could not open or read it.
    case libav(path: String, LibavError)
    /// libav opened it but found no audio, video or other stream.
    case noStreams(path: String)

    public var path: String {
        switch self {
        case .unreadable(let path, _), .notARegularFile(let path, _), .libav(let path, _), .noStreams(let path):
            path
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .notARegularFile(let path, let kind): "\(path): is a \(kind), not a media file"
        case .libav(let path, let error): "\(path): \(error)"
        case .noStreams(let path): "\(path): no media streams found"
        }
    }

    /// The same error about another name (the item's URL rather than the temp file probed).
    public func with(path: String) -> ProbeError {
        switch self {
        case .unreadable(_, let reason): .unreadable(path: path, reason: reason)
        case .notARegularFile(_, let kind): .notARegularFile(path: path, kind: kind)
        case .libav(_, let error): .libav(path: path, error)
        case .noStreams: .noStreams(path: path)
        }
    }

    /// libav's error code when libav failed, for ffprobe-style `error.code`.
    public var libavCode: Int32? {
        if case .libav(_, let error) = self { return error.code }
        return nil
    }
}
