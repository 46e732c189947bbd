import Engine
import Foundation
import PostgresStore
import Testing
import TestSupport

/// A host opens a store from the text its user gives: a SQLite file's path or a PostgreSQL URL.
@Suite struct StoreLocationTests {
    @Test func aPathOpensASQLiteStore() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("location-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        let location = try StoreLocation(path)
        #expect(location == .sqlite(path: path) && !location.exists && !location.isShared)
        let store = try await location.open()
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["a"], stages: ["download"]))
        #expect(location.exists)
        #expect(try await StoreLocation(path).open().jobInputs(job.id).map(\.input) == ["a"])
    }

    @Test func aURLOpensAPostgreSQLStoreInItsSchema() async throws {
        let schema = PostgresCluster.uniqueSchema("location")
        let location = try StoreLocation(PostgresCluster.shared.url, schema: schema)
        #expect(location.isShared && location.description.hasSuffix("(schema \(schema))"))
        let store = try await location.open(password: PostgresCluster.password)
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["b"], stages: ["download"]))
        #expect(try PostgresCluster.shared.psql("SELECT count(*) FROM \(schema).job_runs WHERE id = \(job.id)") == "1")
    }

    @Test(arguments: [
        ("postgress://engine@db/media", "not a postgres://"),
        ("postgres://engine:hunter2@db/media", "holds a password"),
        ("postgres://db/media", "names no user"),
        ("http://engine@db/media", "not a postgres://"),
    ])
    func aURLThatIsNotAUsableStoreIsRefusedWithItsReason(text: String, reason: String) {
        do {
            _ = try StoreLocation(text)
            Issue.record("\(text) was taken")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
            #expect(!"\(error)".contains("hunter2"))
        }
    }
}
