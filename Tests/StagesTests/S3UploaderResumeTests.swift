import Engine
import Foundation
import Stages
import Testing
import TestSupport

/// A multipart upload a crash cut goes on from the parts the store recorded, but only from
/// those whose bytes the file still has: a file made again since (a rendition re-encoded after
/// the crash, from a temp copy that was cleaned) sends every changed part anew.
@Suite struct S3UploaderResumeTests {
    let moto = MotoServer.shared

    @Test func aResumedUploadSendsAgainThePartsOfAFileThatChanged() async throws {
        let bucket = try moto.makeBucket("resume")
        let s3 = try S3Client(
            name: "moto",
            config: S3BackendConfig(bucket: bucket, endpoint: moto.endpoint, region: "us-east-1", basePrefix: "", credentialEnvPrefix: "MOTO"),
            credentials: S3Credentials(accessKeyID: MotoServer.accessKeyID, secretAccessKey: MotoServer.secretAccessKey))
        let dir = try TemporaryDirectory("resume")
        let store = try SQLiteJobStore(path: dir.file("engine.sqlite").path)
        try await store.addBackend(name: "moto", kind: "object_storage", config: "{}")
        let partSize: Int64 = 5 << 20, size = partSize * 2 + 4321
        let file = dir.file("rendition.m4a").path
        try await offPool { try GeneratedMedia.appendRandomBytes(Int(size), to: file) }
        let entry = try await store.upsertItem(MediaItem(source: "test", remoteID: "one", title: "one", url: "file:///one"))
        let asset = try await store.recordOriginal(
            itemID: entry.itemID, sha256: String(repeating: "a", count: 64), size: size, format: nil, backend: "library",
            locator: "one.m4a", description: nil, lease: nil
        ).assetID

        // The cut run: the upload begun and its first part sent and recorded.
        let key = "out/one.m4a"
        let task = try await store.uploadTask(assetID: asset, backend: "moto", key: key, size: size, lease: nil)
        let uploadID = try await s3.createMultipartUpload(key)
        try await store.setMultipartUpload(taskID: task.id, uploadID: uploadID, partSize: partSize, lease: nil)
        let first = try await s3.uploadPart(key, uploadID: uploadID, number: 1, file: file, offset: 0, length: partSize)
        try await store.recordUploadedPart(taskID: task.id, part: UploadedPart(number: 1, etag: first.etag, size: partSize), lease: nil)

        // Made again, other bytes of the same size; the next run uploads it.
        try FileManager.default.removeItem(atPath: file)
        try await offPool { try GeneratedMedia.appendRandomBytes(Int(size), to: file) }
        try await S3Uploader(threshold: partSize, partSize: partSize).upload(
            file: file, size: size, key: key, assetID: asset, client: s3, store: store, lease: nil)

        try moto.download(bucket: bucket, key: key, to: dir.file("back").path)
        #expect(try Data(contentsOf: dir.file("back")) == Data(contentsOf: URL(fileURLWithPath: file)), "the object is the file as it is now")
        #expect(try await s3.listMultipartUploads(prefix: "out/").isEmpty)
    }
}
