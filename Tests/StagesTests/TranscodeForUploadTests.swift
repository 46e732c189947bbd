import Engine
import Foundation
import Stages
import Testing
import TestSupport

/// Renditions made for an upload stage: one the target backend holds already (the same content
/// stored by another item of an S3 library) is linked to the item, not made again.
@Suite struct TranscodeForUploadTests {
    @Test func aRenditionTheTargetHoldsIsNotMadeAgain() async throws {
        let dir = try TemporaryDirectory("transcode-upload")
        let store = try SQLiteJobStore(path: dir.file("engine.sqlite").path)
        for name in ["lib", "other"] { try await store.addBackend(name: name, kind: "object_storage", config: "{}") }
        let file = Fixtures.media("audio-id3.mp3")
        let (digest, bytes) = try FileChecksummer().sha256(path: file)
        func item(_ name: String) async throws -> MediaItem {
            var item = MediaItem(source: "test", remoteID: name, title: "Song", url: "file:///\(name).mp3")
            item.catalogID = try await store.upsertItem(item).itemID
            item.downloadedFile = file
            item.sha256 = digest.hex
            item.locator = "test/Song.mp3"
            item.mediaKind = "audio"
            return item
        }
        // The first item of the content: its rendition is on `lib`.
        let first = try await item("first")
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
        let second = try await item("second")
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
}
