internal import CCurl
internal import CMediaKernels
public import Engine
public import Foundation

/// Requests to one S3-compatible backend over libcurl, each signed with SigV4
/// (`SigV4Signer`): objects put (one PUT, or a multipart upload part by part), fetched,
/// listed, checked and presigned. Bodies are read from file ranges in C (parts of one file go
/// up side by side); every body carries its SHA-256 (signed) and MD5 (`Content-MD5`, which
/// the store verifies), and the ETag it answers is checked against the MD5.
public final class S3Client: Sendable {
    public let name: String
    public let config: S3BackendConfig
    let signer: SigV4Signer
    let handles = CurlHandlePool()
    let connectTimeout: Duration
    let stallTimeout: Duration
    /// For tests: the clock the signatures are dated with.
    let now: @Sendable () -> Date
    /// A cap on the bytes/s request bodies go up at, shared with other transfers.
    let bandwidth: BandwidthLimit?

    public init(
        name: String, config: S3BackendConfig, credentials: S3Credentials, connectTimeout: Duration = .seconds(15),
        stallTimeout: Duration = .seconds(60), bandwidth: BandwidthLimit? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) throws(S3Error) {
        try config.validate(backend: name)
        self.name = name
        self.config = config
        signer = SigV4Signer(credentials: credentials, region: config.region)
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
        self.now = now
        self.bandwidth = bandwidth
    }

    /// An object's size and ETag, as HEAD answers it.
    public struct ObjectInfo: Sendable, Equatable {
        public var key: String
        public var size: Int64
        public var etag: String
    }

    // MARK: objects

    /// Puts `length` bytes of `file` from `offset` (the whole file by default) as `key` in one
    /// request; returns the ETag, checked against the bytes' MD5.
    @discardableResult
    public func putObject(_ key: String, file: String, contentType: String? = nil) async throws -> String {
        try await exchange { [self] exchange in
            try withFile(file) { fd, size in
                let digest = try Self.digest(fd: fd, offset: 0, length: size, path: file)
                var headers = [("content-md5", digest.md5Base64)]
                if let contentType { headers.append(("content-type", contentType)) }
                let response = try perform(exchange, 
                    "PUT", operation: "put", key: key, headers: headers, payloadHash: digest.sha256Hex,
                    body: .file(fd: fd, offset: 0, length: size))
                return try checkedETag(response, key: key, md5Hex: digest.md5Hex)
            }
        }
    }

    /// The object's size and ETag, or nil when there is none.
    public func headObject(_ key: String) async throws -> ObjectInfo? {
        try await exchange { [self] exchange in
            let response = try perform(exchange, "HEAD", operation: "head", key: key, allowing: [404])
            guard response.status != 404 else { return nil }
            return ObjectInfo(key: key, size: response.contentLength ?? 0, etag: Self.unquote(response.etag))
        }
    }

