import Engine
import Foundation
import Logging
import Synchronization

/// The profile's log, `logs/engine.log`: every process that runs jobs appends what it logs at
/// `info` and above (or below, when `log_level` asks for more) as one JSON object a line,
/// secrets scrubbed. Past `log_max_size` the file is rotated: `engine.log.1` … `engine.log.<keep>`.
final class LogFile: Sendable {
    static let keep = 3
    /// UTC with milliseconds, made once (not a formatter per line).
    static let time = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
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
            ("time", .string(Date().formatted(Self.time))),
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
