internal import CCurl
internal import CMediaKernels
public import Engine
import Foundation

/// Fetches file://, http:// and https:// URLs with libcurl into a file, taking the SHA-256 of
/// the bytes as they arrive (in C, no second read). An HTTP download into a resumable file
/// continues where an earlier attempt stopped (a Range request guarded by If-Range); all
/// transfers of one downloader share its bandwidth cap.
public final class Downloader: Sendable {
    public let options: DownloadOptions
    private let handles = CurlHandlePool()
    private let bandwidth: BandwidthLimit?
    /// The disk lane's reserve, shared by this downloader's transfers.
    private let disk: DiskBudget

    /// `bandwidth`: a cap shared with other downloaders; by default one of `options.limitRate`.
    public init(options: DownloadOptions = DownloadOptions(), bandwidth: BandwidthLimit? = nil) {
        self.options = options
        self.bandwidth = bandwidth ?? options.limitRate.map { BandwidthLimit(bytesPerSecond: $0) }
        disk = DiskBudget(reserve: options.freeSpaceReserve, freeSpace: options.freeSpace)
    }

    /// A finished download: the file's size and SHA-256, and how much of it came over the network this time.
    public struct Result: Sendable {
        /// The file's size.
        public var bytes: UInt64
        public var sha256: SHA256Digest
        /// Bytes that came over the network this time (less than `bytes` after a resume).
        public var received: UInt64
        /// Bytes an earlier attempt had left that this one kept.
        public var resumedFrom: UInt64
        /// The transfer's own time (curl's total: name lookup to the last byte).
        public var seconds: Double
        /// A validator file beside the download exists (it was resumable): remove it with the file.
        public var keptValidator: Bool
    }

