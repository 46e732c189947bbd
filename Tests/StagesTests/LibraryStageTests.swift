import Engine
import Foundation
import Stages
import Testing
import TestSupport

/// The library stage's compensation: a file placed for an item whose record failed is removed,
/// and an item with the same content waiting its turn stores it itself.
@Suite struct LibraryStageTests {
    let dir: TemporaryDirectory
    let store: SQLiteJobStore
    let library: LocalLibrary

    init() throws {
        dir = try TemporaryDirectory("library-stage")
        store = try SQLiteJobStore(path: dir.file("engine.sqlite").path)
        library = LocalLibrary(root: dir.file("library"))
    }

    /// A downloaded item as the stage receives it: its own copy of the fixture in the temp folder.
    func downloaded(_ name: String, fixture: String = "audio-id3.mp3") async throws -> MediaItem {
        var item = MediaItem(source: "test", remoteID: name, title: "Song", creators: ["Band"], url: "file:///\(name).mp3")
        item.catalogID = try await store.upsertItem(item).itemID
        let file = dir.file("\(name).download").path
        try FileManager.default.copyItem(atPath: Fixtures.media(fixture), toPath: file)
        let (digest, bytes) = try FileChecksummer().sha256(path: file)
        item.downloadedFile = file
        item.sha256 = digest.hex
        item.byteCount = Int64(bytes)
        return item
    }

    func context() -> StageContext { StageContext(temporaryDirectory: dir.url) }

    /// A run killed between placing a file and recording it leaves the file under its final
    /// name: the next attempt takes that file as it is (same bytes), not a tagged copy; a file
    /// with other bytes under the name is never overwritten.
    @Test func aNameHoldingTheSameBytesIsTakenAndOneWithOtherBytesIsNot() async throws {
        let item = try await downloaded("leftover")
        let base = "test/Band/Song.mp3"
        try FileManager.default.createDirectory(at: library.root.appendingPathComponent("test/Band"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: item.downloadedFile!, toPath: library.path(for: base)!)
        let candidates = LibraryPath.candidates(base, sha256: item.sha256!)
        #expect(try library.place(item.downloadedFile!, sha256: item.sha256!, candidates: candidates) == base)
        #expect(!FileManager.default.fileExists(atPath: item.downloadedFile!), "the new copy was dropped")

        let other = try await downloaded("other")
        let otherBytes = dir.file("other.bytes").path
        try Data("not the same".utf8).write(to: URL(fileURLWithPath: otherBytes))
        let tagged = try library.place(otherBytes, sha256: "0123456789abcdef", candidates: LibraryPath.candidates(base, sha256: "0123456789abcdef"))
        #expect(tagged == "test/Band/Song [01234567].mp3")
        #expect(library.holds(base, size: other.byteCount!), "the first file is untouched")
    }

    @Test func aFilePlacedForAnItemWhoseRecordFailsIsRemoved() async throws {
        let item = try await downloaded("only")
        let failing = FailingRecordStore(base: store, failing: [item.catalogID!])
        await #expect(throws: InjectedFailure.self) {
            _ = try await LibraryStage(store: failing, library: library).process(item, context: context())
        }
        let left = try FileManager.default.subpathsOfDirectory(atPath: library.root.path).filter { $0.hasSuffix(".mp3") }
        #expect(left.isEmpty, "no unrecorded file stays in the library: \(left)")
    }

    /// A places the file and its record fails while B, the same bytes, waits its turn: A's file
    /// goes, and B stores the content itself, so the file B's record points at exists.
    @Test func theSecondItemWithTheSameBytesIsStoredWhenTheFirstRecordFails() async throws {
        let a = try await downloaded("a"), b = try await downloaded("b")
        let failing = FailingRecordStore(base: store, failing: [a.catalogID!])
        let stage = LibraryStage(store: failing, library: library)
        let first = Task { try await stage.process(a, context: context()) }
        let second = Task { try await stage.process(b, context: context()) }
        await #expect(throws: InjectedFailure.self) { _ = try await first.value }
        guard case .forward(let stored) = try await second.value else {
            Issue.record("B was not forwarded")
            return
        }
        let locator = try #require(stored.locator)
        #expect(try await store.storedOriginal(itemID: b.catalogID!)?.locator == locator)
        #expect(library.holds(locator, size: b.byteCount!), "the file B's record points at must be there")
        let files = try FileManager.default.subpathsOfDirectory(atPath: library.root.path).filter { $0.hasSuffix(".mp3") }
        #expect(files == [locator], "one file for the content, no leftover of A's")
    }

