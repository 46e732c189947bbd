internal import CMediaKernels
public import Engine
import Foundation

/// Puts one stored file on an S3 backend, idempotently and resumably: an object already at the
/// key with the same size and ETag is taken as it is (asked with HEAD, or from an
/// `ObjectListing` of its folder); a file up to `threshold` goes in one PUT;
/// a larger one as a multipart upload whose id and finished parts are in the store after each
/// part, so that after a crash the upload is confirmed with ListParts and goes on without
/// sending the finished parts again. Parts go up `partConcurrency` at a time, each under a
/// network-lane permit.
public struct S3Uploader: Sendable {
    public var threshold: Int64
    public var partSize: Int64
    public var partConcurrency: Int

    public init(threshold: Int64 = 16 << 20, partSize: Int64 = 16 << 20, partConcurrency: Int = 4) {
        self.threshold = threshold
        self.partSize = max(partSize, 5 << 20)  // S3's smallest part (but for the last)
        self.partConcurrency = max(1, partConcurrency)
    }

    /// Uploads `file` (`size` bytes, the content of `assetID`) as `key`; returns the ETag.
    @discardableResult
    public func upload(
        file: String, size: Int64, key: String, assetID: Int64, client: S3Client, store: any UploadStore, lease: ItemLease?,
        context: StageContext? = nil, listing: ObjectListing? = nil
    ) async throws -> String {
        let task = try await store.uploadTask(assetID: assetID, backend: client.name, key: key, size: size, lease: lease)
        func finish(_ etag: String) async throws -> String {
            try await store.finishUpload(
                taskID: task.id, assetID: assetID, backend: client.name, key: key, etag: etag, publicURL: client.config.publicURL(for: key),
                lease: lease)
            return etag
        }
        let multipart = size > threshold
        let layoutPartSize = task.uploadID != nil ? (task.partSize ?? partSize(for: size)) : partSize(for: size)
        // The location first: an object there with these very bytes is adopted (a run killed
        // after the upload and before its record, or another machine's upload).
        let existing = if let listing { try await listing.object(key) } else { try await client.headObject(key) }
        if let existing, existing.size == size,
            existing.etag == (try await Self.expectedETag(file: file, size: size, partSize: multipart ? layoutPartSize : nil))
        {
            if let uploadID = task.uploadID { try? await client.abortMultipartUpload(key, uploadID: uploadID) }
            return try await finish(existing.etag)
        }
        guard multipart else {
            let etag = try await withLane(context) { try await client.putObject(key, file: file, contentType: MediaType.of(key)) }
            return try await finish(etag)
        }
        do {
            return try await finish(
                try await uploadParts(file: file, size: size, key: key, task: task, client: client, store: store, lease: lease, context: context))
        } catch is CancellationError where context?.isAbandoned == true {
            // A job cancel, not a pause: the upload is given up at the store too (in a task of
            // its own: this one is canceled, and would run no request).
            await Task.detached {
                let current = try? await store.uploadTask(assetID: assetID, backend: client.name, key: key, size: size, lease: nil)
                if let uploadID = current?.uploadID {
                    try? await client.abortMultipartUpload(key, uploadID: uploadID)
                    try? await store.setMultipartUpload(taskID: task.id, uploadID: nil, partSize: nil, lease: nil)
                }
            }.value
            throw CancellationError()
        }
    }

