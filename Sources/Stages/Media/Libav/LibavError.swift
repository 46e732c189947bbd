/// A negative return from a libav call: the operation, av_strerror's text, and the last
/// message libav logged on this thread (often the real reason: "moov atom not found").
public struct LibavError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let code: Int32
    public let message: String
    public let detail: String

    public var description: String {
        let base = "\(operation): \(message)"
        guard !detail.isEmpty, detail != message else { return base }
        return "\(base) (\(detail))"
    }
}
