import Engine
import Foundation
import Logging
import Synchronization

/// The profile's log, `logs/engine.log`: every process that runs jobs appends what it logs at
/// `info` and above (or below, when `log_level` asks for more) as one JSON object a line,
/// secrets scrubbed. Past `log_max_size` the file is rotated: `engine.log.1` … `engine.log.<keep>`.
final class LogFile: Sendable {
    static let keep = 3
    /// Now, in UTC with milliseconds (`2026-12-05T07:10:11.123Z`, what ISO 8601 with
    /// fractional seconds gives), from the C clock: a line per stored item makes a formatter's
    /// cost show in an ingest of small files.
    static func time() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(digits(parts.tm_year + 1900, 4))-\(digits(parts.tm_mon + 1, 2))-\(digits(parts.tm_mday, 2))T"
            + "\(digits(parts.tm_hour, 2)):\(digits(parts.tm_min, 2)):\(digits(parts.tm_sec, 2)).\(digits(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
    /// The file this process appends to, once a runner opens it (none before).
    static let current = Mutex<LogFile?>(nil)

    private let path: String
    private let state: Mutex<(fd: Int32, size: Int64)>

    init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("engine.log").path
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DataDirectoryError.cannotCreate(path: path, reason: String(errno: errno)) }
        state = Mutex((fd: fd, size: Int64(lseek(fd, 0, SEEK_END))))
    }

    deinit { _ = state.withLock { close($0.fd) } }

    /// Starts appending this process's log to the profile's `logs/engine.log`.
    static func start(in directory: DataDirectory) {
        current.withLock { $0 = try? LogFile(directory: directory.logs) }
    }

    func append(_ event: LogEvent, label: String) {
        var object: [(String, JSONValue)] = [
            ("time", .string(Self.time())),
            ("level", .string(event.level.rawValue)), ("label", .string(label)), ("message", .string(Redaction.scrub("\(event.message)"))),
            ("pid", .int(Int64(getpid()))),
        ]
        if let metadata = event.metadata, !metadata.isEmpty {
            object.append(("metadata", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string(Redaction.scrub("\($0.value)"))) })))
        }
        let line = Array((JSONValue.object(object).serialized(pretty: false) + "\n").utf8)
        state.withLock { state in
            if state.size + Int64(line.count) > EngineLog.fileMaxBytes, state.size > 0 { rotate(&state) }
            if write(state.fd, line, line.count) > 0 { state.size += Int64(line.count) }
        }
    }

    /// engine.log → engine.log.1 → … → engine.log.<keep> (the oldest dropped); a new engine.log.
    private func rotate(_ state: inout (fd: Int32, size: Int64)) {
        for index in stride(from: Self.keep - 1, through: 1, by: -1) { rename("\(path).\(index)", "\(path).\(index + 1)") }
        rename(path, "\(path).1")
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }  // keep writing to the renamed file rather than lose lines
        close(state.fd)
        state = (fd, 0)
    }
}
