import Foundation
import Testing
import TestSupport

extension SharedStoreTests {
    /// `resolve.sources[].max_concurrent` holds across workers: three workers of eight
    /// downloads each never have more than the cap's downloads from the source in flight at
    /// once (as the server saw them), yet reach it, and the job stores everything.
    @Test func aSourcesCapHoldsAcrossEveryWorker() async throws {
        let log = try TemporaryDirectory("requests")
        let cluster = try Cluster(count: 40, distinct: 10, delay: 500, log: log.file("requests.jsonl"))
        // The items' own URLs are on the server's host: that is their source.
        let graph = try cluster.root.write(
            "capped.yaml",
            """
            graph: default
            resolve:
              sources:
                - {name: "\(cluster.host)", max_concurrent: 2}
            """)
        let submit = try await Command.engineAsync(
            ["jobs", "submit", "ingest", "--input", cluster.playlist, "--no-renditions", "--graph", graph] + cluster.flags(0),
            environment: PostgresCluster.shared.environment.merging(["ENGINE_DOWNLOAD_WORKERS": "8"]) { $1 })
        #expect(submit.status == 0, "\(submit.stderr)")
        let workers = try (0..<3).map(cluster.worker)
        for worker in workers { #expect(try await worker.wait(timeout: .seconds(180)) == 0, "\(worker.errors)") }
        try expectEverythingStoredOnce(cluster)

        let requests = try String(contentsOf: log.file("requests.jsonl"), encoding: .utf8).split(separator: "\n").compactMap {
            try? parseJSON(String($0)) as? [String: Any]
        }.filter { ($0["path"] as? String)?.hasPrefix("/delay/") == true }
        #expect(requests.count >= cluster.items, "every item was downloaded: \(requests.count) requests")
        // The most in flight at once: +1 at each start, -1 at each end (ends first on a tie).
        // Each request takes at least its 500 ms delay; its end counts 250 ms early, for a
        // server thread that logs late on a loaded machine.
        let marks = requests.flatMap { request -> [(Double, Int)] in
            [(request["started"] as? Double ?? 0, 1), ((request["finished"] as? Double ?? 0) - 0.25, -1)]
        }.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var inFlight = 0, most = 0
        for (_, change) in marks {
            inFlight += change
            most = max(most, inFlight)
        }
        #expect(most == 2, "at most two downloads from the source at once, and two reached: \(most)")
    }
}