    /// Two processes (two stages, each with a lock of its own) with the same content: while one
    /// job item's attempt holds the store's claim on it, the other waits, and once it is
    /// recorded, links to that file instead of placing another.
    @Test func anotherProcessPlacingTheSameContentIsWaitedFor() async throws {
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["test"], stages: ["store"]))
        try await store.enqueue(
            jobID: job.id, items: ["a", "b"].map { MediaItem(source: "test", remoteID: $0, title: "Song", url: "file:///\($0).mp3") },
            completingInput: nil)
        let leases = try await store.claim(jobID: job.id, holder: "r", limit: 2, leaseDuration: .seconds(60)).map(\.lease)
        var a = try await downloaded("a"), b = try await downloaded("b")
        (a.lease, b.lease) = (leases[0], leases[1])
        let content = ContentKey.original(sha256: a.sha256!)
        #expect(try await store.claimContent(content, backend: LocalLibrary.backendName, lease: leases[0], replacing: false) == .claimed)

        let waiting = Task { [b] in try await LibraryStage(store: store, library: library).process(b, context: context()) }
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await store.storedOriginal(itemID: b.catalogID!) == nil, "B waits while A's attempt places the content")
        guard case .forward(let first) = try await LibraryStage(store: store, library: library).process(a, context: context()),
            case .forward(let second) = try await waiting.value
        else {
            Issue.record("an item was not forwarded")
            return
        }
        #expect(!first.reusedExistingFile && second.reusedExistingFile && second.locator == first.locator)
        let files = try FileManager.default.subpathsOfDirectory(atPath: library.root.path).filter { $0.hasSuffix(".mp3") }
        #expect(files == [first.locator], "one file for the content")
    }

    /// An item waiting for another process's claim holds no disk slot: with one slot, an item
    /// of other content that comes after it is placed while it still waits.
    @Test func anItemWaitingForAClaimHoldsNoLane() async throws {
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["test"], stages: ["store"]))
        try await store.enqueue(
            jobID: job.id,
            items: ["a", "b", "elsewhere"].map { MediaItem(source: "test", remoteID: $0, title: $0, url: "file:///\($0).mp3") },
            completingInput: nil)
        let leases = try await store.claim(jobID: job.id, holder: "r", limit: 3, leaseDuration: .seconds(60)).map(\.lease)
        var a = try await downloaded("a"), b = try await downloaded("b", fixture: "audio-pcm.wav")
        (a.lease, b.lease) = (leases[0], leases[1])
        let content = ContentKey.original(sha256: a.sha256!)
        #expect(try await store.claimContent(content, backend: LocalLibrary.backendName, lease: leases[2], replacing: false) == .claimed)

        let graph = Graph(source: SpacedSource(items: [a, b]), stages: [LibraryStage(store: store, library: library, concurrency: 2)])
        let run = Task { [dir] in
            try await graph.run(lanes: Lanes(LaneLimits(disk: 1)), temporaryDirectory: dir.url, observer: CountingObserver())
        }
        try await waitUntil("B is stored while A waits for the claim", timeout: .seconds(20)) {
            try await store.storedOriginal(itemID: b.catalogID!) != nil
        }
        #expect(try await store.storedOriginal(itemID: a.catalogID!) == nil)
        try await store.releaseContent(content, backend: LocalLibrary.backendName, lease: leases[2])
        try await withDeadline("A is stored once the claim is given up") { try await run.value }
        #expect(try await store.storedOriginal(itemID: a.catalogID!) != nil)
    }
}

struct InjectedFailure: Error, CustomStringConvertible {
    var description: String { "injected: the database refused the write" }
}

/// The real SQLite store, except that `recordOriginal` fails for the `failing` items.
final class FailingRecordStore: CatalogStore {
    let base: SQLiteJobStore
    let failing: Set<Int64>

    init(base: SQLiteJobStore, failing: Set<Int64>) {
        self.base = base
        self.failing = failing
    }

    func recordOriginal(
        itemID: Int64, sha256: String, size: Int64, format: String?, backend: String, locator: String,
        description: ItemDescription?, lease: ItemLease?
    ) async throws -> StoredFile {
        if failing.contains(itemID) { throw InjectedFailure() }
        return try await base.recordOriginal(
            itemID: itemID, sha256: sha256, size: size, format: format, backend: backend, locator: locator,
            description: description, lease: lease)
    }

