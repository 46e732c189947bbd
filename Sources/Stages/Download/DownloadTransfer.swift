internal import CCurl
import Engine
import Foundation

/// What one download holds while it runs — the file, the hasher, its share of the disk budget,
/// the easy handle and the C strings curl points at — given back by `release()` once the
/// transfer is over, or by `deinit` when setting it up failed half way.
/// @unchecked Sendable: set up on one thread, then handed to the thread that runs the transfer
/// (the multi loop or the blocking pool) and read there; never touched by two at once.
final class DownloadTransfer: @unchecked Sendable {
    let url: String
    /// The URL as errors show it (credentials and tokens redacted): made when an error needs it.
    var shown: String { Redaction.url(url) }
    let path: String
    let directory: String
    let sink: SinkBox
    let isHTTP: Bool
    let isLocal: Bool
    /// curl's own words for a failure (CURLOPT_ERRORBUFFER).
    let errorBuffer: UnsafeMutablePointer<CChar>
    var available: Int64 = 0
    var fd: Int32 = -1
    var hasher: SHA256Hasher?
    var validator: (bytes: Int64, value: String, total: Int64)?
    var ticket: DiskTicket?
    var handle: CurlHandlePool.Handle?
    var headers: UnsafeMutablePointer<curl_slist>?
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private let pool: CurlHandlePool

    init(url: String, path: String, sink: SinkBox, pool: CurlHandlePool) {
        self.url = url
        self.path = path
        directory = (path as NSString).deletingLastPathComponent
        self.sink = sink
        self.pool = pool
        isHTTP = url.prefix(4).lowercased() == "http"
        isLocal = Self.isLocal(url)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    /// A `file://` URL: copied on the blocking pool, not on the transfer loop.
    static func isLocal(_ url: String) -> Bool { url.prefix(5).lowercased() == "file:" }

    /// The easy handle (set up before the transfer starts).
    var easy: UnsafeMutableRawPointer { handle!.pointer }

    /// A C copy of `string` that lives as long as the transfer.
    func keep(_ string: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(string)!
        strings.append(copy)
        return copy
    }

    /// Closes the file, gives back the disk budget and the handle; once.
    func release() {
        if fd >= 0 { close(fd) }
        fd = -1
        ticket?.giveBack()
        ticket = nil
        if let handle { pool.checkIn(handle) }
        handle = nil
        curl_slist_free_all(headers)
        headers = nil
        for string in strings { free(string) }
        strings = []
    }

    deinit {
        release()
        errorBuffer.deallocate()
    }
}
