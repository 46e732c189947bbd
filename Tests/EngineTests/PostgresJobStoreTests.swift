import Engine
import Foundation
import PostgresStore
import Testing
import TestSupport

/// What only the shared store has to get right: several workers (each its own connection
/// pool, as separate processes are) at once on one job, migrations raced on an empty schema,
/// profiles side by side in one database.
@Suite struct PostgresJobStoreTests {
    let url = try! PostgresStoreURL(PostgresCluster.shared.url)

    func open(_ schema: String, connections: Int = 4) async throws -> PostgresJobStore {
        try await PostgresJobStore.open(url: url, schema: schema, password: PostgresCluster.password, maximumConnections: connections)
    }

    func items(_ count: Int) -> [MediaItem] {
        (0..<count).map { MediaItem(source: "test", remoteID: "i\($0)", title: "T\($0)", url: "file:///i\($0).mp3") }
    }

    @Test func workersStartingAtOnceOnAnEmptySchemaMigrateItOnce() async throws {
        let schema = PostgresCluster.uniqueSchema("race")
        let stores = try await withThrowingTaskGroup(of: PostgresJobStore.self) { group in
            for _ in 0..<6 { group.addTask { try await open(schema, connections: 1) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 6)
        let applied = try PostgresCluster.shared.psql("SELECT name FROM \(schema).engine_migrations ORDER BY name")
        #expect(applied == PostgresJobStore.knownMigrations.joined(separator: "\n"), "each migration recorded once")
        #expect(try await stores[0].appliedMigrations() == PostgresJobStore.knownMigrations)
        let job = try await stores[1].createJob(JobSpec(type: .ingest, inputs: ["a"], stages: ["download"]))
        #expect(try await stores[5].job(job.id)?.status == .queued, "every worker sees one store")
    }

    @Test func profilesSideBySideInOneDatabaseNeverSeeEachOthersRows() async throws {
        let dev = try await open(PostgresCluster.uniqueSchema("dev"))
        let prod = try await open(PostgresCluster.uniqueSchema("prod"))
        let job = try await dev.createJob(JobSpec(type: .ingest, inputs: ["a"], stages: ["download"]))
        try await dev.enqueue(jobID: job.id, items: items(3), completingInput: 0)
        #expect(try await prod.jobs(limit: 10).isEmpty)
        #expect(try await prod.libraryItems(includingUnstored: true).isEmpty)
        #expect(try await prod.claim(jobID: job.id, holder: "w", limit: 10, leaseDuration: .seconds(30)).isEmpty)
        #expect(try await dev.libraryItems(includingUnstored: true).count == 3)
        #expect(PostgresJobStore.schemaName(profile: "dev_2") == "engine_dev_2")
        let mapped = PostgresJobStore.schemaName(profile: "Dev-2")
        #expect(mapped.hasPrefix("engine_dev_2_") && mapped != PostgresJobStore.schemaName(profile: "dev-2"), "names that map alike stay apart")
        #expect(PostgresJobStore.schemaName(profile: String(repeating: "x", count: 64)).count <= 63)
    }

    @Test func aSchemaWrittenByANewerVersionIsRefusedAndLeftAsItIs() async throws {
        let schema = PostgresCluster.uniqueSchema("newer")
        _ = try await open(schema)
        try PostgresCluster.shared.psql("INSERT INTO \(schema).engine_migrations (name) VALUES ('pg99-from-the-future')")
        await #expect(throws: StoreError.self) { _ = try await open(schema) }
        #expect(
            try PostgresCluster.shared.psql("SELECT count(*) FROM \(schema).engine_migrations") == "\(PostgresJobStore.knownMigrations.count + 1)",
            "nothing was applied or removed")
    }

    /// Four workers claim and settle one job's 400 items at once: each item is claimed by one
    /// of them and succeeds once; no claim waits for another (SKIP LOCKED).
    @Test func concurrentWorkersClaimEveryItemExactlyOnce() async throws {
        let schema = PostgresCluster.uniqueSchema("claims")
        let first = try await open(schema)
        let job = try await first.createJob(JobSpec(type: .ingest, inputs: ["a"], stages: ["download"]))
        try await first.enqueue(jobID: job.id, items: items(400), completingInput: 0)
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    let store = try await open(schema, connections: 2)
                    var mine: [Int64] = []
                    while case let batch = try await store.claim(jobID: job.id, holder: "w\(worker)", limit: 7, leaseDuration: .seconds(30)),
                        !batch.isEmpty
                    {
                        for item in batch { store.submitSettle(item.lease, .succeeded(bytes: 1)) }
                        mine += batch.map(\.lease.jobItemID)
                    }
                    try await store.flush()
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claimed.count == 400 && Set(claimed).count == 400, "no item claimed twice")
        let counters = try await first.counters(jobID: job.id)
        #expect(counters[.succeeded] == 400 && counters.total == 400)
    }

