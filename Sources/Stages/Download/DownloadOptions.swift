/// Limits for one transfer.
public struct DownloadOptions: Sendable {
    /// Time allowed to connect (TCP and TLS).
    public var connectTimeout: Duration
    /// A transfer that moves no bytes for this long is abandoned.
    public var stallTimeout: Duration
    public var maxRedirects: Int
    /// Free space to leave on the temp volume; a download that would eat into it is refused.
    public var freeSpaceReserve: Int64
    /// Bytes free on a directory's volume (`statvfs`; a test may give its own).
    public var freeSpace: (@Sendable (String) throws -> Int64)? = nil
    public var userAgent: String
    /// A response past this size is stopped (a live stream that never ends): `download.max_size`.
    public var maxSize: Int64?
    /// All transfers of this downloader together stay under this many bytes per second.
    public var limitRate: Int64?

    public init(
        connectTimeout: Duration = .seconds(15), stallTimeout: Duration = .seconds(30), maxRedirects: Int = 5,
        freeSpaceReserve: Int64 = 256 << 20, userAgent: String = "MediaEngine/0.1", maxSize: Int64? = 4 << 30,
        limitRate: Int64? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
        self.maxRedirects = maxRedirects
        self.freeSpaceReserve = freeSpaceReserve
        self.userAgent = userAgent
        self.maxSize = maxSize
        self.limitRate = limitRate
    }
}

extension Duration {
    var milliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
