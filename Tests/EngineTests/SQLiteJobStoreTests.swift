@testable import Engine
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

    /// Several processes opening a new database at once (a run and a `jobs show` polling it):
    /// each migration runs once and every opener gets the migrated store.
    @Test func storesOpenedAtOnceOnANewDatabaseAllOpen() async throws {
        for round in 0..<5 {
            let path = dir.file("race-\(round).sqlite").path
            let failures = await withTaskGroup(of: String?.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        do {
                            _ = try await BlockingIO.run { try SQLiteJobStore(path: path) }
                            return nil
                        } catch { return "\(error)" }
                    }
                }
                return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
            }
            #expect(failures.isEmpty, "round \(round): \(failures.first ?? "")")
        }
    }

    /// One enqueue of a playlist upserts its source and collection once (the rows it made are
    /// remembered for the rest of the batch), yet a later item that gives the collection a
    /// title still updates it, as does one that gives back a title written before, and every
    /// item is linked in its place.
    @Test func anEnqueuedPlaylistIsOneCollectionThatALaterTitleStillUpdates() async throws {
        let store = try SQLiteJobStore(path: path)
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["/lists/a.m3u"], stages: ["catalog"]))
        let untitled = CollectionRef(kind: .playlist, locator: "/lists/a.m3u")
        var items = (0..<3).map { MediaItem(source: "local", remoteID: "/\($0).mp3", title: "S\($0)", collection: untitled, position: $0, url: "file:///\($0).mp3") }
        for (position, title) in [(3, "Road Trip"), (4, "Other"), (5, "Road Trip")] {
            items.append(
                MediaItem(
                    source: "local", remoteID: "/\(position).mp3", title: "S\(position)",
                    collection: CollectionRef(kind: .playlist, locator: "/lists/a.m3u", title: title), position: position,
                    url: "file:///\(position).mp3"))
        }
        try await store.enqueue(jobID: job.id, items: items, completingInput: nil)
        let collections = try await store.collections(CollectionFilter(), limit: 10).rows
        #expect(collections.map(\.title) == ["Road Trip"])
        #expect(collections.map(\.total) == [6])
        #expect(try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sources") } == 1)
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
            itemID: a, sha256: "abc", size: 3, format: "mp3", backend: "library", locator: "local/Band/Song.mp3", description: nil, lease: nil)
        #expect(try await store.storedOriginal(sha256: "abc", backend: "library") == stored)
        #expect(try await store.upsertItem(item("/a.mp3")).storedOriginal == stored)
        let reused = try await store.recordOriginal(
            itemID: b, sha256: "abc", size: 3, format: "mp3", backend: "library", locator: "local/Band/Song.mp3", description: nil, lease: nil)
        #expect(reused.assetID == stored.assetID)
        #expect(try await store.storedOriginal(itemID: b)?.locator == "local/Band/Song.mp3")
        let entries = try await store.libraryItems()
        #expect(entries.count == 2)
        #expect(Set(entries.map { $0.file?.assetID }) == [stored.assetID])
    }

    @Test func libraryListsCreatorsInOrderWithTheirFile() async throws {
        let store = try SQLiteJobStore(path: path)
        let id = try await store.upsertItem(item("/a.mp3", creators: ["Collected"])).itemID
        _ = try await store.recordOriginal(
            itemID: id, sha256: "f00", size: 10, format: "mp3", backend: "library", locator: "x.mp3",
            description: ItemDescription(title: "Tagged", creators: ["First", "Second"], duration: 3.5, mediaKind: "audio"), lease: nil)
        let entry = try #require(try await store.libraryItems().first)
        #expect(entry.title == "Tagged")
        #expect(entry.creators == ["First", "Second"])
        #expect(entry.duration == 3.5)
        #expect(entry.file?.size == 10)
    }

    @Test func dataSurvivesReopening() async throws {
        do {
            let store = try SQLiteJobStore(path: path)
            let id = try await store.upsertItem(item("/a.mp3")).itemID
            try await store.saveProcessorResult(itemID: id, processor: "probe", version: 1, json: #"{"k":1}"#, description: nil, lease: nil)
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
                            description: nil, lease: nil)
                        return (nil, result == nil)
                    }
                }
            }
            return await group.reduce(into: [(upsert: Int64?, failed: Bool)]()) { $0.append($1) }
        }
        #expect(Set(outcomes.compactMap(\.upsert)).count == 200)
        #expect(outcomes.filter(\.failed).count == 4)
        #expect(try await store.libraryItems().isEmpty)
        // 204 writes submitted together went through far fewer transactions.
        let transactions = store.committedTransactions - 1  // the first upsert committed alone
        #expect(transactions >= 1)
        #expect(transactions < 204 / 4, "writes were not grouped: \(transactions) transactions for 204 writes")
    }

    @Test func aDatabaseFromANewerVersionIsRefusedUntouched() async throws {
        do {
            let store = try SQLiteJobStore(path: path)
            _ = try await store.upsertItem(item("/a.mp3"))
        }
        #expect(writeBehindTheStore(path, "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')"))
        let before = FileManager.default.contents(atPath: path)
        #expect(before != nil)
        #expect {
            try SQLiteJobStore(path: path)
        } throws: { error in
            "\(error)".contains("newer version of MediaEngine") && "\(error)".contains("v99-from-the-future")
        }
        // The database is byte for byte as it was, and no change waits in a write-ahead log
        // (the read-only check may leave SQLite's empty -wal and its -shm index behind).
        #expect(FileManager.default.contents(atPath: path) == before, "the refused database was modified")
        #expect((FileManager.default.contents(atPath: path + "-wal")?.count ?? 0) == 0, "the refused database has a pending write")
    }

    /// A database made by the first release (only the v1 migration), with rows in it, opens
    /// with the current schema and keeps every row.
    @Test func aVersion1DatabaseIsMigratedWithItsRowsKept() async throws {
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteMigrations.migrator.migrate(queue, upTo: "v1-catalog-storage-processing")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO sources (id, name) VALUES (1, 'local');
                        INSERT INTO items (id, source_id, remote_id, title, url, media_kind, status)
                            VALUES (1, 1, '/a.mp3', 'Old Song', 'file:///a.mp3', 'audio', 'succeeded');
                        INSERT INTO creators (id, name) VALUES (1, 'Old Band');
                        INSERT INTO item_creators (item_id, creator_id, position) VALUES (1, 1, 0);
                        INSERT INTO file_assets (id, kind, format, size, sha256) VALUES (1, 'original', 'mp3', 3, 'aaa');
                        INSERT INTO file_assets (id, kind, parent_asset_id, profile, format, size, sha256)
                            VALUES (2, 'rendition', 1, 'aac-128k', 'mp4', 2, 'bbb');
                        INSERT INTO item_assets (item_id, asset_id) VALUES (1, 1), (1, 2);
                        INSERT INTO file_locations (asset_id, backend_id, locator, is_primary)
                            VALUES (1, 1, 'local/Old Band/Old Song.mp3', 1), (2, 1, 'local/Old Band/Old Song.aac-128k.m4a', 1);
                        """)
            }
            #expect(try await queue.read { try SQLiteMigrations.migrator.appliedIdentifiers($0) } == ["v1-catalog-storage-processing"])
        }
        let store = try SQLiteJobStore(path: path)
        let applied = try await store.pool.read { try SQLiteMigrations.migrator.appliedIdentifiers($0) }
        #expect(applied == Set(SQLiteMigrations.migrator.migrations))
        let entry = try #require(try await store.libraryItems().first)
        #expect(entry.title == "Old Song")
        #expect(entry.creators == ["Old Band"])
        #expect(entry.file?.locator == "local/Old Band/Old Song.mp3")
        #expect(entry.renditions.map(\.profile) == ["aac-128k"])
        // The old rows work with the new schema: the same item, and its rendition found by content.
        #expect(try await store.upsertItem(item("/a.mp3")).itemID == 1)
        #expect(try await store.storedRendition(originalSHA256: "aaa", profile: "aac-128k", linkTo: 1, lease: nil)?.file.sha256 == "bbb")
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