    /// Downloads `url` into `path`. `resumable`: the file (and its validator, `path.meta`) is
    /// kept from an earlier attempt at the same URL and continued when the server still has
    /// the same file; otherwise `path` is created or truncated. On failure or cancellation the
    /// partial file is left for the caller.
    /// `progress`: the transfer's live figures, listed in `TransferRegistry.shared` while it runs.
    ///
    /// An HTTP transfer runs on the process's curl multi loop, which holds no thread while it
    /// waits; its file is opened there too, unless a kept part is to be hashed first (then
    /// that is done on the blocking pool). A local file (`file://`) is copied on the blocking
    /// pool: curl reads it in one go, which would hold up every other transfer on the loop.
    public func download(_ url: String, to path: String, resumable: Bool = false, progress: TransferProgress? = nil) async throws -> Result {
        let sink = SinkBox()
        if let progress { TransferRegistry.shared.begin(progress) }
        defer { if let progress { TransferRegistry.shared.end(progress) } }
        defer { progress?.detach() }
        let isLocal = DownloadTransfer.isLocal(url)
        // A kept part is hashed on the blocking pool first; otherwise the loop opens the file.
        let keeps = resumable && (FileKind.size(of: path) ?? 0) > 0
        let prepared = keeps || isLocal ? try await BlockingIO.run { [self] in try prepare(url: url, path: path, resumable: resumable, sink: sink) } : nil
        if prepared != nil { progress?.attach(sink) }
        if let prepared, isLocal {
            return try await withTaskCancellationHandler {
                try await BlockingIO.run { [self] in try conclude(prepared, curl_easy_perform(prepared.easy)) }
            } onCancel: {
                sink.cancel()
            }
        }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Result, any Error>) in
                CurlMultiLoop.shared.start(
                    preparing: { [self] in
                        let transfer = try prepared ?? prepare(url: url, path: path, resumable: resumable, sink: sink)
                        if prepared == nil { progress?.attach(sink) }
                        return .init(easy: transfer.easy, sink: sink) { [self] code in
                            continuation.resume(with: Swift.Result { try conclude(transfer, code) })
                        }
                    },
                    failed: { continuation.resume(throwing: $0) })
            }
        } onCancel: {
            sink.cancel()
            CurlMultiLoop.shared.wake()
        }
    }

    /// The validator file beside a resumable download.
    public static func metaPath(_ path: String) -> String { path + ".meta" }

    /// Opens the file, continues what an earlier attempt kept, and sets up the easy handle.
    private func prepare(url: String, path: String, resumable: Bool, sink: SinkBox) throws -> DownloadTransfer {
        let transfer = DownloadTransfer(url: url, path: path, sink: sink, pool: handles)
        if transfer.isLocal, let local = URL(string: url) { try Self.requireRegularFile(local.path) }
        let directory = transfer.directory
        do {
            transfer.available = try disk.available(in: directory)
        } catch {
            throw DownloadError.cannotWrite(path: directory, reason: "\((error as NSError).localizedDescription)")
        }
        guard transfer.available > 0 else { throw DownloadError.noSpace(directory: directory, needed: nil, available: 0) }
        // The announced rest of the file is taken from the disk budget when the headers come.
        let ticket = DiskTicket(budget: disk, directory: directory)
        transfer.ticket = ticket
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC | (resumable ? 0 : O_TRUNC), 0o600)
        guard fd >= 0 else { throw DownloadError.cannotWrite(path: path, reason: String(errno: errno)) }
        transfer.fd = fd
        let hasher = try SHA256Hasher()
        transfer.hasher = hasher
        let validator = resumable ? try Self.resumePoint(fd: fd, path: path, url: url, hasher: hasher) : nil
        transfer.validator = validator
        let resumeFrom = validator?.bytes ?? 0
        mk_sink_init(sink.pointer, fd, hasher.context, transfer.available + resumeFrom, options.maxSize ?? -1)
        sink.pointer.pointee.resume_from = resumeFrom
        sink.pointer.pointee.bytes = UInt64(resumeFrom)
        if resumable, transfer.isHTTP {
            sink.pointer.pointee.meta_path = UnsafePointer(transfer.keep(Self.metaPath(path)))
            sink.pointer.pointee.url = UnsafePointer(transfer.keep(url))
        }
        if let validator {
            sink.pointer.pointee.validator = UnsafePointer(transfer.keep(validator.value))
            sink.pointer.pointee.validator_total = validator.total
        }
        sink.pointer.pointee.reserve = { context, bytes in
            Unmanaged<DiskTicket>.fromOpaque(context!).takeUnretainedValue().take(bytes) ? 0 : -1
        }
        sink.pointer.pointee.reserve_ctx = Unmanaged.passUnretained(ticket).toOpaque()
        if let bandwidth, !transfer.isLocal {  // the cap is the network's: a local copy is not paced
            sink.pointer.pointee.throttle = { context, bytes in
                Unmanaged<BandwidthLimit>.fromOpaque(context!).takeUnretainedValue().take(bytes).nanoseconds
            }
            sink.pointer.pointee.throttle_ctx = Unmanaged.passUnretained(bandwidth).toOpaque()
        }

        guard let handle = handles.checkOut() else { throw DownloadError.transfer(url: transfer.shown, reason: "curl_easy_init failed", transient: false) }
        transfer.handle = handle
        let h = handle.pointer
        _ = ccurl_setopt_string(h, CURLOPT_URL, url)
        _ = ccurl_setopt_pointer(h, CURLOPT_ERRORBUFFER, transfer.errorBuffer)
        _ = ccurl_setopt_string(h, CURLOPT_PROTOCOLS_STR, "http,https,file")
        _ = ccurl_setopt_string(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = ccurl_setopt_long(h, CURLOPT_FOLLOWLOCATION, 1)
        _ = ccurl_setopt_long(h, CURLOPT_MAXREDIRS, options.maxRedirects)
        _ = ccurl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeout.milliseconds)
        _ = ccurl_setopt_long(h, CURLOPT_LOW_SPEED_LIMIT, 1)
        _ = ccurl_setopt_long(h, CURLOPT_LOW_SPEED_TIME, stallSeconds)
        _ = ccurl_setopt_long(h, CURLOPT_FAILONERROR, 1)
        _ = ccurl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_setopt_long(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)  // a proxy's "200 Connection established" is no response
        _ = ccurl_setopt_string(h, CURLOPT_USERAGENT, options.userAgent)
        if sink.pointer.pointee.throttle != nil {
            // Paced: HTTP/1.1, where a paused transfer stops reading its socket. A paused HTTP/2
            // stream only shrinks its window, and curl would keep what the server still sends.
            _ = ccurl_setopt_long(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        } else {
            // Unpaced, reads of up to 100 KiB, as the curl tool's: a small file in one or two reads
            // and writes rather than libcurl's 16 KiB at a time. Paced transfers keep the small
            // reads, which the pacing meters out evenly.
            _ = ccurl_setopt_long(h, CURLOPT_BUFFERSIZE, 100 * 1024)
        }
        if let validator {
            // The rest of the file, if the server still has the same one; the whole file otherwise.
            _ = ccurl_setopt_string(h, CURLOPT_RANGE, "\(validator.bytes)-")
            transfer.headers = curl_slist_append(transfer.headers, "If-Range: \(validator.value)")
            _ = ccurl_setopt_pointer(h, CURLOPT_HTTPHEADER, transfer.headers)
        }
        guard mk_sink_install(h, sink.pointer) == 0 else {
            throw DownloadError.transfer(url: transfer.shown, reason: "curl could not take the download's callbacks", transient: false)
        }
        return transfer
    }

    private var stallSeconds: Int { max(1, options.stallTimeout.milliseconds / 1000) }

    /// What the finished transfer comes to: its result, or the error that names what went wrong.
    /// Runs on the thread that ran the transfer, which is done with it.
    private func conclude(_ transfer: DownloadTransfer, _ code: CURLcode) throws -> Result {
        defer { transfer.release() }
        let h = transfer.easy, sink = transfer.sink, path = transfer.path, directory = transfer.directory
        let resumeFrom = transfer.validator?.bytes ?? 0, available = transfer.available, validator = transfer.validator
        let isHTTP = transfer.isHTTP, stallSeconds = stallSeconds
        // What only an error says, made when one does (not for every finished download).
        var shown: String { transfer.shown }
        var detail: String { Redaction.scrub(String(cString: transfer.errorBuffer)) }
        // The transfer is over: its fields are read one by one (not `cancel`, which another
        // thread may still store to).
        let sinkError = sink.pointer.pointee.error, bytes = sink.pointer.pointee.bytes
        let expected = sink.pointer.pointee.expected_bytes >= 0 ? sink.pointer.pointee.expected_bytes : nil
        var failure: DownloadError {
            let detail = detail
            return .transfer(url: shown, reason: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail, transient: Self.isTransient(code))
        }
        switch code {
        case CURLE_OK where sinkError != 0:
            throw DownloadError.transfer(url: shown, reason: "a write into the file failed (\(sinkError))", transient: false)
        case CURLE_OK:
            var status = 0
            _ = ccurl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
            if isHTTP, !(200..<300).contains(status) {  // a final 3xx without a Location, say
                throw DownloadError.http(url: shown, status: status, retryAfter: nil)
            }
            if let expected, bytes != UInt64(expected) {  // a server that cut an open range short
                throw DownloadError.truncated(url: shown, received: bytes, expected: expected)
            }
            var micros: curl_off_t = 0
            _ = ccurl_getinfo_off(h, CURLINFO_TOTAL_TIME_T, &micros)
            return Result(
                bytes: bytes, sha256: try transfer.hasher!.finalize(), received: sink.pointer.pointee.received,
                resumedFrom: sink.pointer.pointee.restarted != 0 ? 0 : UInt64(resumeFrom), seconds: Double(micros) / 1e6,
                keptValidator: validator != nil || sink.pointer.pointee.meta_written != 0)
        case CURLE_HTTP_RETURNED_ERROR:
            var status = 0
            _ = ccurl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
            if status == 416, validator != nil {
                // The range is past the file's end: what is kept cannot be trusted; the next try starts over.
                unlink(Self.metaPath(path))
                throw DownloadError.transfer(
                    url: shown, reason: "HTTP 416: the server refused to continue the kept bytes; the next try starts over", transient: true)
            }
            var retryAfter: curl_off_t = 0
            _ = ccurl_getinfo_off(h, CURLINFO_RETRY_AFTER, &retryAfter)
            throw DownloadError.http(url: shown, status: status, retryAfter: retryAfter > 0 ? .seconds(retryAfter) : nil)
        case CURLE_OPERATION_TIMEDOUT:
            // Connected and then silent: the stall limit, not the connect one.
            var connected: curl_off_t = 0
            _ = ccurl_getinfo_off(h, CURLINFO_CONNECT_TIME_T, &connected)
            // A reused keep-alive connection has no connect time of its own: curl's low-speed text says it.
            if connected > 0 || detail.hasPrefix("Operation too slow") {
                throw DownloadError.stalled(url: shown, seconds: stallSeconds)
            }
            throw DownloadError.timedOut(url: shown, reason: detail.isEmpty ? "no connection" : detail)
        case CURLE_PARTIAL_FILE:
            throw DownloadError.truncated(url: shown, received: bytes, expected: expected)
        case CURLE_ABORTED_BY_CALLBACK, CURLE_WRITE_ERROR:
            switch sinkError {
            case Int32(MK_SINK_CANCELED): throw CancellationError()
            case Int32(MK_SINK_NO_SPACE):
                let needed = expected.map { $0 - resumeFrom }
                throw DownloadError.noSpace(directory: directory, needed: needed, available: max(0, (try? disk.available(in: directory)) ?? available))
            case Int32(MK_SINK_DIGEST_FAILED): throw ChecksumError.digestFailed("EVP_DigestUpdate")
            case Int32(MK_SINK_BAD_RANGE):
                unlink(Self.metaPath(path))
                throw DownloadError.transfer(
                    url: shown, reason: "the server's answer to the resume did not continue the kept bytes; the next try starts over",
                    transient: true)
            case Int32(MK_SINK_ENDLESS): throw DownloadError.endless(url: shown, reason: "a live stream (ICY headers): it never ends")
            case Int32(MK_SINK_TOO_LARGE):
                let limit = options.maxSize ?? 0
                throw DownloadError.endless(
                    url: shown,
                    reason: expected.map { "\($0) bytes, more than download.max_size (\(limit) bytes)" }
                        ?? "no end after download.max_size (\(limit) bytes)")
            case let errnoValue where errnoValue > 0:
                throw DownloadError.cannotWrite(path: path, reason: String(errno: errnoValue))
            default:
                throw failure
            }
        default:
            throw failure
        }
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