    /// Fetches the object into `path` (created or truncated).
    public func getObject(_ key: String, to path: String) async throws {
        try await exchange { [self] exchange in
            let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw S3Error.cannotRead(path: path, reason: String(errno: errno)) }
            defer { close(fd) }
            do {
                _ = try perform(exchange, "GET", operation: "get", key: key, outputFD: fd)
            } catch {
                unlink(path)  // no partial object left behind
                throw error
            }
        }
    }

    public func deleteObject(_ key: String) async throws {
        try await exchange { [self] exchange in _ = try perform(exchange, "DELETE", operation: "delete", key: key, allowing: [404]) }
    }

    /// Every object under `prefix` (ListObjectsV2, page after page of at most `pageSize`).
    public func listObjects(prefix: String, pageSize: Int = 1000) async throws -> [ObjectInfo] {
        try await exchange { [self] exchange in
            var objects: [ObjectInfo] = []
            var token: String?
            repeat {
                var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", String(pageSize))]
                if let token { query.append(("continuation-token", token)) }
                let xml = S3XML(try perform(exchange, "GET", operation: "list", key: nil, query: query).text)
                for entry in xml.elements("Contents") {
                    guard let key = entry.value("Key") else { continue }
                    objects.append(ObjectInfo(key: key, size: Int64(entry.value("Size") ?? "") ?? 0, etag: Self.unquote(entry.value("ETag") ?? "")))
                }
                token = xml.value("IsTruncated") == "true" ? xml.value("NextContinuationToken") : nil
            } while token != nil
            return objects
        }
    }

    /// A presigned GET URL for `key`, valid `expires` seconds.
    public func presignedURL(_ key: String, expires: Int) -> String {
        let target = self.target(key: key)
        let query = signer.presignedQuery(
            SigV4Signer.Request(method: "GET", host: target.host, path: target.path, payloadHash: "UNSIGNED-PAYLOAD"), at: now(), expires: expires)
        return target.base + target.path + "?" + SigV4Signer.canonicalQuery(query)
    }

    // MARK: multipart

    /// One uploaded part of a multipart upload: its number, ETag and size.
    public struct Part: Sendable, Equatable {
        public var number: Int
        public var etag: String
        public var size: Int64
    }

    public func createMultipartUpload(_ key: String, contentType: String? = nil) async throws -> String {
        try await exchange { [self] exchange in
            let response = try perform(exchange, 
                "POST", operation: "start multipart upload", key: key, query: [("uploads", "")],
                headers: contentType.map { [("content-type", $0)] } ?? [])
            guard let id = S3XML(response.text).value("UploadId"), !id.isEmpty else {
                throw S3Error.transfer(backend: name, operation: "start multipart upload", key: key, reason: "no UploadId in the answer", transient: false)
            }
            return id
        }
    }

    /// Puts part `number` (`length` bytes of `file` from `offset`); returns its ETag, checked
    /// against the part's MD5.
    public func uploadPart(_ key: String, uploadID: String, number: Int, file: String, offset: Int64, length: Int64) async throws -> Part {
        try await exchange { [self] exchange in
            try withFile(file) { fd, _ in
                let digest = try Self.digest(fd: fd, offset: offset, length: length, path: file)
                let response = try perform(exchange, 
                    "PUT", operation: "upload part \(number)", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
                    headers: [("content-md5", digest.md5Base64)], payloadHash: digest.sha256Hex,
                    body: .file(fd: fd, offset: offset, length: length))
                return Part(number: number, etag: try checkedETag(response, key: key, md5Hex: digest.md5Hex), size: length)
            }
        }
    }

    /// Completes the upload from its parts; returns the object's ETag.
    @discardableResult
    public func completeMultipartUpload(_ key: String, uploadID: String, parts: [Part]) async throws -> String {
        let body = "<CompleteMultipartUpload>"
            + parts.sorted { $0.number < $1.number }.map { "<Part><PartNumber>\($0.number)</PartNumber><ETag>\"\($0.etag)\"</ETag></Part>" }.joined()
            + "</CompleteMultipartUpload>"
        return try await exchange { [self] exchange in
            let bytes = Array(body.utf8)
            let response = try perform(exchange, 
                "POST", operation: "complete multipart upload", key: key, query: [("uploadId", uploadID)],
                headers: [("content-type", "application/xml")], payloadHash: SigV4Signer.sha256Hex(bytes), body: .memory(bytes))
            // A 200 can still carry an error document.
            let xml = S3XML(response.text)
            if let code = xml.value("Code") {
                throw S3Error.http(backend: name, operation: "complete multipart upload", key: key, status: response.status, code: code, message: xml.value("Message"))
            }
            return Self.unquote(xml.value("ETag") ?? response.etag)
        }
    }

    public func abortMultipartUpload(_ key: String, uploadID: String) async throws {
        try await exchange { [self] exchange in
            _ = try perform(exchange, "DELETE", operation: "abort multipart upload", key: key, query: [("uploadId", uploadID)], allowing: [404])
        }
    }

    /// The parts the store holds for the upload (ListParts), or nil when it no longer knows it.
    public func listParts(_ key: String, uploadID: String) async throws -> [Part]? {
        try await exchange { [self] exchange in
            var parts: [Part] = []
            var marker: String?
            repeat {
                var query = [("uploadId", uploadID)]
                if let marker { query.append(("part-number-marker", marker)) }
                let response = try perform(exchange, "GET", operation: "list parts", key: key, query: query, allowing: [404])
                guard response.status != 404 else { return nil }
                let xml = S3XML(response.text)
                for part in xml.elements("Part") {
                    guard let number = Int(part.value("PartNumber") ?? "") else { continue }
                    parts.append(Part(number: number, etag: Self.unquote(part.value("ETag") ?? ""), size: Int64(part.value("Size") ?? "") ?? 0))
                }
                marker = xml.value("IsTruncated") == "true" ? xml.value("NextPartNumberMarker") : nil
            } while marker != nil
            return parts
        }
    }

    /// The multipart uploads begun under `prefix` and neither completed nor aborted, with when
    /// each began (page after page).
    public func listMultipartUploads(prefix: String) async throws -> [(key: String, uploadID: String, initiated: Date?)] {
        try await exchange { [self] exchange in
            var uploads: [(key: String, uploadID: String, initiated: Date?)] = []
            var markers: (key: String, id: String)?
            repeat {
                var query = [("uploads", ""), ("prefix", prefix)]
                if let markers { query += [("key-marker", markers.key), ("upload-id-marker", markers.id)] }
                let xml = S3XML(try perform(exchange, "GET", operation: "list multipart uploads", key: nil, query: query).text)
                for upload in xml.elements("Upload") {
                    guard let key = upload.value("Key"), let id = upload.value("UploadId") else { continue }
                    uploads.append((key, id, upload.value("Initiated").flatMap(Self.parseTime)))
                }
                markers = xml.value("IsTruncated") == "true"
                    ? xml.value("NextKeyMarker").map { ($0, xml.value("NextUploadIdMarker") ?? "") } : nil
            } while markers != nil
            return uploads
        }
    }

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
}
