internal import CCurl
internal import CMediaKernels
import Engine
import Foundation

/// One signed request: where it goes, its body, its answer and what a failure says.
extension S3Client {
    enum Body {
        case none
        case file(fd: Int32, offset: Int64, length: Int64)
        case memory([UInt8])
    }

    struct Response {
        var status: Int
        var etag: String
        /// Server-side encryption with KMS or a customer key: the ETag is not the bytes' MD5.
        var encrypted: Bool
        var contentLength: Int64?
        var text: String
    }

    /// The URL parts of a key (or of the bucket, for `nil`): scheme and authority, the Host
    /// header, and the encoded path.
    func target(key: String?) -> (base: String, host: String, path: String) {
        let endpoint = config.endpointURL!
        let scheme = endpoint.scheme ?? "https"
        let port = endpoint.port.map { ":\($0)" } ?? ""
        let endpointPath = endpoint.path.hasSuffix("/") ? String(endpoint.path.dropLast()) : endpoint.path
        let keyPath = key.map { "/" + SigV4Signer.encodePath($0) } ?? "/"
        switch config.addressing {
        case .path:
            let host = endpoint.host! + port
            return ("\(scheme)://\(host)", host, endpointPath + "/" + SigV4Signer.encode(config.bucket) + (key == nil ? "" : keyPath))
        case .virtual:
            let host = "\(config.bucket).\(endpoint.host!)\(port)"
            return ("\(scheme)://\(host)", host, endpointPath + keyPath)
        }
    }

    /// Runs `body` (its requests) on a blocking thread; cancelling the task aborts the request
    /// in flight (`CancellationError`).
    func exchange<T: Sendable>(_ body: @escaping @Sendable (HTTPExchange) throws -> T) async throws -> T {
        let exchange = HTTPExchange()
        return try await withTaskCancellationHandler {
            try await BlockingIO.run { try body(exchange) }
        } onCancel: {
            exchange.cancel()
        }
    }