    /// Content claimed by eight attempts at once: one places it, the others wait.
    @Test func oneOfManyConcurrentContentClaimsWins() async throws {
        let store = try await open(PostgresCluster.uniqueSchema("content"), connections: 8)
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["a"], stages: ["download"]))
        try await store.enqueue(jobID: job.id, items: items(8), completingInput: 0)
        let leases = try await store.claim(jobID: job.id, holder: "w", limit: 8, leaseDuration: .seconds(30)).map(\.lease)
        let answers = try await withThrowingTaskGroup(of: ContentClaim.self) { group in
            for lease in leases {
                group.addTask { try await store.claimContent(.original(sha256: "same"), backend: "library", lease: lease, replacing: false) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.filter { $0 == .claimed }.count == 1 && answers.filter { $0 == .busy }.count == 7)
    }

    /// The rescuer and a completing worker race for the same item: whichever wins, a
    /// completed item is never moved back, and a rescued one refuses the late completion.
    @Test func theRescuerNeverMovesACompletedItemBack() async throws {
        let store = try await open(PostgresCluster.uniqueSchema("rescue"), connections: 8)
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["a"], stages: ["download"]))
        try await store.enqueue(jobID: job.id, items: items(50), completingInput: 0)
        let claimed = try await store.claim(jobID: job.id, holder: "w", limit: 50, leaseDuration: .milliseconds(1))
        try await Task.sleep(for: .milliseconds(5))
        let settled = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { _ = try await store.interruptExpiredLeases(); return false }
            for item in claimed {
                group.addTask {
                    do {
                        try await store.settle(item.lease, .succeeded(bytes: 1))
                        return true
                    } catch StoreError.leaseLost {
                        return false
                    }
                }
            }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        let counters = try await store.counters(jobID: job.id)
        #expect(counters[.succeeded] == settled, "every accepted completion stands")
        #expect(counters[.interrupted] == 50 - settled, "every refused one was rescued")
    }

    @Test func theStoreURLNeverHoldsAPasswordAndThePasswordComesFromTheEnvironmentOrPgpass() throws {
        #expect(throws: PostgresStoreURLError.self) { try PostgresStoreURL("postgres://engine:secret@db:5432/media") }
        #expect(throws: PostgresStoreURLError.self) { try PostgresStoreURL("mysql://engine@db/media") }
        #expect(throws: PostgresStoreURLError.self) { try PostgresStoreURL("postgres://engine@db:5432/") }
        #expect(throws: PostgresStoreURLError.self) { try PostgresStoreURL("postgres://engine@db/media?sslmode=maybe") }
        let parsed = try PostgresStoreURL("postgresql://engine@db.example:6543/media?sslmode=require")
        #expect(parsed.host == "db.example" && parsed.port == 6543 && parsed.database == "media" && parsed.tls == .require)
        #expect(parsed.description == "postgres://engine@db.example:6543/media?sslmode=require")

        #expect(parsed.password(environment: ["ENGINE_STORE_PASSWORD": "a", "PGPASSWORD": "b"]) == "a")
        #expect(parsed.password(environment: ["PGPASSWORD": "b"]) == "b")
        let dir = try TemporaryDirectory("pgpass")
        let file = dir.file("pgpass").path
        try "other:6543:media:engine:no\ndb.example:*:media:engine:pa\\:ss\n*:*:*:*:fallback\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o644)
        #expect(parsed.password(environment: ["PGPASSFILE": file]) == nil, "a pgpass others may read is ignored, as libpq does")
        chmod(file, 0o600)
        #expect(parsed.password(environment: ["PGPASSFILE": file]) == "pa:ss")
    }

    @Test func aWrongPasswordIsAOneLineErrorThatNeverShowsIt() async throws {
        let secret = "wrong-\(UUID().uuidString)"
        do {
            _ = try await PostgresJobStore.open(url: url, schema: PostgresCluster.uniqueSchema(), password: secret, maximumConnections: 1)
            Issue.record("a wrong password was accepted")
        } catch {
            let message = "\(error)"
            #expect(!message.contains(secret) && !message.contains("\n"))
            #expect(message.contains("password authentication failed"), "\(message)")
        }
    }
}

