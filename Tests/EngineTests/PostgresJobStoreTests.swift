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
        let applied = try PostgresCluster.shared.psql("SELECT name FROM \(schema).engine_migrations")
        #expect(applied == PostgresJobStore.schemaMigration, "each migration recorded once")
        #expect(try await stores[0].appliedMigrations() == [PostgresJobStore.schemaMigration])
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
        #expect(try PostgresCluster.shared.psql("SELECT count(*) FROM \(schema).engine_migrations") == "2")
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
