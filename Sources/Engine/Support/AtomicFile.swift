import Foundation

/// Files that appear complete or not at all: written under a hidden temporary name in the
/// destination's folder (same volume), then renamed, or linked, into place. A crash leaves at
/// most a hidden `.…partial-…` file, never a short file under the final name.
public enum AtomicFile {
    /// A hidden temporary name beside `destination` that keeps its extension (libav and other
    /// tools choose a format from it): `<folder>/.<stem>.partial-<random>.<ext>`.
    public static func temporaryPath(beside destination: String) -> String {
        let folder = (destination as NSString).deletingLastPathComponent
        let name = (destination as NSString).lastPathComponent
        let ext = (name as NSString).pathExtension
        let stem = (name as NSString).deletingPathExtension
        return (folder.isEmpty ? "." : folder) + "/.\(stem).partial-\(UniqueName.next())"
            + (ext.isEmpty ? "" : ".\(ext)")
    }

    /// Runs `write` on a temporary path beside `destination`, then publishes the file there.
    /// When `write` throws (cancellation included) or publishing fails, the temporary file is
    /// removed and `destination` is untouched.
    public static func write<T>(
        to destination: String, replacing: Bool = true, _ write: (_ temporaryPath: String) throws -> T
    ) throws -> T {
        let temporary = temporaryPath(beside: destination)
        defer { unlink(temporary) }  // after a publish there is nothing left to remove
        let value = try write(temporary)
        try publish(temporary, at: destination, replacing: replacing)
        return value
    }

    /// `write(to:replacing:_:)` for asynchronous writers (a download).
    public static func write<T>(
        to destination: String, replacing: Bool = true, _ write: (_ temporaryPath: String) async throws -> T
    ) async throws -> T {
        let temporary = temporaryPath(beside: destination)
        defer { unlink(temporary) }
        let value = try await write(temporary)
        try publish(temporary, at: destination, replacing: replacing)
        return value
    }

    /// Moves the complete `file` to `destination` on the same volume. With `replacing`, a
    /// rename. Without, a rename that refuses an existing destination (`renameat2` with
    /// `RENAME_NOREPLACE`), so an existing file is never overwritten (`AtomicFileError.exists`);
    /// where that fails otherwise, a hard link and an unlink; where the file system has no hard
    /// links either, a check and a rename (callers that race for one name serialize themselves).
    public static func publish(_ file: String, at destination: String, replacing: Bool) throws {
        if !replacing, let renameNoReplace {
            if renameNoReplace(AT_FDCWD, file, AT_FDCWD, destination, 1 /* RENAME_NOREPLACE */) == 0 { return }
            if errno == EEXIST { throw AtomicFileError.exists(path: destination) }
            // Anything else (a file system or sandbox without the flag): the link below says what is wrong.
        }
        var status = replacing ? rename(file, destination) : link(file, destination)
        var code = errno
        if status != 0, !replacing, [EPERM, ENOTSUP, EOPNOTSUPP, EMLINK].contains(code) {
            if FileManager.default.fileExists(atPath: destination) { throw AtomicFileError.exists(path: destination) }
            status = rename(file, destination)
            code = errno
        }
        guard status == 0 else {
            if code == EEXIST { throw AtomicFileError.exists(path: destination) }
            throw AtomicFileError.cannotPublish(path: destination, reason: String(errno: code))
        }
        if !replacing { unlink(file) }
    }

    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// glibc's `renameat2` (2.28 and later), looked up at run time: Swift's Glibc module does
    /// not declare it (it is a GNU extension), and macOS has none.
    private static let renameNoReplace: RenameAt2? = {
        #if os(Linux)
        return dlsym(nil, "renameat2").map { unsafeBitCast($0, to: RenameAt2.self) }
        #else
        return nil
        #endif
    }()

    /// Whether `publish` without replacing is the one `renameat2` call here (else a link and an unlink).
    package static var publishesWithOneRename: Bool { renameNoReplace != nil }
}

/// Why a file could not be published under its final name.
public enum AtomicFileError: Error, Sendable, CustomStringConvertible {
    /// Another file already has the name (only when not replacing).
    case exists(path: String)
    case cannotPublish(path: String, reason: String)

    /// What went wrong, without the path.
    public var reason: String {
        switch self {
        case .exists: "another file already has this name"
        case .cannotPublish(_, let reason): reason
        }
    }

    public var description: String {
        switch self {
        case .exists(let path), .cannotPublish(let path, _): "\(path): \(reason)"
        }
    }
}
