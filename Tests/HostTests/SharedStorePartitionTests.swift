import Foundation
import Testing
import TestSupport

extension SharedStoreTests {
    /// A partition: two workers on machines of their own (network namespaces, each reaching
    /// PostgreSQL and the HTTP server only through its own link); one machine's link is taken
    /// down while its worker holds items, for longer than a lease. The other worker rescues
    /// and finishes those items; when the link comes back the cut-off worker rejoins (its
    /// heartbeat is seen again), its late writes change nothing, and nothing is stored twice.
    @Test(.tags(.slow)) func aWorkerCutOffLongerThanALeaseIsRescuedAndRejoinsStoringNothingTwice() async throws {
        try #require(geteuid() == 0, "network namespaces need root")
        let lab = try NetworkLab(machines: 2)
        let postgres = try PostgresCluster.start(listen: [lab.serviceAddress], allow: [lab.network])
        // Long enough (about 30 s of downloads) that the cut lands mid-job even when a loaded machine is slow to poll.
        let cluster = try Cluster(count: 240, distinct: 24, delay: 500, postgres: postgres, host: lab.serviceAddress)
        let submit = try await Command.engineAsync(
            ["jobs", "submit", "ingest", "--input", cluster.playlist, "--no-renditions"] + cluster.flags(0),
            environment: PostgresCluster.shared.environment.merging(["ENGINE_DOWNLOAD_WORKERS": "2"]) { $1 })
        #expect(submit.status == 0, "\(submit.stderr)")
        let workers = try (1...2).map { n in
            try EngineProcess(["worker"] + cluster.flags(n), environment: PostgresCluster.shared.environment, namespace: lab.namespace(n))
        }
        defer { for worker in workers { worker.signal(SIGKILL) } }
        let pid = workers[0].process.processIdentifier
        let holds = "SELECT id FROM job_items WHERE status = 'running' AND lease_holder LIKE '%-\(pid)-%'"
        let deadline = ContinuousClock.now + .seconds(60)
        while try cluster.sql(holds).isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        try lab.setLink(1, up: false)
        let cut = ContinuousClock.now
        let held = try cluster.sql(holds).split(separator: "\n").joined(separator: ", ")
        try #require(!held.isEmpty, "the worker held items when its link went down: \(workers[0].errors)")
        // Its leases expire (30 s) and the other machine finishes its items: the job completes.
        let finished = ContinuousClock.now + .seconds(180)
        while try cluster.sql("SELECT status FROM job_runs WHERE id = 1") != "completed", ContinuousClock.now < finished {
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(ContinuousClock.now - cut > .seconds(30), "down longer than a lease")
        #expect(try cluster.sql("SELECT count(*) FROM job_items WHERE id IN (\(held)) AND status = 'succeeded' AND attempts > 1") != "0")
        let state = """
            SELECT (SELECT sum(attempts) FROM job_items), (SELECT count(*) FROM job_item_attempts), (SELECT count(*) FROM file_locations),
                (SELECT count(*) FROM file_assets), (SELECT string_agg(status || coalesce(last_error, ''), ',' ORDER BY id) FROM job_items)
            """
        let before = try cluster.sql(state)
        let lastSeen = try cluster.sql("SELECT max(heartbeat_at) FROM job_workers WHERE pid = \(pid)")
        try lab.setLink(1, up: true)
        // It rejoins: its heartbeat reaches the store again (TCP retransmissions back off, so
        // allow for a minute).
        let rejoin = ContinuousClock.now + .seconds(90)
        while try cluster.sql("SELECT max(heartbeat_at) FROM job_workers WHERE pid = \(pid)") == lastSeen, ContinuousClock.now < rejoin {
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(try cluster.sql("SELECT max(heartbeat_at) FROM job_workers WHERE pid = \(pid)") != lastSeen, "rejoined: \(workers[0].errors)")
        // Its queued writes of the cut-off attempts come in after it rejoins (their retries back off up to 5 s).
        try await Task.sleep(for: .seconds(8))
        #expect(workers.allSatisfy { $0.isRunning }, "\(workers.map(\.errors))")
        #expect(try cluster.sql(state) == before, "the cut-off worker changed the store after its items were rescued")
        try expectEverythingStoredOnce(cluster, context: "after the partition healed")
    }
}
