/// What a backend holds, read a folder at a time: the first question about a key lists its
/// folder (ListObjectsV2 of the key's parent, page after page) and later questions about
/// that folder are answered from the listing — one request per folder instead of a HEAD per
/// object. Keys this process uploads afterwards are not in it; the uploader does not ask
/// about them again.
public actor ObjectListing {
    private let client: S3Client
    private var folders: [String: Task<[String: S3Client.ObjectInfo], any Error>] = [:]

    public init(client: S3Client) {
        self.client = client
    }

    /// The object at `key` (its size and ETag), or nil when there is none.
    public func object(_ key: String) async throws -> S3Client.ObjectInfo? {
        let folder = key.lastIndex(of: "/").map { String(key[...$0]) } ?? ""
        let listing: Task<[String: S3Client.ObjectInfo], any Error>
        if let known = folders[folder] {
            listing = known
        } else {
            listing = Task { [client] in
                Dictionary(try await client.listObjects(prefix: folder).map { ($0.key, $0) }, uniquingKeysWith: { $1 })
            }
            folders[folder] = listing
        }
        do {
            return try await listing.value[key]
        } catch {
            folders[folder] = nil  // asked again next time
            throw error
        }
    }
}
