import Logging
import Stages
import Synchronization

/// The log level every logger follows: set once the settings are known (`log_level`), which
/// is after the logging system starts and after some loggers exist.
enum EngineLog {
    private static let level = Mutex<Logger.Level>(.error)

    static var current: Logger.Level { level.withLock { $0 } }

    private static let fileLimit = Mutex<Int64>(10 << 20)

    /// Past this size, `logs/engine.log` is rotated (`log_max_size`).
    static var fileMaxBytes: Int64 { fileLimit.withLock { $0 } }

    static func setFileMaxBytes(_ bytes: Int64?) {
        guard let bytes, bytes > 0 else { return }
        fileLimit.withLock { $0 = bytes }
    }

    static func setLevel(_ text: String?) {
        guard let chosen = text.flatMap(Logger.Level.init(rawValue:)) else { return }
        level.withLock { $0 = chosen }
    }
}

/// A log handler whose level is `EngineLog`'s, whatever it was when the logger was made: to
/// stderr at that level, and to the profile's log file (`LogFile`, once a runner opens it) at
/// `info` or that level, whichever says more.
struct FollowingLogHandler: LogHandler {
    var inner: StreamLogHandler
    let label: String

    init(label: String, inner: StreamLogHandler) {
        self.label = label
        self.inner = inner
    }

    static var fileLevel: Logger.Level { min(.info, EngineLog.current) }

    var logLevel: Logger.Level {
        get { LogFile.current.withLock { $0 } == nil ? EngineLog.current : Self.fileLevel }
        set {}  // one level for the process: the setting's
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        if event.level >= EngineLog.current { inner.log(event: event) }
        if event.level >= Self.fileLevel, let file = LogFile.current.withLock({ $0 }) { file.append(event, label: label) }
    }
}
