import Foundation
import Testing
import TestSupport

/// Several `engine worker` processes (each its own data and temp directory, as separate
/// machines would have; the library a shared folder) run one job together through the
/// PostgreSQL test cluster, and lose or duplicate nothing when one of them is killed.
@Suite(.serialized) struct SharedStoreTests {
    static let fixtures = ["audio-id3.mp3", "audio-pcm.wav", "audio-vorbis.ogg", "audio-aac.m4a", "audio-vorbis-comments.flac"]

    @Test func threeWorkersOnSeparateMachinesRunOneJobTogether() async throws {
        let cluster = try Cluster(count: 300, distinct: 30, delay: 100)
        let submit = try await Command.engineAsync(
            ["jobs", "submit", "ingest", "--input", cluster.playlist, "--no-renditions"] + cluster.flags(0),
            environment: PostgresCluster.shared.environment.merging(["ENGINE_DOWNLOAD_WORKERS": "4"]) { $1 })
        #expect(submit.status == 0, "\(submit.stderr)")
        let workers = try (0..<3).map(cluster.worker)
        for worker in workers { #expect(try await worker.wait(timeout: .seconds(180)) == 0, "\(worker.errors)") }
        let joined = workers.filter { $0.errors.contains("job 1") }.count
        #expect(joined >= 2, "the work was shared: \(workers.map(\.errors))")
        try expectEverythingStoredOnce(cluster)
    }

    /// A worker SIGKILLed at a random moment while it holds items, ten times (the owner or a
    /// helper, whichever the draw picks), and started again each time: its items' leases
    /// expire and are rescued, an owner that stopped answering has its job requeued, and the
    /// job still ends with every item stored exactly once.
    @Test(.tags(.slow)) func workersKilledAtRandomMomentsLoseAndDuplicateNothing() async throws {
        let cluster = try Cluster(count: 300, distinct: 30, delay: 300)
        let environment = PostgresCluster.shared.environment.merging(["ENGINE_DOWNLOAD_WORKERS": "2"]) { $1 }
        let submit = try await Command.engineAsync(
            ["jobs", "submit", "ingest", "--input", cluster.playlist, "--no-renditions"] + cluster.flags(0), environment: environment)
        #expect(submit.status == 0, "\(submit.stderr)")
        func start(_ n: Int) throws -> EngineProcess {
            try EngineProcess(["worker"] + cluster.flags(n), environment: PostgresCluster.shared.environment)
        }
        var workers = try (0..<3).map(start)
        let kills = try await cluster.killTrials(10, workers: &workers, start: start)
        try await cluster.waitForCompletion()
        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers { _ = try await worker.wait(timeout: .seconds(30)) }
        let context = "after kills \(kills.map { "worker \($0.worker) at \($0.at) ms" })"
        try expectEverythingStoredOnce(cluster, context: context)
        let rescued = Int(try cluster.sql("SELECT count(*) FROM job_items WHERE attempts > 1")) ?? 0
        #expect(rescued > 0, "\(context): no item was ever taken from a killed worker")
    }

    /// A zombie: a worker stopped (SIGSTOP) while it holds items, until its leases are rescued
    /// and the others finish the job, then continued: every late write it makes is refused,
    /// nothing it does changes the store or the library, and it goes on working.
    @Test(.tags(.slow)) func aZombieWorkersLateWritesChangeNothing() async throws {
        let cluster = try Cluster(count: 200, distinct: 20, delay: 300)
        let submit = try await Command.engineAsync(
            ["jobs", "submit", "ingest", "--input", cluster.playlist, "--no-renditions"] + cluster.flags(0),
            environment: PostgresCluster.shared.environment.merging(["ENGINE_DOWNLOAD_WORKERS": "2"]) { $1 })
        #expect(submit.status == 0, "\(submit.stderr)")
        let workers = try (0..<3).map { try EngineProcess(["worker"] + cluster.flags($0), environment: PostgresCluster.shared.environment) }
        defer { for worker in workers { worker.signal(SIGKILL) } }
        let zombie = workers[1]
        let pid = zombie.process.processIdentifier
        let holds = "SELECT id FROM job_items WHERE status = 'running' AND lease_holder LIKE '%-\(pid)-%'"
        let deadline = ContinuousClock.now + .seconds(30)
        while try cluster.sql(holds).isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        zombie.signal(SIGSTOP)
        let held = try cluster.sql(holds).split(separator: "\n").joined(separator: ", ")
        #expect(!held.isEmpty, "the zombie held items when it stopped")
        // Its items are rescued (leases expire) and finished by the others; the job completes.
        let finished = ContinuousClock.now + .seconds(180)
        while try cluster.sql("SELECT status FROM job_runs WHERE id = 1") != "completed", ContinuousClock.now < finished {
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(try cluster.sql("SELECT count(*) FROM job_items WHERE id IN (\(held)) AND status = 'succeeded' AND attempts > 1") != "0")
        let state = "SELECT (SELECT sum(attempts) FROM job_items), (SELECT count(*) FROM file_locations), (SELECT count(*) FROM file_assets)"
        let before = try cluster.sql(state)
        zombie.signal(SIGCONT)
        try await Task.sleep(for: .seconds(5))
        #expect(zombie.isRunning, "the zombie goes on: \(zombie.errors)")
        let after = try cluster.sql(state)
        #expect(before == after, "the zombie changed the store")
        try expectEverythingStoredOnce(cluster, context: "after the zombie came back")
    }

    /// PostgreSQL restarted in the middle of a job (a cluster of this test's own): the workers'
    /// statements fail while it is down, they reconnect with backoff, and the job completes
    /// with every item stored once.
    @Test func workersReconnectAfterPostgreSQLRestartsMidJob() async throws {
        let postgres = try PostgresCluster.start()
        let cluster = try Cluster(count: 150, distinct: 15, delay: 200, postgres: postgres)
        let submit = try await Command.engineAsync(
            ["jobs", "submit", "ingest", "--input", cluster.playlist, "--no-renditions"] + cluster.flags(0),
            environment: PostgresCluster.shared.environment.merging(["ENGINE_DOWNLOAD_WORKERS": "2"]) { $1 })
        #expect(submit.status == 0, "\(submit.stderr)")
        let workers = try (0..<2).map { try EngineProcess(["worker"] + cluster.flags($0), environment: PostgresCluster.shared.environment) }
        defer { for worker in workers { worker.signal(SIGKILL) } }
        let started = ContinuousClock.now + .seconds(30)
        while try cluster.sql("SELECT count(*) FROM job_items WHERE status = 'succeeded'") < "1", ContinuousClock.now < started {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await postgres.restart()
        let deadline = ContinuousClock.now + .seconds(180)
        while (try? cluster.sql("SELECT status FROM job_runs WHERE id = 1")) != "completed", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(workers.allSatisfy { $0.isRunning }, "\(workers.map(\.errors))")
        try expectEverythingStoredOnce(cluster, context: "after a restart: \(workers.map(\.errors))")
        // The outage was waited out: the job never failed or went back to the queue for it.
        #expect(try cluster.sql("SELECT string_agg(kind, ',' ORDER BY id) FROM job_events WHERE kind NOT IN ('page', 'issue') AND kind NOT LIKE 'hook%'") == "created,running,completed")
    }

    /// An idle worker waits on LISTEN, not on a poll: a submitted job starts well within the
    /// fallback poll (5 s); with its listening connection terminated by the server, it listens
    /// again and the next job starts as promptly.
    @Test func anIdleWorkerIsWokenByTheStoreAndListensAgainAfterItsConnectionIsCut() async throws {
        let cluster = try Cluster(count: 5, distinct: 0, delay: 0)
        let worker = try EngineProcess(["worker"] + cluster.flags(1), environment: PostgresCluster.shared.environment)
        defer { worker.signal(SIGKILL) }
        func listening() throws -> Bool {
            try PostgresCluster.shared.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%media_engine_work%' AND application_name = 'media-engine'") != "0"
        }
        func submitAndTimeStart(_ id: Int) async throws -> Duration {
            let submit = try await Command.engineAsync(
                ["jobs", "submit", "ingest", "--input", cluster.playlist, "--no-renditions"] + cluster.flags(0),
                environment: PostgresCluster.shared.environment)
            #expect(submit.status == 0, "\(submit.stderr)")
            let clock = ContinuousClock(), start = clock.now
            while try cluster.sql("SELECT status FROM job_runs WHERE id = \(id)") == "queued", clock.now - start < .seconds(20) {
                try await Task.sleep(for: .milliseconds(20))
            }
            return clock.now - start
        }
        let settle = ContinuousClock.now + .seconds(20)
        while try !listening(), ContinuousClock.now < settle { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try listening(), "the idle worker listens")
        #expect(try await submitAndTimeStart(1) < .seconds(3), "woken, not polled")
        try PostgresCluster.shared.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%media_engine_work%' AND application_name = 'media-engine'")
        try await Task.sleep(for: .seconds(1))
        #expect(try listening(), "listening again after the server cut it")
        #expect(try await submitAndTimeStart(2) < .seconds(3))
        #expect(worker.isRunning, "\(worker.errors)")
    }
}

extension Tag {
    /// End-to-end trials that take a minute or more (kills waiting out leases).
    @Tag static var slow: Self
}
