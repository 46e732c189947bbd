internal import CMediaKernels
package import Foundation

/// AWS Signature Version 4: header-signed requests (with `x-amz-content-sha256`, as S3 wants)
/// and presigned query strings. Our own signer, not libcurl's (Debian 12's 7.88 hashes only
/// POSTFIELDS, so a streamed PUT would not verify); checked against AWS's published vectors
/// and against botocore's signer.
package struct SigV4Signer: Sendable {
    /// One request as it is signed. `path` is the canonical path, already percent-encoded
    /// (`encodePath`); `query` holds raw names and values (encoded when canonicalized).
    public struct Request: Sendable {
        public var method: String
        /// The Host header's value (with the port when it is not the scheme's default).
        public var host: String
        public var path: String
        public var query: [(String, String)]
        /// Other headers to sign and send (`content-md5`, `range`, `x-amz-*`…).
        public var headers: [(String, String)]
        /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
        public var payloadHash: String

        public init(method: String, host: String, path: String, query: [(String, String)] = [], headers: [(String, String)] = [], payloadHash: String) {
            self.method = method
            self.host = host
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public let credentials: S3Credentials
    public let region: String
    public let service: String
    /// S3 sends the payload hash as `x-amz-content-sha256` (and signs it).
    public let sendsContentHash: Bool

    public init(credentials: S3Credentials, region: String, service: String = "s3", sendsContentHash: Bool? = nil) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.sendsContentHash = sendsContentHash ?? (service == "s3")
    }

    /// The headers to send: the request's own, `host`, `x-amz-date`, `x-amz-content-sha256`,
    /// `x-amz-security-token` (with a session token) and `authorization`.
    public func sign(_ request: Request, at date: Date) -> [(String, String)] {
        let (amzDate, day) = Self.stamps(date)
        var headers = request.headers + [("host", request.host), ("x-amz-date", amzDate)]
        if sendsContentHash { headers.append(("x-amz-content-sha256", request.payloadHash)) }
        if let token = credentials.sessionToken { headers.append(("x-amz-security-token", token)) }
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(headers)
        let canonical = [
            request.method, request.path, Self.canonicalQuery(request.query), canonicalHeaders, signedHeaders, request.payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let signature = self.signature(canonical, amzDate: amzDate, day: day, scope: scope)
        // `host` too: curl would drop a default port (":443") the signature includes.
        return headers + [
            ("authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)")
        ]
    }

    /// The query of a presigned URL for `request` (its headers are not signed but `host`),
    /// valid `expires` seconds from `date`; the signature last.
    public func presignedQuery(_ request: Request, at date: Date, expires: Int) -> [(String, String)] {
        let (amzDate, day) = Self.stamps(date)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        var query = request.query + [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"),
            ("X-Amz-Date", amzDate), ("X-Amz-Expires", String(expires)), ("X-Amz-SignedHeaders", "host"),
        ]
        if let token = credentials.sessionToken { query.append(("X-Amz-Security-Token", token)) }
        let canonical = [
            request.method, request.path, Self.canonicalQuery(query), "host:\(request.host)\n", "host", "UNSIGNED-PAYLOAD",
        ].joined(separator: "\n")
        return query + [("X-Amz-Signature", signature(canonical, amzDate: amzDate, day: day, scope: scope))]
    }

    private func signature(_ canonicalRequest: String, amzDate: String, day: String, scope: String) -> String {
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.sha256Hex(Array(canonicalRequest.utf8))].joined(separator: "\n")
        var key = Self.hmac(Array("AWS4\(credentials.secretAccessKey)".utf8), day)
        for part in [region, service, "aws4_request"] { key = Self.hmac(key, part) }
        return Self.hex(Self.hmac(key, stringToSign))
    }

    // MARK: canonical forms

    /// `name=value` pairs, each percent-encoded, sorted by name and then value, joined by `&`:
    /// the canonical query, and the query as a request writes it.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (encode($0.0), encode($0.1)) }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    static func canonicalHeaders(_ headers: [(String, String)]) -> (String, String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[name.lowercased(), default: []].append(trimmed)
        }
        let names = merged.keys.sorted()
        return (names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined(), names.joined(separator: ";"))
    }

    /// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters kept, every other
    /// byte `%XX` (upper case).
    public static func encode(_ text: String, keepingSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// An object key as a URL path: each segment encoded, the slashes kept.
    public static func encodePath(_ key: String) -> String { encode(key, keepingSlash: true) }

    static func stamps(_ date: Date) -> (amzDate: String, day: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d%02d%02d", c.year!, c.month!, c.day!)
        return (day + String(format: "T%02d%02d%02dZ", c.hour!, c.minute!, c.second!), day)
    }

    static func hmac(_ key: [UInt8], _ text: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let data = Array(text.utf8)
        _ = mk_hmac_sha256(key, key.count, data, data.count, &out)
        return out
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        (try? SHA256Digest.of(bytes))?.hex ?? ""
    }

    static func hex(_ bytes: [UInt8]) -> String { SHA256Digest.hex(bytes) }
}
