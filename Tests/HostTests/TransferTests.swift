import Foundation
import GRDB
import Testing
import TestSupport

/// Transfers as a job meets them: servers that fail for a while, connections that drop, a
/// hostile input list (passwords in URLs, devices, endless streams). The real engine, a
/// loopback server with a request log, the job's own record of every try.
@Suite struct TransferTests {
    func served() throws -> TemporaryDirectory {
        let root = try TemporaryDirectory("served")
        for name in ["audio-id3.mp3", "audio-pcm.wav"] {
            try FileManager.default.copyItem(atPath: Fixtures.media(name), toPath: root.file(name).path)
        }
        return root
    }

    func run(_ inputs: [String], _ dataDir: TemporaryDirectory, _ extra: [String] = [], environment: [String: String] = [:]) throws
        -> (CommandResult, [String: Any])
    {
        let lists = try TemporaryDirectory("lists")
        let list = try lists.write("list.txt", inputs.joined(separator: "\n") + "\n")
        let result = try Command.engine(
            ["run", "--json", "--no-renditions", "--retry-delay", "0.05", "--data-dir", dataDir.path, "--input", list] + extra,
            environment: environment)
        let show = try Command.engine(["jobs", "show", "1", "--json", "--data-dir", dataDir.path])
        return (result, try #require(try parseJSON(show.stdout) as? [String: Any], "\(result.stderr)"))
    }

    func requests(_ log: URL) throws -> [[String: Any]] {
        try String(contentsOf: log, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// 503 twice, then the file: stored on the third try, both failures kept with the item.
    /// A 404 is asked for once and fails at once.
    @Test func transientFailuresAreRetriedAndPermanentOnesAreNot() async throws {
        let root = try served()
        let log = root.file("requests.log")
        let server = try FaultServer(root: root.url, log: log)
        let dataDir = try TemporaryDirectory("data")
        let flaky = server.url("/fail-times/2/503/audio-id3.mp3"), missing = server.url("/status/404")
        let (result, job) = try run([flaky, missing], dataDir)
        #expect(result.status == 1, "\(result.stderr)")
        #expect((job["items"] as? [String: Any])?["succeeded"] as? Int == 1)
        let failed = try #require((job["failed_items"] as? [[String: Any]])?.first)
        #expect(failed["error"] as? String == "\(missing): HTTP 404")
        #expect(failed["error_kind"] as? String == "http_4xx")
        #expect(failed["attempts"] as? Int == 1)
        let asked = try requests(log)
        #expect(asked.filter { $0["path"] as? String == "/status/404" }.count == 1, "a 404 is not retried")
        #expect(asked.filter { ($0["path"] as? String)?.hasPrefix("/fail-times/") == true }.map { $0["status"] as? Int } == [503, 503, 200])

        // The stored item's two failed tries, as the store recorded them.
        let database = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        let tries = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT attempt, outcome, error, error_kind FROM job_item_attempts ORDER BY id")
        }
        let retries = tries.filter { ($0["error"] as String).hasPrefix(flaky) }
        #expect(retries.map { $0["attempt"] as Int } == [1, 2])
        #expect(retries.allSatisfy { $0["outcome"] == "retry" && $0["error"] == "\(flaky): HTTP 503" && $0["error_kind"] == "http_5xx" })
    }

    /// 429 with `Retry-After: 2`: the job's record schedules the second try at least that
    /// long after the first (the backoff alone, 0.05 s, would be far shorter), and the second
    /// try did not start before its time.
    @Test func aRetryAfterIsHonoured() async throws {
        let root = try served()
        let server = try FaultServer(root: root.url)
        let dataDir = try TemporaryDirectory("data")
        let (result, job) = try run([server.url("/fail-times/1/429/audio-id3.mp3?retry_after=2")], dataDir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect((job["items"] as? [String: Any])?["succeeded"] as? Int == 1)
        let database = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        let (failedAt, retryAt, startedAt) = try await database.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT ended_at, retry_at FROM job_item_attempts"))
            return (row["ended_at"] as Double, row["retry_at"] as Double, try #require(try Double.fetchOne(db, sql: "SELECT started_at FROM job_items")))
        }
        #expect(retryAt - failedAt >= 2, "the retry was scheduled \(retryAt - failedAt) s after the 429")
        #expect(startedAt >= retryAt, "the second try started \(retryAt - startedAt) s before its time")
    }

    /// The job's record while an item waits for its next try: `jobs show` lists it with the
    /// error and the time it comes back.
    @Test func jobsShowListsItemsWaitingToRetry() async throws {
        let root = try served()
        let server = try FaultServer(root: root.url)
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let url = server.url("/fail-times/1/503/audio-id3.mp3?retry_after=600")
        let list = try lists.write("list.txt", url + "\n")
        let runner = try EngineProcess(["run", "--no-renditions", "--data-dir", dataDir.path, "--input", list])
        var waiting: [String: Any] = [:]
        try await waitUntil("the item waits for its retry", timeout: .seconds(120)) {
            if !runner.isRunning {
                let show = try Command.engine(["jobs", "show", "1", "--data-dir", dataDir.path]).stdout
                try #require(runner.isRunning, "engine run ended early: \(runner.errors)\(runner.output)\n\(show)")
            }
            let show = try Command.engine(["jobs", "show", "1", "--json", "--data-dir", dataDir.path])
            waiting = ((try? parseJSON(show.stdout) as? [String: Any])?["retrying_items"] as? [[String: Any]])?.first ?? [:]
            return !waiting.isEmpty
        }
        #expect(waiting["error"] as? String == "\(url): HTTP 503 (retry after 600 s)")
        #expect((waiting["history"] as? [Any])?.count == 1)
        #expect(waiting["next_attempt_at"] is String)
        let text = try Command.engine(["jobs", "show", "1", "--data-dir", dataDir.path]).stdout
        #expect(text.contains("waiting to retry:"), "\(text)")
        runner.signal(SIGTERM)
        #expect(try await runner.wait(timeout: .seconds(30)) == 143)
    }

    /// Secrets in URLs (a password, a token) appear in no output, no log line at debug level,
    /// and none of the job tables' text; the data directory and the database are the owner's only.
    @Test func credentialsInURLsAreRedactedEverywhere() async throws {
        let root = try served()
        let server = try FaultServer(root: root.url)
        let dataDir = try TemporaryDirectory("data")
        try FileManager.default.removeItem(at: dataDir.url)  // the engine creates it
        let port = server.url("").dropFirst("http://127.0.0.1:".count)
        let inputs = [
            "http://alice:s3cretPassw0rd@127.0.0.1:\(port)/status/500",
            "http://127.0.0.1:\(port)/status/404?token=t0pSecretT0ken&x=1",
            "http://127.0.0.1:\(port)/files/audio-id3.mp3?X-Amz-Signature=5ign4ture0f&X-Amz-Credential=AKIAEXAMPLE",
        ]
        let (result, job) = try run(inputs, dataDir, ["--attempts", "2"], environment: ["LOG_LEVEL": "debug"])
        #expect(result.status == 1)
        let secrets = ["s3cretPassw0rd", "t0pSecretT0ken", "5ign4ture0f", "AKIAEXAMPLE"]
        let items = try Command.engine(["items", "--json", "--data-dir", dataDir.path]).stdout
        let shown = [result.stdout, result.stderr, items, String(describing: job), try Command.engine(["jobs", "list", "--data-dir", dataDir.path]).stdout]
        for secret in secrets {
            #expect(!shown.contains { $0.contains(secret) }, "\(secret) was shown")
        }
        #expect(result.stderr.contains("***"), "the debug log names the redacted URLs: \(result.stderr.prefix(400))")
        let database = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        let text = try await database.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT coalesce(last_error, '') || ' ' || item_key FROM job_items
                    UNION ALL SELECT error FROM job_item_attempts UNION ALL SELECT message FROM job_events
                    UNION ALL SELECT coalesce(last_error, '') || ' ' || remote_id FROM items
                    UNION ALL SELECT coalesce(error, '') FROM job_runs
                    """)
        }.joined(separator: "\n")
        #expect(text.contains("***"))
        for secret in secrets { #expect(!text.contains(secret), "\(secret) is in the job tables") }
        let permissions = { (path: String) in (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1 }
        #expect(try permissions(dataDir.path) == 0o700)
        #expect(try permissions(dataDir.file("engine.sqlite").path) == 0o600)
    }

    /// `/dev/zero` and a FIFO, as inputs and as list entries, fail at once with what they are;
    /// an endless stream and an ICY radio stream end as skipped items with the reason.
    @Test func devicesFIFOsAndEndlessStreamsEndPromptly() async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory)
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let fifo = lists.file("pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let list = try lists.write(
            "list.txt", ["/dev/zero", fifo, server.url("/endless/audio-id3.mp3"), server.url("/icy/audio-id3.mp3")].joined(separator: "\n") + "\n")
        let run = try EngineProcess([
            "run", "--json", "--no-renditions", "--max-size", "4M", "--data-dir", dataDir.path, "--input", list, "--input", fifo, "--input", "/dev/zero",
        ])
        #expect(try await run.wait(timeout: .seconds(60)) == 1, "\(run.errors)")
        // The summary lists the inputs it could not collect.
        let summary = try #require(try parseJSON(run.output) as? [String: Any])
        let issues = ((summary["issues"] as? [[String: Any]]) ?? []).map { "\($0["subject"] ?? ""): \($0["message"] ?? "")" }
        #expect(Set(issues) == ["\(fifo): is a FIFO, not a media file or playlist", "/dev/zero: is a character device, not a media file or playlist"])
        let job = try #require(try parseJSON(Command.engine(["jobs", "show", "1", "--json", "--data-dir", dataDir.path]).stdout) as? [String: Any])
        let errors = Set(((job["failed_items"] as? [[String: Any]]) ?? []).compactMap { $0["error"] as? String })
        #expect(errors == ["/dev/zero: is a character device, not a media file", "\(fifo): is a FIFO, not a media file"])
        #expect((job["items"] as? [String: Any])?["skipped"] as? Int == 2)
        let database = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        let reasons = try await database.read { db in
            try String.fetchAll(db, sql: "SELECT last_error FROM job_items WHERE status = 'skipped' ORDER BY id")
        }
        #expect(reasons == [
            "\(server.url("/endless/audio-id3.mp3")): no end after download.max_size (4194304 bytes)",
            "\(server.url("/icy/audio-id3.mp3")): a live stream (ICY headers): it never ends",
        ])
    }

    /// `--workers 32` is 32 transfers in flight through the whole job runtime (claims, lanes,
    /// the curl loop): the server holds every response until 32 requests are open at once, and
    /// answers 503 (a failed item: one attempt) if they never are.
    @Test func theWorkersFlagIsTheNumberOfTransfersInFlight() async throws {
        let root = try served()
        let server = try FaultServer(root: root.url, barrierSeconds: 60)
        let dataDir = try TemporaryDirectory("data")
        let urls = (0..<32).map { server.url("/barrier/32/audio-pcm.wav?copy=\($0)") }
        let (result, job) = try run(urls, dataDir, ["--workers", "32", "--attempts", "1", "--stall-timeout", "600"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect((job["items"] as? [String: Any])?["succeeded"] as? Int == 32)
    }
}
