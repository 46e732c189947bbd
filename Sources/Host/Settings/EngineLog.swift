import Logging
import Synchronization

/// The log level every logger follows: set once the settings are known (`log_level`), which
/// is after the logging system starts and after some loggers exist.
enum EngineLog {
    private static let level = Mutex<Logger.Level>(.error)

    static var current: Logger.Level { level.withLock { $0 } }

    static func setLevel(_ text: String?) {
        guard let chosen = text.flatMap(Logger.Level.init(rawValue:)) else { return }
        level.withLock { $0 = chosen }
    }
}

/// A log handler whose level is `EngineLog`'s, whatever it was when the logger was made.
struct FollowingLogHandler: LogHandler {
    var inner: StreamLogHandler

    var logLevel: Logger.Level {
        get { EngineLog.current }
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
        inner.log(event: event)
    }
}