    /// Signs and sends a request; a status outside 2xx (and `allowing`) is an `S3Error` with
    /// S3's code and message. Runs on the calling (blocking) thread.
    func perform(
        _ exchange: HTTPExchange, _ method: String, operation: String, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [],
        payloadHash: String = SigV4Signer.emptyPayloadHash, body: Body = .none, outputFD: Int32 = -1, allowing: Set<Int> = []
    ) throws -> Response {
        let target = self.target(key: key)
        let request = SigV4Signer.Request(method: method, host: target.host, path: target.path, query: query, headers: headers, payloadHash: payloadHash)
        let signed = signer.sign(request, at: now())
        let queryText = query.isEmpty ? "" : "?" + SigV4Signer.canonicalQuery(query)
        let url = target.base + target.path + queryText
        guard let handle = handles.checkOut() else {
            throw S3Error.transfer(backend: name, operation: operation, key: key, reason: "curl_easy_init failed", transient: false)
        }
        defer { handles.checkIn(handle) }
        let lines = signed.map { strdup("\($0.0): \($0.1)") }
        defer { lines.forEach { free($0) } }
        let response = exchange.response
        mk_http_response_init(response, outputFD)
        defer { mk_http_response_free(response) }
        var memory: [UInt8] = []
        var requestBody = mk_http_body()
        requestBody.fd = -1
        switch body {
        case .none: break
        case .file(let fd, let offset, let length):
            requestBody.fd = fd
            requestBody.offset = offset
            requestBody.length = length
            if let bandwidth {
                requestBody.throttle = { context, bytes in
                    let wait = Unmanaged<BandwidthLimit>.fromOpaque(context!).takeUnretainedValue().take(bytes)
                    return wait.components.seconds * 1_000_000_000 + wait.components.attoseconds / 1_000_000_000
                }
                requestBody.throttle_ctx = Unmanaged.passUnretained(bandwidth).toOpaque()
            }
        case .memory(let bytes):
            memory = bytes
            requestBody.length = Int64(bytes.count)
        }
        let code = memory.withUnsafeBufferPointer { bytes in
            requestBody.data = bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            return lines.map { UnsafePointer($0) }.withUnsafeBufferPointer { headerLines in
                mk_http_perform(
                    handle.pointer, method, url, headerLines.baseAddress, headerLines.count, &requestBody, response,
                    Int(connectTimeout.components.seconds * 1000), Int(max(1, stallTimeout.components.seconds)))
            }
        }
        let text = response.pointee.body.map { String(cString: $0) } ?? ""
        let status = Int(response.pointee.status)
        guard code == Int32(CURLE_OK.rawValue) else {
            // A request that completed stands even when a cancel came meanwhile (an upload id
            // the store must keep); only a cut one is a cancellation.
            if exchange.isCanceled { throw CancellationError() }
            let reason = withUnsafeBytes(of: &response.pointee.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let curl = String(cString: curl_easy_strerror(CURLcode(UInt32(code))))
            throw S3Error.transfer(
                backend: name, operation: operation, key: key, reason: scrub(reason.isEmpty ? curl : reason),
                transient: [CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SEND_FAIL_REWIND]
                    .map { Int32($0.rawValue) }.contains(code))
        }
        guard (200..<300).contains(status) || allowing.contains(status) else {
            let xml = S3XML(text)
            throw S3Error.http(
                backend: name, operation: operation, key: key, status: status, code: xml.value("Code"), message: xml.value("Message").map(scrub))
        }
        let etag = withUnsafeBytes(of: &response.pointee.etag) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let length = response.pointee.content_length
        let encryption = withUnsafeBytes(of: &response.pointee.encryption) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return Response(
            status: status, etag: etag, encrypted: encryption.hasPrefix("aws:kms") || encryption == "customer",
            contentLength: length >= 0 ? length : nil, text: text)
    }

    /// A message without the credentials in it (a store may echo a request back).
    func scrub(_ text: String) -> String {
        signer.credentials.secrets.reduce(Redaction.scrub(text)) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }

    func checkedETag(_ response: Response, key: String, md5Hex: String) throws -> String {
        let etag = Self.unquote(response.etag)
        // With SSE-KMS or SSE-C the ETag is no MD5; S3 checked Content-MD5 itself.
        guard etag.lowercased() == md5Hex || response.encrypted else { throw S3Error.checksumMismatch(backend: name, key: key, expected: md5Hex, got: etag) }
        return etag
    }

    func withFile<T>(_ path: String, _ body: (Int32, Int64) throws -> T) throws -> T {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw S3Error.cannotRead(path: path, reason: String(errno: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw S3Error.cannotRead(path: path, reason: String(errno: errno)) }
        return try body(fd, Int64(info.st_size))
    }

    struct Digest {
        var sha256Hex: String
        var md5Hex: String
        var md5Base64: String
    }

    static func digest(fd: Int32, offset: Int64, length: Int64, path: String) throws -> Digest {
        var sha = [UInt8](repeating: 0, count: 32), md5 = [UInt8](repeating: 0, count: 16)
        let status = mk_digest_range(fd, offset, length, &sha, &md5)
        guard status == 0 else { throw S3Error.cannotRead(path: path, reason: String(errno: -status)) }
        return Digest(sha256Hex: SigV4Signer.hex(sha), md5Hex: SigV4Signer.hex(md5), md5Base64: Data(md5).base64EncodedString())
    }

    static func unquote(_ etag: String) -> String {
        etag.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
    }
}

/// The response record of one task's requests, on the heap so that another thread can cancel
/// the transfer in flight. @unchecked Sendable: C fills it on the request's thread; `cancel`
/// is an atomic store (`mk_http_cancel`).
final class HTTPExchange: @unchecked Sendable {
    let response = UnsafeMutablePointer<mk_http_response>.allocate(capacity: 1)

    init() {
        response.initialize(to: mk_http_response())
        response.pointee.out_fd = -1
    }

    func cancel() { mk_http_cancel(response) }
    var isCanceled: Bool { mk_http_canceled(response) != 0 }

    deinit {
        mk_http_response_free(response)
        response.deinitialize(count: 1)
        response.deallocate()
    }
}