    private func uploadParts(
        file: String, size: Int64, key: String, task: UploadTask, client: S3Client, store: any UploadStore, lease: ItemLease?,
        context: StageContext?
    ) async throws -> String {
        var uploadID = task.uploadID
        var done: [Int: UploadedPart] = [:]
        var partSize = uploadID != nil ? (task.partSize ?? self.partSize(for: size)) : self.partSize(for: size)
        if let id = uploadID {
            // Confirmed by the store: the parts it lists with the ETags recorded are kept, when
            // the file's bytes there still give that ETag (their MD5). A file made again since
            // (a rendition re-encoded after a crash) sends them anew, and so does an encrypted
            // bucket's (SSE-KMS, SSE-C), whose ETags are no MD5.
            if let listed = try await client.listParts(key, uploadID: id) {
                let etags = Dictionary(listed.map { ($0.number, $0.etag) }, uniquingKeysWith: { $1 })
                let confirmed = task.parts.filter { part in
                    let offset = Int64(part.number - 1) * partSize
                    return etags[part.number] == part.etag && offset < size && part.size == min(partSize, size - offset)
                }
                let local = try await Self.md5s(file: file, ranges: confirmed.map { (Int64($0.number - 1) * partSize, $0.size) })
                for (part, md5) in zip(confirmed, local) where SigV4Signer.hex(md5) == part.etag.lowercased() { done[part.number] = part }
            } else {
                // Gone: completed (its answer lost) or aborted. The object, if it is there, is ours.
                if let object = try await client.headObject(key), object.size == size,
                    object.etag == (try await Self.expectedETag(file: file, size: size, partSize: partSize))
                {
                    return object.etag
                }
                uploadID = nil
                partSize = self.partSize(for: size)
            }
        }
        let id: String
        if let uploadID {
            id = uploadID
        } else {
            // An upload begun at this key that the store never learned of (an attempt killed
            // between beginning it and recording it) is abandoned: it is aborted, not left
            // behind. The attempt that puts this file here is the only one (the store's
            // content claim and the task's lease see to that).
            // Uploads the store records (other tasks' at this key) are left alone; a listing
            // the credentials may not make is skipped.
            let recorded = (try? await store.openMultipartUploads(backend: client.name)) ?? []
            for abandoned in (try? await client.listMultipartUploads(prefix: key)) ?? [] where abandoned.key == key && !recorded.contains(abandoned.uploadID) {
                try? await client.abortMultipartUpload(key, uploadID: abandoned.uploadID)
            }
            id = try await client.createMultipartUpload(key, contentType: MediaType.of(key))
            do {
                try await store.setMultipartUpload(taskID: task.id, uploadID: id, partSize: partSize, lease: lease)
            } catch {
                try? await client.abortMultipartUpload(key, uploadID: id)  // the lease passed on: nobody would finish it
                throw error
            }
        }
        let layout = partSize
        let count = Int((size + layout - 1) / layout)
        let missing = (1...count).filter { done[$0] == nil }
        try await withThrowingTaskGroup(of: UploadedPart.self) { group in
            var next = missing.makeIterator()
            func start() {
                guard let number = next.next() else { return }
                let offset = Int64(number - 1) * layout
                group.addTask {
                    let part = try await withLane(context) {
                        try await client.uploadPart(key, uploadID: id, number: number, file: file, offset: offset, length: min(layout, size - offset))
                    }
                    let uploaded = UploadedPart(number: part.number, etag: part.etag, size: part.size)
                    try await store.recordUploadedPart(taskID: task.id, part: uploaded, lease: lease)
                    return uploaded
                }
            }
            for _ in 0..<partConcurrency { start() }
            while let part = try await group.next() {
                done[part.number] = part
                start()
            }
        }
        let parts = done.values.sorted { $0.number < $1.number }.map { S3Client.Part(number: $0.number, etag: $0.etag, size: $0.size) }
        return try await client.completeMultipartUpload(key, uploadID: id, parts: parts)
    }

    /// The part size for a file of `size` bytes: the configured one, or more where S3's
    /// 10,000 parts would not hold the file (rounded up to a whole MiB).
    public func partSize(for size: Int64) -> Int64 {
        let least = (size + 9_999) / 10_000
        return max(partSize, (least + (1 << 20) - 1) / (1 << 20) * (1 << 20))
    }

    private func withLane<T>(_ context: StageContext?, _ body: () async throws -> T) async throws -> T {
        guard let context else { return try await body() }
        return try await context.withLane(.network, body)
    }

    /// The ETag S3 gives these bytes: their MD5 in one PUT; with parts of `partSize`, the MD5
    /// of the parts' MD5s and `-<count>`.
    static func expectedETag(file: String, size: Int64, partSize: Int64?) async throws -> String {
        guard let partSize else { return SigV4Signer.hex(try await md5s(file: file, ranges: [(0, size)])[0]) }
        let ranges = stride(from: Int64(0), to: size, by: Int(partSize)).map { ($0, min(partSize, size - $0)) }
        return SigV4Signer.hex(try Self.md5(of: try await md5s(file: file, ranges: ranges).flatMap { $0 })) + "-\(ranges.count)"
    }

    /// The MD5 of each byte range (offset, length) of `file`.
    static func md5s(file: String, ranges: [(Int64, Int64)]) async throws -> [[UInt8]] {
        guard !ranges.isEmpty else { return [] }
        return try await BlockingIO.run {
            let fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw S3Error.cannotRead(path: file, reason: String(errno: errno)) }
            defer { close(fd) }
            return try ranges.map { offset, length in
                var sha = [UInt8](repeating: 0, count: 32), md5 = [UInt8](repeating: 0, count: 16)
                let status = mk_digest_range(fd, offset, length, &sha, &md5)
                guard status == 0 else { throw S3Error.cannotRead(path: file, reason: String(errno: -status)) }
                return md5
            }
        }
    }

    private static func md5(of bytes: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        _ = mk_md5(bytes, bytes.count, &out)
        return out
    }
}
