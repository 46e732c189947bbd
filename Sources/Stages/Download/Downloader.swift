internal import CCurl
internal import CMediaKernels
import Engine
public import Foundation

/// Fetches file://, http:// and https:// URLs with libcurl into a file, taking the SHA-256 of
/// the bytes as they arrive (in C, no second read).
public final class Downloader: Sendable {
    public let options: DownloadOptions
    private let handles = CurlHandlePool()

    public init(options: DownloadOptions = DownloadOptions()) {
        self.options = options
    }

    public struct Result: Sendable {
        public var bytes: UInt64
        public var sha256: SHA256Digest
    }

    /// Downloads `url` into `path` (created or truncated). On failure or cancellation the
    /// partial file is left for the caller's cleanup (it is a registered temp file).
    public func download(_ url: String, to path: String) async throws -> Result {
        let sink = SinkBox()
        return try await withTaskCancellationHandler {
            try await BlockingIO.run { [options, handles] in
                try Self.perform(url: url, path: path, sink: sink, options: options, handles: handles)
            }
        } onCancel: {
            sink.cancel()
        }
    }

    /// Fetches a small text resource (a remote playlist) through a temp file.
    public func fetchText(_ url: URL, temporaryDirectory: URL) async throws -> String {
        let path = temporaryDirectory.appendingPathComponent(UUID().uuidString + ".playlist").path
        defer { unlink(path) }
        _ = try await download(url.absoluteString, to: path)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    private static func perform(
        url: String, path: String, sink: SinkBox, options: DownloadOptions, handles: CurlHandlePool
    ) throws -> Result {
        let directory = (path as NSString).deletingLastPathComponent
        let available = try freeBytes(directory) - options.freeSpaceReserve
        guard available > 0 else { throw DownloadError.noSpace(directory: directory, needed: nil, available: max(0, available)) }

        let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DownloadError.cannotWrite(path: path, reason: String(errno: errno)) }
        defer { close(fd) }
        let hasher = try SHA256Hasher()
        mk_sink_init(sink.pointer, fd, hasher.context, available)

        guard let handle = handles.checkOut() else { throw DownloadError.transfer(url: url, reason: "curl_easy_init failed") }
        defer { handles.checkIn(handle) }
        let h = handle.pointer
        let stallSeconds = max(1, options.stallTimeout.milliseconds / 1000)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buffer in
            _ = ccurl_setopt_string(h, CURLOPT_URL, url)
            _ = ccurl_setopt_pointer(h, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            _ = ccurl_setopt_string(h, CURLOPT_PROTOCOLS_STR, "http,https,file")
            _ = ccurl_setopt_string(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
            _ = ccurl_setopt_long(h, CURLOPT_FOLLOWLOCATION, 1)
            _ = ccurl_setopt_long(h, CURLOPT_MAXREDIRS, options.maxRedirects)
            _ = ccurl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeout.milliseconds)
            _ = ccurl_setopt_long(h, CURLOPT_LOW_SPEED_LIMIT, 1)
            _ = ccurl_setopt_long(h, CURLOPT_LOW_SPEED_TIME, stallSeconds)
            _ = ccurl_setopt_long(h, CURLOPT_FAILONERROR, 1)
            _ = ccurl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
            _ = ccurl_setopt_string(h, CURLOPT_USERAGENT, options.userAgent)
            guard mk_sink_install(h, sink.pointer) == 0 else { return CURLE_FAILED_INIT }
            return curl_easy_perform(h)
        }
        let detail = String(nulTerminated: errorBuffer)
        let state = sink.pointer.pointee
        let expected = state.expected_bytes >= 0 ? state.expected_bytes : nil
        let failure = DownloadError.transfer(url: url, reason: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        switch code {
        case CURLE_OK:
            return Result(bytes: state.bytes, sha256: try hasher.finalize())
        case CURLE_HTTP_RETURNED_ERROR:
            var status = 0
            _ = ccurl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
            throw DownloadError.http(url: url, status: status)
        case CURLE_OPERATION_TIMEDOUT:
            // Connected and then silent: the stall limit, not the connect one.
            var connected: curl_off_t = 0
            _ = ccurl_getinfo_off(h, CURLINFO_CONNECT_TIME_T, &connected)
            // A reused keep-alive connection has no connect time of its own: curl's low-speed text says it.
            if connected > 0 || detail.hasPrefix("Operation too slow") {
                throw DownloadError.stalled(url: url, seconds: stallSeconds)
            }
            throw DownloadError.timedOut(url: url, reason: detail.isEmpty ? "no connection" : detail)
        case CURLE_PARTIAL_FILE:
            throw DownloadError.truncated(url: url, received: state.bytes, expected: expected)
        case CURLE_ABORTED_BY_CALLBACK, CURLE_WRITE_ERROR:
            switch state.error {
            case Int32(MK_SINK_CANCELED): throw CancellationError()
            case Int32(MK_SINK_NO_SPACE):
                throw DownloadError.noSpace(directory: directory, needed: expected, available: available)
            case Int32(MK_SINK_DIGEST_FAILED): throw ChecksumError.digestFailed("EVP_DigestUpdate")
            case let errnoValue where errnoValue > 0:
                throw DownloadError.cannotWrite(path: path, reason: String(errno: errnoValue))
            default:
                throw failure
            }
        default:
            throw failure
        }
    }

    private static func freeBytes(_ directory: String) throws -> Int64 {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else {
            throw DownloadError.cannotWrite(path: directory, reason: String(errno: errno))
        }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}

/// Owns the C `mk_sink` of one transfer. @unchecked Sendable: the transfer thread owns every
/// field but `cancel`, which other threads set only through `mk_sink_cancel` (an atomic store).
final class SinkBox: @unchecked Sendable {
    let pointer = UnsafeMutablePointer<mk_sink>.allocate(capacity: 1)

    init() {
        pointer.initialize(to: mk_sink())  // all zero: not cancelled
    }

    func cancel() {
        mk_sink_cancel(pointer)
    }

    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}
