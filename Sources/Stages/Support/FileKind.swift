import Foundation

/// What a path is when it is not a regular file: a directory, a FIFO, a device (and a file's
/// size). Named inputs that are not regular files are refused before anything opens them (a
/// FIFO blocks until a writer comes; `/dev/zero` never ends).
enum FileKind {
    /// "FIFO", "character device", …; nil for a regular file. Throws the errno text when the
    /// path cannot be examined.
    static func special(_ path: String) throws -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileKindError(reason: String(errno: errno)) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "directory"
        case S_IFIFO: return "FIFO"
        case S_IFSOCK: return "socket"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        default: return "special file"
        }
    }

    /// The size of the file at `path`; nil when there is none (or it cannot be examined).
    static func size(of path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }
}

struct FileKindError: Error {
    let reason: String
}
