import Foundation

/// A storage backend as the store keeps it: its name, kind and settings (JSON, nothing
/// secret), and how many file locations point at it.
public struct StorageBackendRecord: Sendable, Equatable {
    public var name: String
    /// `local_fs`, `object_storage`.
    public var kind: String
    public var config: String
    public var locations: Int

    public init(name: String, kind: String, config: String, locations: Int) {
        self.name = name
        self.kind = kind
        self.config = config
        self.locations = locations
    }
}

/// A stored file an upload job puts on a backend: the asset, and where the library holds it.
public struct UploadAsset: Sendable, Equatable {
    public var assetID: Int64
    public var kind: String
    public var sha256: String
    public var size: Int64
    /// Its locator in the local library (the object key mirrors it).
    public var locator: String

    public init(assetID: Int64, kind: String, sha256: String, size: Int64, locator: String) {
        self.assetID = assetID
        self.kind = kind
        self.sha256 = sha256
        self.size = size
        self.locator = locator
    }
}

/// One upload's state (`upload_tasks`): begun multipart uploads keep their id, part size and
/// every finished part, so that an upload a crash cut goes on where it was.
public struct UploadTask: Sendable, Equatable {
    public var id: Int64
    public var key: String
    public var size: Int64
    public var uploadID: String?
    public var partSize: Int64?
    public var parts: [UploadedPart]

    public init(id: Int64, key: String, size: Int64, uploadID: String? = nil, partSize: Int64? = nil, parts: [UploadedPart]) {
        self.id = id
        self.key = key
        self.size = size
        self.uploadID = uploadID
        self.partSize = partSize
        self.parts = parts
    }
}

/// One part of a multipart upload in progress, as recorded so that a resumed upload skips it.
public struct UploadedPart: Sendable, Equatable {
    public var number: Int
    public var etag: String
    public var size: Int64

    public init(number: Int, etag: String, size: Int64) {
        self.number = number
        self.etag = etag
        self.size = size
    }
}

/// What the upload stage reads and writes; every write for a job item carries its lease.
public protocol UploadStore: Sendable {
    /// The item's stored files (original and renditions, primary copies in `from`) that have
    /// no active location on backend `to`.
    func assetsToUpload(itemID: Int64, from: String, to: String) async throws -> [UploadAsset]
    /// The task for the asset at `key` on `backend`, made when there is none.
    func uploadTask(assetID: Int64, backend: String, key: String, size: Int64, lease: ItemLease?) async throws -> UploadTask
    /// A multipart upload was begun for the task (or, with nil, the one it had is gone).
    func setMultipartUpload(taskID: Int64, uploadID: String?, partSize: Int64?, lease: ItemLease?) async throws
    func recordUploadedPart(taskID: Int64, part: UploadedPart, lease: ItemLease?) async throws
    /// The object is on the backend: its location (with its public URL; primary only when the
    /// asset is stored nowhere else) is recorded and the task is done, in one transaction.
    func finishUpload(taskID: Int64, assetID: Int64, backend: String, key: String, etag: String, publicURL: String?, lease: ItemLease?) async throws
    /// The multipart upload ids the store keeps for the backend's unfinished tasks.
    func openMultipartUploads(backend: String) async throws -> Set<String>
}
