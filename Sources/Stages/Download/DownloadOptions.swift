/// Limits for one transfer.
public struct DownloadOptions: Sendable {
    /// Time allowed to connect (TCP and TLS).
    public var connectTimeout: Duration
    /// A transfer that moves no bytes for this long is abandoned.
    public var stallTimeout: Duration
    public var maxRedirects: Int
    /// Free space to leave on the temp volume; a download that would eat into it is refused.
    public var freeSpaceReserve: Int64
    public var userAgent: String

    public init(
        connectTimeout: Duration = .seconds(15), stallTimeout: Duration = .seconds(30), maxRedirects: Int = 5,
        freeSpaceReserve: Int64 = 256 << 20, userAgent: String = "MediaEngine/0.1"
    ) {
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
        self.maxRedirects = maxRedirects
        self.freeSpaceReserve = freeSpaceReserve
        self.userAgent = userAgent
    }
}

extension Duration {
    var milliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
