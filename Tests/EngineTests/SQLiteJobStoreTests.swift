import Engine
import Foundation
import GRDB
import Testing
import TestSupport

@Suite struct SQLiteJobStoreTests {
    let dir: TemporaryDirectory
    var path: String { dir.file("engine.sqlite").path }

    init() throws {
        dir = try TemporaryDirectory("store")
    }

    func item(_ id: String, title: String = "Song", creators: [String] = ["Band"]) -> MediaItem {
        MediaItem(
            source: "local", remoteID: id, title: title, creators: creators,
            collection: CollectionRef(kind: .playlist, locator: "/lists/a.m3u", title: "A"), position: 1,
            url: "file://\(id)")
    }

    @Test func itemsAreUniqueBySourceAndRemoteID() async throws {
        let store = try SQLiteJobStore(path: path)
        let first = try await store.upsertItem(item("/a.mp3")).itemID
        let again = try await store.upsertItem(item("/a.mp3", title: "Renamed")).itemID
        let other = try await store.upsertItem(item("/b.mp3")).itemID
        #expect(first == again)
        #expect(first != other)
    }

    @Test func theSameContentTwiceIsOneAsset() async throws {
        let store = try SQLiteJobStore(path: path)
        let a = try await store.upsertItem(item("/a.mp3")).itemID
        let b = try await store.upsertItem(item("/b.mp3")).itemID
        let stored = try await store.recordOriginal(
            itemID: a, sha256: "abc", size: 3, format: "mp3", backend: "library", locator: "local/Band/Song.mp3", description: nil)
        #expect(try await store.storedOriginal(sha256: "abc", backend: "library") == stored)
        #expect(try await store.upsertItem(item("/a.mp3")).storedOriginal == stored)
        let reused = try await store.recordOriginal(
            itemID: b, sha256: "abc", size: 3, format: "mp3", backend: "library", locator: "local/Band/Song.mp3", description: nil)
        #expect(reused.assetID == stored.assetID)
        #expect(try await store.storedOriginal(itemID: b)?.locator == "local/Band/Song.mp3")
        let entries = try await store.libraryItems()
        #expect(entries.count == 2)
        #expect(Set(entries.map(\.file.assetID)) == [stored.assetID])
    }

    @Test func libraryListsCreatorsInOrderWithTheirFile() async throws {
        let store = try SQLiteJobStore(path: path)
        let id = try await store.upsertItem(item("/a.mp3", creators: ["Collected"])).itemID
        _ = try await store.recordOriginal(
            itemID: id, sha256: "f00", size: 10, format: "mp3", backend: "library", locator: "x.mp3",
            description: ItemDescription(title: "Tagged", creators: ["First", "Second"], duration: 3.5, mediaKind: "audio"))
        let entry = try #require(try await store.libraryItems().first)
        #expect(entry.title == "Tagged")
        #expect(entry.creators == ["First", "Second"])
        #expect(entry.duration == 3.5)
        #expect(entry.file.size == 10)
    }

    @Test func dataSurvivesReopening() async throws {
        do {
            let store = try SQLiteJobStore(path: path)
            let id = try await store.upsertItem(item("/a.mp3")).itemID
            try await store.saveProcessorResult(itemID: id, processor: "probe", version: 1, json: #"{"k":1}"#)
        }
        let reopened = try SQLiteJobStore(path: path)
        let id = try await reopened.upsertItem(item("/a.mp3")).itemID
        #expect(try await reopened.processorResult(itemID: id, processor: "probe") == #"{"k":1}"#)
    }

    @Test func concurrentWritesAreGroupedYetEachSucceedsOrFailsAlone() async throws {
        let store = try SQLiteJobStore(path: path)
        let first = try await store.upsertItem(item("/first.mp3")).itemID
        // 200 upserts and, among them, writes that fail (unknown backend): the failures throw
        // to their callers only; every upsert lands.
        let outcomes = await withTaskGroup(of: (upsert: Int64?, failed: Bool).self) { group in
            for n in 0..<200 {
                group.addTask { (try? await store.upsertItem(item("/\(n).mp3")).itemID, false) }
                if n % 50 == 0 {
                    group.addTask {
                        let result = try? await store.recordOriginal(
                            itemID: first, sha256: "x\(n)", size: 1, format: nil, backend: "nope", locator: "x\(n)",
                            description: nil)
                        return (nil, result == nil)
                    }
                }
            }
            return await group.reduce(into: [(upsert: Int64?, failed: Bool)]()) { $0.append($1) }
        }
        #expect(Set(outcomes.compactMap(\.upsert)).count == 200)
        #expect(outcomes.filter(\.failed).count == 4)
        #expect(try await store.libraryItems().isEmpty)
    }

    @Test func aDatabaseFromANewerVersionIsRefusedUntouched() async throws {
        do {
            let store = try SQLiteJobStore(path: path)
            _ = try await store.upsertItem(item("/a.mp3"))
        }
        #expect(writeBehindTheStore(path, "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')"))
        #expect {
            try SQLiteJobStore(path: path)
        } throws: { error in
            "\(error)".contains("newer version of MediaEngine") && "\(error)".contains("v99-from-the-future")
        }
    }
}

/// Writes to the database behind the store's back, as another program would.
private func writeBehindTheStore(_ path: String, _ sql: String) -> Bool {
    do {
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: sql) }
        return true
    } catch {
        return false
    }
}
