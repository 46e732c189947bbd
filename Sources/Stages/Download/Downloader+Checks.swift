internal import CCurl
internal import CMediaKernels
import Foundation

/// What a download checks before it starts: the partial an earlier attempt left, the kind of a
/// local file, and which curl failures are worth another try.
extension Downloader {
    /// What an earlier attempt left in `fd` and the validator it was sent with, when both are
    /// there and belong to `url`: its bytes are fed to `hasher` (so the digest covers the whole
    /// file) and the transfer asks for the rest. Otherwise the file is emptied.
    static func resumePoint(fd: Int32, path: String, url: String, hasher: SHA256Hasher) throws
        -> (bytes: Int64, value: String, total: Int64)?
    {
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return nil }  // nothing kept (the common case): no validator to read
        let lines = (try? String(contentsOfFile: metaPath(path), encoding: .utf8))?.split(separator: "\n", omittingEmptySubsequences: false)
        guard let lines, lines.count >= 2, lines[0] == url, !lines[1].isEmpty,
            let total = Int64(lines.count > 2 ? lines[2] : "-1"), total < 0 || Int64(size) < total
        else {
            guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else { throw DownloadError.cannotWrite(path: path, reason: String(errno: errno)) }
            return nil
        }
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw DownloadError.cannotWrite(path: path, reason: String(errno: errno)) }
        var read: UInt64 = 0
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        let status = mk_sha256_update_fd(hasher.context, fd, buffer, 1 << 20, &read)
        guard status == 0, read == UInt64(size) else {
            throw DownloadError.cannotWrite(path: path, reason: status < 0 ? String(errno: -status) : "changed while being read")
        }
        return (Int64(size), String(lines[1]), total)
    }

    /// A device, FIFO or socket named as a media file would be read forever (`/dev/zero`) or
    /// block: refused before curl opens it.
    static func requireRegularFile(_ path: String) throws {
        // A path that cannot be examined: curl's open says why, in its own words.
        if let kind = (try? FileKind.special(path)) ?? nil { throw DownloadError.notARegularFile(path: path, kind: kind) }
    }

    /// Errors that another try may not meet: a refused, reset or dropped connection, a
    /// timeout, a failed name lookup. A bad URL, a missing local file or a TLS certificate
    /// problem will fail the same way again.
    static func isTransient(_ code: CURLcode) -> Bool {
        [
            CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_OPERATION_TIMEDOUT,
            CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
            CURLE_SSL_CONNECT_ERROR,
        ].contains(code)
    }
}
