internal import CCurl
internal import CMediaKernels
import Engine
public import Foundation

/// Fetches small text resources — a feed, a remote playlist, a catalog page — into memory
/// (at most 16 MiB), following redirects, taking a compressed answer, and trying a transient
/// failure (a 5xx, 429, a dropped connection) twice more. A request with headers of its own (an
/// API key) follows a redirect only to the same scheme, host and port; elsewhere it goes
/// without them. With a cache folder, a `conditional` fetch whose response carries an `ETag`
/// or `Last-Modified` is kept there, and the next one of the same URL asks with
/// `If-None-Match` / `If-Modified-Since`: a `304 Not Modified` is answered from the kept copy
/// without a body crossing the network.
public final class PageFetcher: Sendable {
    /// A fetched page's text.
    public struct Page: Sendable {
        public var text: String
        /// The server answered 304: `text` is the kept copy.
        public var notModified: Bool
    }

    let options: DownloadOptions
    let cache: URL?
    /// What a response may hold (mk_http's MK_HTTP_MEMORY_CAP), and a local file too.
    static let memoryCap = 16 << 20
    /// Tries of a transient failure, and the pause before the second (doubled each time).
    let attempts: Int
    let backoff: Duration
    private let handles = CurlHandlePool()

    public init(options: DownloadOptions = DownloadOptions(), cache: URL? = nil, attempts: Int = 3, backoff: Duration = .milliseconds(250)) {
        self.options = options
        self.cache = cache
        self.attempts = max(1, attempts)
        self.backoff = backoff
    }

    /// The resource's text (UTF-8, else Latin-1). `file://` URLs are read from disk (a regular
    /// file of at most 16 MiB). `conditional`: asked with the kept copy's validators, kept if
    /// the answer has some (a feed; a catalog page or a search is not kept).
    public func fetch(_ url: URL, headers: [(String, String)] = [], conditional: Bool = false) async throws -> Page {
        if url.isFileURL {
            return Page(text: try await BlockingIO.run { try Self.readLocal(url) }, notModified: false)
        }
        var delay = backoff
        for attempt in 1... {
            do {
                return try await fetchOnce(url, headers: headers, cache: conditional ? cache : nil)
            } catch let error as DownloadError where error.isTransient && attempt < attempts {
                try await Task.sleep(for: max(delay, error.retryAfter ?? .zero))
                delay *= 2
            }
        }
        fatalError("unreachable")
    }

    private func fetchOnce(_ url: URL, headers: [(String, String)], cache: URL?) async throws -> Page {
        let kept = cache.flatMap { Self.keptCopy(of: url, in: $0) }
        var validators: [String] = []
        if let kept {
            if let etag = kept.etag { validators.append("If-None-Match: \(etag)") }
            if let modified = kept.lastModified { validators.append("If-Modified-Since: \(modified)") }
        }
        let shown = Redaction.url(url.absoluteString)
        var target = url, own = headers.map { "\($0.0): \($0.1)" }
        var answer: (status: Int, body: Data, etag: String?, lastModified: String?, location: String?)
        var redirects = 0
        while true {
            let exchange = HTTPExchange()
            let lines = own + validators, address = target.absoluteString, follow = own.isEmpty
            answer = try await withTaskCancellationHandler {
                try await BlockingIO.run { [self] in try perform(address, headers: lines, follow: follow, exchange: exchange) }
            } onCancel: {
                exchange.cancel()
            }
            // With headers of its own, curl followed nothing: a redirect is followed here, the
            // headers only to the same origin.
            guard !own.isEmpty, (300..<400).contains(answer.status), answer.status != 304, let location = answer.location,
                let next = URL(string: location, relativeTo: target)?.absoluteURL, ["http", "https"].contains(next.scheme?.lowercased() ?? "")
            else { break }
            redirects += 1
            guard redirects <= options.maxRedirects else {
                throw DownloadError.transfer(url: shown, reason: "more than \(options.maxRedirects) redirects", transient: false)
            }
            if (next.scheme?.lowercased(), next.host?.lowercased(), next.port) != (target.scheme?.lowercased(), target.host?.lowercased(), target.port) {
                own = []
            }
            target = next
        }
        if answer.status == 304, let kept {
            return Page(text: kept.text, notModified: true)
        }
        guard (200..<300).contains(answer.status) else { throw DownloadError.http(url: shown, status: answer.status, retryAfter: nil) }
        let (body, etag, lastModified) = (answer.body, answer.etag, answer.lastModified)
        let text = String(data: body, encoding: .utf8) ?? String(data: body, encoding: .isoLatin1) ?? ""
        if let cache {
            if etag != nil || lastModified != nil {
                try? Self.keep(text, etag: etag, lastModified: lastModified, of: url, in: cache)
            } else if kept != nil {
                Self.forget(url, in: cache)
            }
        }
        return Page(text: text, notModified: false)
    }