/// What the console and `jobs show` read (`EngineStore`'s overview) is the same on both stores
/// after the same history: a job with items of two collections, some stored, failed, retried.
@Suite struct StoreOverviewParityTests {
    func history(_ store: any EngineStore) async throws -> String {
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["a"], stages: ["download"]))
        let items = (0..<6).map { n in
            MediaItem(
                source: n < 4 ? "radio" : "tv", remoteID: "i\(n)", title: "T\(n)", creators: ["C\(n % 2)"],
                collection: CollectionRef(kind: .playlist, locator: n % 2 == 0 ? "list-a" : "list-b", title: n % 2 == 0 ? "Alpha" : nil),
                position: n, url: "file:///i\(n).mp3")
        }
        try await store.enqueue(jobID: job.id, items: items, completingInput: 0)
        let claimed = try await store.claim(jobID: job.id, holder: "w", limit: 6, leaseDuration: .seconds(30))
        _ = try await store.recordOriginal(
            itemID: claimed[0].item.catalogID!, sha256: "s0", size: 10, format: "mp3", backend: "library", locator: "radio/C0/T0.mp3",
            description: ItemDescription(title: "T0", creators: ["C0"], duration: 1, mediaKind: "audio"), lease: claimed[0].lease)
        try await store.settle(claimed[0].lease, .succeeded(bytes: 10))
        try await store.settle(claimed[1].lease, .failed(error: "HTTP 404", kind: .http4xx))
        try await store.settle(claimed[4].lease, .failed(error: "reset", kind: .network))
        try await store.settle(claimed[2].lease, .retry(error: "HTTP 503", kind: .http5xx, after: .seconds(3600)))
        try await store.setWanted(collections: [1], true)
        let failed = try await store.failedItems(FailedItemFilter(), limit: 10)
        let network = try await store.failedItems(FailedItemFilter(kind: "network"), limit: 10)
        let collections = try await store.collections(CollectionFilter(), limit: 10)
        let wanted = try await store.collections(CollectionFilter(keyword: "LIST", wantedOnly: true), limit: 10)
        let byCollection = try await store.jobCollections(jobID: job.id)
        let listA = try await store.jobItems(jobID: job.id, collection: "list-a", limit: 10)
        let events = try await store.events(after: 0, limit: 100)
        let lines: [String] = [
            "failed \(failed.total) \(failed.items.map(\.itemKey)) \(failed.byKind.map { "\($0.name)=\($0.count)" }) \(failed.bySource.map(\.name))",
            "network \(network.items.map(\.itemKey))",
            "collections \(collections.total) \(collections.rows.map { "\($0.locator):\($0.status.rawValue):\($0.total)/\($0.downloaded):\($0.wanted)" }) \(collections.sources)",
            "wanted \(wanted.rows.map(\.locator))",
            "by collection \(byCollection.map { "\($0.locator)|\($0.title)|\($0.total)|\($0.done)|\($0.failed)|\($0.running)" })",
            "list-a \(listA.map { "\($0.itemKey)|\($0.status.rawValue)|\($0.storedAt ?? "-")|\($0.kind ?? "-")" })",
            "events \(events.map(\.kind))",
            "open \(try await store.openJobItemCounts().byStatus.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" })",
            "bytes \(try await store.jobBytes(jobID: job.id)) last event \(try await store.lastEventID() > 0)",
            "keys \(try await store.jobItemKeys(ids: claimed.map(\.lease.jobItemID)).map(\.itemKey))",
            "library \(try await store.libraryItems(includingUnstored: true).map { "\($0.source):\($0.remoteID):\($0.file?.locator ?? "-")" })",
            "item \(try await store.libraryItem(key: "radio:i0")?.collections ?? [])",
        ]
        return lines.joined(separator: "\n")
    }

    @Test func theOverviewReadsTheSameOnSQLiteAndPostgreSQL() async throws {
        let dir = try TemporaryDirectory("parity")
        let sqlite = try await history(try SQLiteJobStore(path: dir.file("engine.sqlite").path))
        let postgres = try await history(
            try await PostgresJobStore.open(
                url: PostgresStoreURL(PostgresCluster.shared.url), schema: PostgresCluster.uniqueSchema("parity"),
                password: PostgresCluster.password))
        #expect(sqlite == postgres)
        #expect(sqlite.contains("failed 2"), "\(sqlite)")
    }
}
