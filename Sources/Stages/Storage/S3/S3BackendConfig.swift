public import Foundation

/// An S3-compatible backend's settings, as kept in `storage_backends.config` (JSON): nothing
/// secret — the credentials are named by `credentialEnvPrefix` and read from the environment.
public struct S3BackendConfig: Codable, Sendable, Equatable {
    /// How a bucket is named in the request URL.
    public enum Addressing: String, Codable, Sendable {
        /// `https://endpoint/bucket/key` (MinIO, moto, most self-hosted stores).
        case path
        /// `https://bucket.endpoint/key` (AWS).
        case virtual
    }

    public var bucket: String
    /// nil: AWS's regional endpoint.
    public var endpoint: String?
    public var region: String
    public var basePrefix: String
    public var addressing: Addressing
    public var publicBaseURL: String?
    public var credentialEnvPrefix: String

    enum CodingKeys: String, CodingKey {
        case bucket, endpoint, region, addressing
        case basePrefix = "base_prefix"
        case publicBaseURL = "public_base_url"
        case credentialEnvPrefix = "credential_env_prefix"
    }

    public init(
        bucket: String, endpoint: String?, region: String, basePrefix: String = "", addressing: Addressing? = nil,
        publicBaseURL: String? = nil, credentialEnvPrefix: String
    ) {
        self.bucket = bucket
        self.endpoint = endpoint
        self.region = region
        self.basePrefix = basePrefix.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        // AWS takes virtual-hosted names; a store at an endpoint of its own usually wants paths.
        self.addressing = addressing ?? (endpoint == nil ? .virtual : .path)
        self.publicBaseURL = publicBaseURL
        self.credentialEnvPrefix = credentialEnvPrefix
    }

    /// The endpoint requests go to.
    public var endpointURL: URL? {
        URL(string: endpoint ?? "https://s3.\(region).amazonaws.com")
    }

    /// The object key of a library locator: the locator under the base prefix.
    public func key(for locator: String) -> String {
        basePrefix.isEmpty ? locator : "\(basePrefix)/\(locator)"
    }

    /// The public URL of a key, when the backend has a public base URL.
    public func publicURL(for key: String) -> String? {
        publicBaseURL.map { base in (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/" + SigV4Signer.encodePath(key) }
    }

    /// Checks what a request needs: a bucket name, a region, an endpoint URL with a host.
    public func validate(backend: String) throws(S3Error) {
        guard !bucket.isEmpty, !bucket.contains("/") else { throw .invalidSetting(backend: backend, reason: "invalid bucket name '\(bucket)'") }
        guard !region.isEmpty else { throw .invalidSetting(backend: backend, reason: "a region is needed") }
        guard let url = endpointURL, ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw .invalidSetting(backend: backend, reason: "invalid endpoint '\(endpoint ?? "")' (give http://HOST[:PORT] or https://…)")
        }
        guard credentialEnvPrefix.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
            throw .invalidSetting(backend: backend, reason: "invalid credential env prefix '\(credentialEnvPrefix)'")
        }
    }
}
