import Engine
import Foundation
import Stages
import Testing
import TestSupport

/// Renditions made for an upload stage: one the target backend holds already (the same content
/// stored by another item of an S3 library) is linked to the item, not made again; one another
/// attempt is making is waited for.
@Suite struct TranscodeForUploadTests {
    static let file = Fixtures.media("audio-id3.mp3")

    /// An item with the fixture's content downloaded, recorded in `store`'s catalog.
    func item(_ name: String, in store: SQLiteJobStore, lease: ItemLease? = nil) async throws -> MediaItem {
        var item = MediaItem(source: "test", remoteID: name, title: "Song", url: "file:///\(name).mp3")
        item.catalogID = try await store.upsertItem(item).itemID
        item.downloadedFile = Self.file
        item.sha256 = try FileChecksummer().sha256(path: Self.file).digest.hex
        item.locator = "test/Song.mp3"
        item.mediaKind = "audio"
        item.lease = lease
        return item
    }

    @Test func aRenditionTheTargetHoldsIsNotMadeAgain() async throws {
        let dir = try TemporaryDirectory("transcode-upload")
        let store = try SQLiteJobStore(path: dir.file("engine.sqlite").path)
        for name in ["lib", "other"] { try await store.addBackend(name: name, kind: "object_storage", config: "{}") }
        let (digest, bytes) = try FileChecksummer().sha256(path: Self.file)
        // The first item of the content: its rendition is on `lib`.
        let first = try await item("first", in: store)
        _ = try await store.recordOriginalAsset(sha256: digest.hex, size: Int64(bytes), format: "mp3", lease: nil)
        let asset = try await store.recordRenditionAsset(
            itemID: first.catalogID!, originalSHA256: digest.hex, profile: "aac-128k", sha256: String(repeating: "b", count: 64), size: 10,
            format: "m4a", warnings: [], key: nil, lease: nil)
        let task = try await store.uploadTask(assetID: asset, backend: "lib", key: "test/Song.mp3.aac-128k.m4a", size: 10, lease: nil)
        try await store.finishUpload(
            taskID: task.id, assetID: asset, backend: "lib", key: "test/Song.mp3.aac-128k.m4a", etag: "e", publicURL: nil, lease: nil)

        let plan = RenditionPlan(audio: [try TranscodeProfile.named("aac-128k")], video: [])
        let library = LocalLibrary(root: dir.file("library"))
        let context = StageContext(temporaryDirectory: dir.url)
        let second = try await item("second", in: store)
        func process(to backend: String) async throws -> MediaItem? {
            let stage = TranscodeStage(plan: plan, store: store, library: library, output: .upload(to: backend))
            guard case .forward(let item) = try await stage.process(second, context: context) else { return nil }
            return item
        }
        let onLib = try #require(try await process(to: "lib"))
        #expect(onLib.renditions == ["aac-128k"] && onLib.madeRenditions.isEmpty, "\(onLib.madeRenditions)")
        // For another backend it is made (and goes up there).
        #expect(try await process(to: "other")?.madeRenditions.map(\.profile) == ["aac-128k"])
    }

    /// Two job items with the same content on two workers: while the first attempt holds the
    /// rendition (made, its upload a later stage), the second waits; once the first's upload is
    /// finished and its item settled, the second finds the rendition on the backend and makes
    /// none (two attempts uploading one rendition at once could leave its upload unsettled).
    @Test func anotherAttemptMakingTheSameRenditionIsWaitedFor() async throws {
        let dir = try TemporaryDirectory("transcode-upload-wait")
        let store = try SQLiteJobStore(path: dir.file("engine.sqlite").path)
        try await store.addBackend(name: "lib", kind: "object_storage", config: "{}")
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["test"], stages: ["transcode"]))
        try await store.enqueue(
            jobID: job.id, items: ["a", "b"].map { MediaItem(source: "test", remoteID: $0, title: "Song", url: "file:///\($0).mp3") },
            completingInput: nil)
        let leases = try await store.claim(jobID: job.id, holder: "r", limit: 2, leaseDuration: .seconds(60)).map(\.lease)
        let (digest, bytes) = try FileChecksummer().sha256(path: Self.file)
        _ = try await store.recordOriginalAsset(sha256: digest.hex, size: Int64(bytes), format: "mp3", lease: nil)
        let a = try await item("a", in: store, lease: leases[0]), b = try await item("b", in: store, lease: leases[1])
        let stage = TranscodeStage(
            plan: RenditionPlan(audio: [try TranscodeProfile.named("aac-128k")], video: []), store: store,
            library: LocalLibrary(root: dir.file("library")), output: .upload(to: "lib"))
        let context = StageContext(temporaryDirectory: dir.url)
        guard case .forward(let first) = try await stage.process(a, context: context), let made = first.madeRenditions.first else {
            Issue.record("the first item made no rendition")
            return
        }
        let waiting = Task { try await stage.process(b, context: context) }
        try await Task.sleep(for: .milliseconds(600))
        // The first attempt's upload stage puts it up, then its item is settled.
        let key = "test/Song.mp3.aac-128k.m4a"
        let task = try await store.uploadTask(assetID: made.assetID, backend: "lib", key: key, size: made.size, lease: leases[0])
        try await store.finishUpload(taskID: task.id, assetID: made.assetID, backend: "lib", key: key, etag: "e", publicURL: nil, lease: leases[0])
        try await store.settle(leases[0], .succeeded(bytes: made.size))
        guard case .forward(let second) = try await withDeadline("the second item goes on once the first is settled", { try await waiting.value })
        else {
            Issue.record("the second item was not forwarded")
            return
        }
        #expect(second.renditions == ["aac-128k"] && second.madeRenditions.isEmpty, "made again: \(second.madeRenditions)")
    }
}
