public import Foundation

/// Where a profile's state lives: database, library, temp, exports, logs, config. The root is
/// the data dir (`--data-dir`, else `ENGINE_DATA_DIR`, else `$XDG_DATA_HOME/media-engine`,
/// `~/.local/share/media-engine`) for the default profile, `<data dir>/profiles/NAME` for
/// another; the library and temp folders may be placed elsewhere (another volume). The
/// program never writes beside its binary.
public struct DataDirectory: Sendable {
    public let root: URL
    public let library: URL
    public let temporary: URL

    /// `library` and `temporary` default to `root/library` and `root/tmp`.
    public init(root: URL, library: URL? = nil, temporary: URL? = nil) {
        self.root = root.standardizedFileURL
        self.library = (library ?? root.appendingPathComponent("library")).standardizedFileURL
        self.temporary = (temporary ?? root.appendingPathComponent("tmp")).standardizedFileURL
    }

    /// `$XDG_DATA_HOME/media-engine`, `$HOME` first as every XDG program does (the password
    /// file's home is for a login).
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? home.appendingPathComponent(".local/share")
        return dataHome.appendingPathComponent("media-engine")
    }

    public var database: URL { root.appendingPathComponent("engine.sqlite") }
    public var lockFile: URL { root.appendingPathComponent("runner.lock") }
    public var logs: URL { root.appendingPathComponent("logs") }
    public var exports: URL { root.appendingPathComponent("exports") }
    /// Kept copies of fetched feeds and pages, with their validators (conditional GETs).
    public var pageCache: URL { root.appendingPathComponent("cache/pages") }

    /// Creates the directory and its library and temp folders; a data directory made here is
    /// for its owner only (0700: the database holds the URLs it downloads, passwords and all).
    public func prepare() throws {
        for folder in [root, library, temporary] {
            do {
                let attributes: [FileAttributeKey: Any]? = folder == root ? [.posixPermissions: 0o700] : nil
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: attributes)
            } catch {
                throw DataDirectoryError.cannotCreate(path: folder.path, reason: error.localizedDescription)
            }
        }
    }

    /// Takes the runner lock: one runner per data directory. Released when the lock is freed
    /// or the process ends (even by a crash).
    public func lockRunner() throws -> RunnerLock {
        try lock(lockFile)
    }

    /// Takes the console lock: one `engine serve` per profile.
    public func lockConsole() throws -> RunnerLock {
        try lock(root.appendingPathComponent("console.lock"))
    }

    private func lock(_ lockFile: URL) throws -> RunnerLock {
        let fd = open(lockFile.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DataDirectoryError.cannotCreate(path: lockFile.path, reason: String(errno: errno))
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let holder = count > 0 ? Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) : nil
            throw lockFile == self.lockFile
                ? DataDirectoryError.locked(path: root.path, pid: holder) : DataDirectoryError.consoleLocked(path: root.path, pid: holder)
        }
        // The holder's pid, for the message a second runner gets.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        return RunnerLock(fd: fd)
    }

    /// Deletes what a crashed run left in the temp folder, but for partial downloads (which
    /// `PartialDownloads.sweep` keeps while their items are open). Only files of the names the
    /// engine gives are touched (`isEngineTemporaryFile`): a temp folder set to hold anything
    /// else loses nothing. Call only while holding the lock.
    public func removeStaleTemporaryFiles() {
        for name in Self.leftovers(in: temporary) { unlink(temporary.appendingPathComponent(name).path) }
    }

    /// The engine's own files in a temp folder but for partial downloads: a crashed run's.
    public static func leftovers(in temporary: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []).filter {
            isEngineTemporaryFile($0) && !PartialDownloads.isPartial($0)
        }.sorted()
    }

    /// A name the engine gives a temp file: a `UniqueName` (or, from earlier versions, a UUID)
    /// and a suffix (`StageContext.temporaryPath`, fetched playlists), or a job item's partial download.
    public static func isEngineTemporaryFile(_ name: String) -> Bool {
        PartialDownloads.isPartial(name) || UniqueName.begins(name) || (name.count >= 36 && UUID(uuidString: String(name.prefix(36))) != nil)
    }
}

/// Holds the runner lock of a data directory until deinit.
public final class RunnerLock: Sendable {
    private let fd: Int32

    init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// Why the data directory, or its runner lock, could not be had.
public enum DataDirectoryError: Error, Sendable, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case locked(path: String, pid: Int32?)
    case consoleLocked(path: String, pid: Int32?)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason): "cannot create \(path): \(reason)"
        case .locked(let path, let pid):
            "another engine runner\(pid.map { " (pid \($0))" } ?? "") is using the data directory \(path) (runner.lock is held)"
        case .consoleLocked(let path, let pid):
            "another engine serve\(pid.map { " (pid \($0))" } ?? "") is serving the data directory \(path) (console.lock is held)"
        }
    }
}