    /// One GET on a blocking thread: the final status, the body, the validators, and (not
    /// following) where a redirect points.
    private func perform(
        _ url: String, headers: [String], follow: Bool, exchange: HTTPExchange
    ) throws -> (status: Int, body: Data, etag: String?, lastModified: String?, location: String?) {
        let shown = Redaction.url(url)
        guard let handle = handles.checkOut() else { throw DownloadError.transfer(url: shown, reason: "curl_easy_init failed", transient: false) }
        defer { handles.checkIn(handle) }
        let h = handle.pointer
        _ = ccurl_setopt_long(h, CURLOPT_FOLLOWLOCATION, follow ? 1 : 0)
        _ = ccurl_setopt_long(h, CURLOPT_MAXREDIRS, options.maxRedirects)
        _ = ccurl_setopt_string(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = ccurl_setopt_string(h, CURLOPT_ACCEPT_ENCODING, "")
        _ = ccurl_setopt_string(h, CURLOPT_USERAGENT, options.userAgent)
        let response = exchange.response
        mk_http_response_init(response, -1)
        let copies = headers.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let code = copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { lines in
            mk_http_perform(
                h, "GET", url, lines.baseAddress, lines.count, nil, response, options.connectTimeout.milliseconds,
                max(1, options.stallTimeout.milliseconds / 1000))
        }
        guard code == Int32(CURLE_OK.rawValue) else {
            if exchange.isCanceled { throw CancellationError() }
            if response.pointee.write_error == Int32(MK_HTTP_TOO_LARGE) {
                throw DownloadError.endless(url: shown, reason: "more than 16 MiB: not a feed or catalog page")
            }
            let reason = Self.text(&response.pointee.error)
            let curlCode = CURLcode(UInt32(code))
            throw DownloadError.transfer(
                url: shown, reason: Redaction.scrub(reason.isEmpty ? String(cString: curl_easy_strerror(curlCode)) : reason),
                transient: Downloader.isTransient(curlCode))
        }
        let body = response.pointee.body.map { Data(bytes: $0, count: response.pointee.body_len) } ?? Data()
        let etag = Self.text(&response.pointee.etag), modified = Self.text(&response.pointee.last_modified)
        var location: UnsafeMutablePointer<CChar>?
        _ = ccurl_getinfo_string(h, CURLINFO_REDIRECT_URL, &location)
        return (Int(response.pointee.status), body, etag.isEmpty ? nil : etag, modified.isEmpty ? nil : modified, location.map { String(cString: $0) })
    }

    private static func text<T>(_ field: inout T) -> String {
        withUnsafeBytes(of: &field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    private static func readLocal(_ url: URL) throws -> String {
        try Downloader.requireRegularFile(url.path)  // a FIFO would block, /dev/zero never end
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            let data = try handle.read(upToCount: Self.memoryCap + 1) ?? Data()
            guard data.count <= Self.memoryCap else {
                throw DownloadError.endless(url: url.path, reason: "more than 16 MiB: not a feed or catalog page")
            }
            return String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) ?? ""
        } catch let error as DownloadError {
            throw error
        } catch {
            throw DownloadError.transfer(url: url.path, reason: "cannot read: \(Collector.reason(error))", transient: false)
        }
    }

    // MARK: the kept copies

    struct Kept: Codable {
        var url: String
        var etag: String?
        var lastModified: String?
        var text: String
    }

    /// One JSON file per URL (named by its hash), written whole or not at all.
    private static func file(for url: URL, in cache: URL) -> URL {
        cache.appendingPathComponent(Collector.shortHash(url.absoluteString) + ".json")
    }

    static func keptCopy(of url: URL, in cache: URL) -> Kept? {
        guard let data = try? Data(contentsOf: file(for: url, in: cache)), let kept = try? JSONDecoder().decode(Kept.self, from: data),
            kept.url == url.absoluteString
        else { return nil }
        return kept
    }

    private static func keep(_ text: String, etag: String?, lastModified: String?, of url: URL, in cache: URL) throws {
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(Kept(url: url.absoluteString, etag: etag, lastModified: lastModified, text: text))
        try AtomicFile.write(to: file(for: url, in: cache).path) { try data.write(to: URL(fileURLWithPath: $0)) }
    }

    private static func forget(_ url: URL, in cache: URL) {
        try? FileManager.default.removeItem(at: file(for: url, in: cache))
    }
}
