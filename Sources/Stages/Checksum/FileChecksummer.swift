internal import CMediaKernels
import Foundation

/// SHA-256 of whole files, streamed through one fixed buffer (never the whole file in memory).
/// Reuse one instance for many files; it is not thread-safe.
public final class FileChecksummer {
    public static let defaultBufferSize = 1 << 20

    private let hasher: SHA256Hasher
    private let buffer: UnsafeMutableRawBufferPointer

    public init(bufferSize: Int = FileChecksummer.defaultBufferSize) throws(ChecksumError) {
        precondition(bufferSize > 0, "buffer size must be positive")
        hasher = try SHA256Hasher()
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// The digest and byte count of the file at `path`, or of standard input for `-`.
    public func sha256(path: String) throws(ChecksumError) -> (digest: SHA256Digest, bytes: UInt64) {
        let fd: Int32 = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(errno: errno)) }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var total: UInt64 = 0
        let status = mk_sha256_update_fd(hasher.context, fd, buffer.baseAddress, buffer.count, &total)
        if status < 0 {
            _ = try? hasher.finalize()  // reset for the next file
            throw .readFailed(path: path, reason: String(errno: -status))
        }
        return (try hasher.finalize(), total)
    }
}
