/// One metadata tag as the container stores it (key case preserved).
public struct MediaTag: Sendable, Hashable {
    public let key: String
    public let value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

extension Array where Element == MediaTag {
    /// The first value whose key matches `key` ignoring case (`title`, `TITLE`, `Title`).
    public func value(for key: String) -> String? {
        first { $0.key.caseInsensitiveCompare(key) == .orderedSame }?.value
    }
}