    func upsertItem(_ item: MediaItem) async throws -> CatalogEntry { try await base.upsertItem(item) }
    func storedOriginal(itemID: Int64) async throws -> StoredFile? { try await base.storedOriginal(itemID: itemID) }
    func catalogEntry(itemID: Int64) async throws -> CatalogEntry { try await base.catalogEntry(itemID: itemID) }
    func storedOriginal(sha256: String, backend: String) async throws -> StoredFile? {
        try await base.storedOriginal(sha256: sha256, backend: backend)
    }
    func recordRendition(
        itemID: Int64, originalSHA256: String, profile: String, sha256: String, size: Int64, format: String?,
        warnings: [String], key: OutputKey?, backend: String, locator: String, lease: ItemLease?
    ) async throws -> StoredRendition {
        try await base.recordRendition(
            itemID: itemID, originalSHA256: originalSHA256, profile: profile, sha256: sha256, size: size, format: format,
            warnings: warnings, key: key, backend: backend, locator: locator, lease: lease)
    }
    func recordOriginalAsset(sha256: String, size: Int64, format: String?, lease: ItemLease?) async throws -> Int64 {
        try await base.recordOriginalAsset(sha256: sha256, size: size, format: format, lease: lease)
    }
    func recordRenditionAsset(
        itemID: Int64, originalSHA256: String, profile: String, sha256: String, size: Int64, format: String?,
        warnings: [String], key: OutputKey?, lease: ItemLease?
    ) async throws -> Int64 {
        try await base.recordRenditionAsset(
            itemID: itemID, originalSHA256: originalSHA256, profile: profile, sha256: sha256, size: size, format: format,
            warnings: warnings, key: key, lease: lease)
    }
    func recordRenditionFailure(originalSHA256: String, profile: String, settings: String, error: String, lease: ItemLease?) async throws {
        try await base.recordRenditionFailure(originalSHA256: originalSHA256, profile: profile, settings: settings, error: error, lease: lease)
    }
    func renditionFailure(originalSHA256: String, profile: String) async throws -> RenditionFailure? {
        try await base.renditionFailure(originalSHA256: originalSHA256, profile: profile)
    }
    func storedRendition(originalSHA256: String, profile: String, linkTo itemID: Int64, lease: ItemLease?) async throws -> StoredRendition? {
        try await base.storedRendition(originalSHA256: originalSHA256, profile: profile, linkTo: itemID, lease: lease)
    }
    func setStatus(itemID: Int64, _ status: ItemStatus, error: String?) async throws {
        try await base.setStatus(itemID: itemID, status, error: error)
    }
    func saveProcessorResult(
        itemID: Int64, processor: String, version: Int, json: String, description: ItemDescription?, lease: ItemLease?
    ) async throws {
        try await base.saveProcessorResult(
            itemID: itemID, processor: processor, version: version, json: json, description: description, lease: lease)
    }
    func claimContent(_ content: ContentKey, backend: String, lease: ItemLease, replacing: Bool) async throws -> ContentClaim {
        try await base.claimContent(content, backend: backend, lease: lease, replacing: replacing)
    }
    func releaseContent(_ content: ContentKey, backend: String, lease: ItemLease) async throws {
        try await base.releaseContent(content, backend: backend, lease: lease)
    }
    func processorResult(itemID: Int64, processor: String) async throws -> String? {
        try await base.processorResult(itemID: itemID, processor: processor)
    }
    func saveAssetResult(assetID: Int64, processor: String, version: Int, key: OutputKey, json: String, lease: ItemLease?) async throws {
        try await base.saveAssetResult(assetID: assetID, processor: processor, version: version, key: key, json: json, lease: lease)
    }
    func assetResults(assetID: Int64) async throws -> [ProcessorRecord] { try await base.assetResults(assetID: assetID) }
    func assetResults(processor: String) async throws -> [ProcessorRecord] { try await base.assetResults(processor: processor) }
    func albumResults(itemID: Int64, processor: String) async throws -> (collection: String, results: [String?])? {
        try await base.albumResults(itemID: itemID, processor: processor)
    }
    func recordDerivedFile(
        itemID: Int64, parentAssetID: Int64, kind: DerivedKind, name: String, sha256: String, size: Int64, format: String?,
        key: OutputKey, backend: String, locator: String, lease: ItemLease?
    ) async throws -> DerivedFile {
        try await base.recordDerivedFile(
            itemID: itemID, parentAssetID: parentAssetID, kind: kind, name: name, sha256: sha256, size: size, format: format, key: key,
            backend: backend, locator: locator, lease: lease)
    }
    func derivedFiles(parentAssetID: Int64) async throws -> [DerivedFile] { try await base.derivedFiles(parentAssetID: parentAssetID) }
    func removeOutput(assetID: Int64, lease: ItemLease?) async throws -> [StoredFile] { try await base.removeOutput(assetID: assetID, lease: lease) }
    func dropOriginal(itemID: Int64, assetID: Int64, linkTo: Int64?, reason: String, lease: ItemLease?) async throws -> [StoredFile] {
        try await base.dropOriginal(itemID: itemID, assetID: assetID, linkTo: linkTo, reason: reason, lease: lease)
    }
    func removeAssetResult(assetID: Int64, processor: String, lease: ItemLease?) async throws {
        try await base.removeAssetResult(assetID: assetID, processor: processor, lease: lease)
    }
    func libraryItems(includingUnstored: Bool) async throws -> [LibraryEntry] {
        try await base.libraryItems(includingUnstored: includingUnstored)
    }
    func removeItems(_ ids: [Int64]) async throws -> RemovedItems { try await base.removeItems(ids) }
}

/// Emits its items 0.3 s apart, so the first is at work before the next arrives.
struct SpacedSource: ItemSource {
    let items: [MediaItem]
    var name: String { "spaced" }

    func produce(into emit: (MediaItem) async throws -> Void, context: SourceContext) async throws {
        for (index, item) in items.enumerated() {
            if index > 0 { try await Task.sleep(for: .milliseconds(300)) }
            try await emit(item)
        }
    }
}
