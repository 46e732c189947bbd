import Foundation
import Testing
import TestSupport

extension SharedStoreTests {
    /// One shared setup: the served media, the playlist, a profile (its own schema) and the
    /// folders every worker is given.
    struct Cluster {
        let served: TemporaryDirectory
        let server: FaultServer
        let root: TemporaryDirectory
        let playlist: String
        let profile = "p\(UUID().uuidString.lowercased().prefix(8))"
        let items: Int
        let contents: Int
        let postgres: PostgresCluster
        let host: String
        var schema: String { "engine_\(profile)" }

        /// `count` items: distinct tones and copies of five fixtures (content shared by several
        /// items: stored once), each answered after `delay` ms so that the work spreads; of the
        /// tones, `large` are 6 MiB (33 s), for uploads in parts.
        /// `host`: the address the worker machines reach the servers at (loopback by default);
        /// `log`: where the server writes a line per request.
        init(
            count: Int, distinct: Int, delay: Int, large: Int = 0, postgres: PostgresCluster = .shared, host: String = "127.0.0.1",
            log: URL? = nil
        ) throws {
            self.postgres = postgres
            self.host = host
            served = try TemporaryDirectory("served")
            for n in 0..<distinct {
                let made = try Command.run("ffmpeg", [
                    "-v", "error", "-f", "lavfi", "-i", "sine=frequency=\(300 + 11 * n):duration=\(n < large ? 33 : 0.5)", "-ac", "2", served.file("tone-\(n).wav").path,
                ])
                #expect(made.status == 0, "\(made.stderr)")
            }
            for name in SharedStoreTests.fixtures {
                try FileManager.default.copyItem(atPath: Fixtures.media(name), toPath: served.file(name).path)
            }
            let server = try FaultServer(root: served.url, log: log, host: host)
            self.server = server
            let urls = (0..<distinct).map { server.url("/delay/\(delay)/tone-\($0).wav") }
                + (0..<(count - distinct)).map { server.url("/delay/\(delay)/\(SharedStoreTests.fixtures[$0 % 5])?copy=\($0)") }
            root = try TemporaryDirectory("shared")
            playlist = try root.write("list.txt", urls.joined(separator: "\n") + "\n")
            items = count
            contents = distinct + SharedStoreTests.fixtures.count
        }

        /// The flags of worker `n`: its own data dir (temp inside it), the shared library.
        func flags(_ n: Int) -> [String] {
            ["--data-dir", root.file("machine-\(n)").path, "--profile", profile, "--library-dir", root.file("library").path,
             "--store", postgres.url(host: host)]
        }

        func worker(_ n: Int) throws -> EngineProcess {
            try EngineProcess(["worker", "--until-idle"] + flags(n), environment: PostgresCluster.shared.environment)
        }

        func sql(_ query: String) throws -> String {
            try postgres.psql("SET search_path TO \(schema); \(query)")
        }

        /// `trials` SIGKILLs, each of a random worker at a random moment while it holds items
        /// (its runner id names its pid), each started again at once; the kills made.
        func killTrials(_ trials: Int, workers: inout [EngineProcess], start: (Int) throws -> EngineProcess) async throws -> [(worker: Int, at: Int)] {
            var kills: [(worker: Int, at: Int)] = []
            for _ in 0..<trials {
                let moment = Int.random(in: 0...500), victim = Int.random(in: 0..<workers.count)
                let pid = workers[victim].process.processIdentifier
                let holding = ContinuousClock.now + .seconds(30)
                while try sql("SELECT count(*) FROM job_items WHERE status = 'running' AND lease_holder LIKE '%-\(pid)-%'") == "0",
                    ContinuousClock.now < holding
                {
                    try await Task.sleep(for: .milliseconds(50))
                }
                // Timed by a thread of its own: the test's tasks share the cooperative pool.
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    Thread.detachNewThread {
                        usleep(useconds_t(moment * 1000))
                        kill(pid, SIGKILL)
                        done.resume()
                    }
                }
                _ = try await workers[victim].wait(timeout: .seconds(10))
                #expect(workers[victim].process.terminationReason == .uncaughtSignal, "worker \(victim) ended before its kill")
                kills.append((victim, moment))
                workers[victim] = try start(victim)
            }
            return kills
        }

        /// Waits (up to `timeout`) for job 1 to complete.
        func waitForCompletion(timeout: Duration = .seconds(240)) async throws {
            let deadline = ContinuousClock.now + timeout
            while try sql("SELECT status FROM job_runs WHERE id = 1") != "completed", ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// What every run must leave: the job completed, every item stored, one asset and one
    /// active location per content, the library's files exactly the recorded ones.
    func expectEverythingStoredOnce(_ cluster: Cluster, context: String = "") throws {
        #expect(try cluster.sql("SELECT status FROM job_runs WHERE id = 1") == "completed", "\(context)")
        #expect(try cluster.sql("SELECT count(*) FROM job_items WHERE status NOT IN ('succeeded', 'skipped')") == "0", "\(context)")
        #expect(try cluster.sql("SELECT count(*) FROM items") == "\(cluster.items)", "\(context)")
        #expect(
            try cluster.sql(
                """
                SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM item_assets ia JOIN file_assets a ON a.id = ia.asset_id
                    WHERE ia.item_id = i.id AND a.kind = 'original')
                """) == "0", "\(context): items without a stored original")
        #expect(try cluster.sql("SELECT count(*) FROM file_assets WHERE kind = 'original'") == "\(cluster.contents)", "\(context)")
        #expect(
            try cluster.sql("SELECT count(*) FROM (SELECT asset_id FROM file_locations GROUP BY asset_id HAVING count(*) != 1) x") == "0",
            "\(context): an asset with more than one location")
        let recorded = Set(try cluster.sql("SELECT locator FROM file_locations WHERE state = 'active'").split(separator: "\n").map(String.init))
        let library = cluster.root.file("library").path
        let files = try FileManager.default.subpathsOfDirectory(atPath: library).filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: library + "/" + path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        #expect(
            Set(files) == recorded,
            "\(context): library files not recorded: \(Set(files).subtracting(recorded).sorted()); recorded but missing: \(recorded.subtracting(files).sorted())")
    }
}
