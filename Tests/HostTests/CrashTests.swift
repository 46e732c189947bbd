import Foundation
import GRDB
import Testing
import TestSupport

/// Crash safety, tested by killing the real process: `engine run` on 200 items from a loopback
/// server (ten of them 5 MB, trickled, so kills land mid-file; half of those resumable),
/// SIGKILLed at a random moment
/// again and again, restarted with `--resume` each time, then run to the end. Afterwards
/// every item is stored exactly once and the library, the store and the temp folder agree.
@Suite struct CrashTests {
    static let trials = 10

    @Test func killedAtRandomMomentsTheRunEndsWithEveryItemStoredExactlyOnce() async throws {
        let served = try TemporaryDirectory("served")
        let distinct = try makeMedia(in: served)
        let server = try FaultServer(root: served.url)
        // Half of the big ones from a server with ranges and validators: a kill mid-file leaves a
        // partial that the next run continues (and must finish with the right bytes).
        let urls = (0..<10).map { server.url($0 % 2 == 0 ? "/trickle/big-\($0).wav" : "/ranged-trickle/big-\($0).wav") }
            + (0..<30).map { server.url("/delay/50/small-\($0).wav") }
            + (0..<160).map { server.url("/delay/50/\(Self.fixtures[$0 % Self.fixtures.count])?copy=\($0)") }
        let lists = try TemporaryDirectory("lists"), dataDir = try TemporaryDirectory("data")
        let playlist = try lists.write("crash.txt", urls.shuffled().joined(separator: "\n") + "\n")
        let base = ["--json", "--no-renditions", "--workers", "2", "--data-dir", dataDir.path]

        // The kill is timed by a thread of its own: the test's tasks share the cooperative pool
        // with the rest of the suite and may wake late; the engine must not outrun the kill.
        var kills: [Int] = []
        var attempt = 0
        while kills.count < Self.trials, attempt < 3 * Self.trials {
            attempt += 1
            let created = try FileManager.default.fileExists(atPath: dataDir.file("engine.sqlite").path)
                && Command.engine(["jobs", "list", "--json", "--data-dir", dataDir.path]).stdout.contains("\"id\"")
            let run = try EngineProcess(["run"] + base + (created ? ["--resume"] : ["--input", playlist]))
            // The kill lands while items are in flight: once the run has claimed some (a busy
            // machine can take longer than any fixed moment to start the process), then 0–500 ms.
            let moment = Int.random(in: 0...500)
            let pid = run.process.processIdentifier
            let database = dataDir.file("engine.sqlite").path
            Thread.detachNewThread {
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline, !Self.hasRunningItems(database) { usleep(20_000) }
                usleep(useconds_t(moment * 1000))
                kill(pid, SIGKILL)
            }
            let status = try await run.wait()
            if run.process.terminationReason == .uncaughtSignal {
                kills.append(moment)
            } else {
                Issue.record("the run ended (\(status)) before kill \(kills.count + 1) at \(moment) ms: \(run.errors) \(run.output)")
                break
            }
        }
        #expect(kills.count == Self.trials, "kills at \(kills) ms")

        let final = try EngineProcess(["run"] + base + ["--resume"])
        #expect(try await final.wait() == 0, "\(final.errors)\(final.output)")
        try await expectEverythingStoredOnce(dataDir: dataDir, items: urls.count, contents: distinct, kills: kills)
    }

    /// Whether the job store at `path` holds running items now (read-only; false while it does not exist yet).
    static func hasRunningItems(_ path: String) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(1)
        let running = try? DatabaseQueue(path: path, configuration: configuration).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM job_items WHERE status = 'running'")
        }
        return (running ?? 0) ?? 0 > 0
    }

    static let fixtures = ["audio-id3.mp3", "audio-pcm.wav", "audio-vorbis.ogg", "audio-aac.m4a", "audio-vorbis-comments.flac"]

    /// Ten 5 MB WAVs and thirty small ones, each a different tone, and copies of five fixtures:
    /// 45 distinct contents.
    func makeMedia(in folder: TemporaryDirectory) throws -> Int {
        for n in 0..<10 {
            let made = try Command.run("ffmpeg", [
                "-v", "error", "-f", "lavfi", "-i", "sine=frequency=\(200 + 10 * n):duration=30", "-ac", "2",
                folder.file("big-\(n).wav").path,
            ])
            #expect(made.status == 0, "\(made.stderr)")
        }
        for n in 0..<30 {
            let made = try Command.run("ffmpeg", [
                "-v", "error", "-f", "lavfi", "-i", "sine=frequency=\(500 + 7 * n):duration=1", folder.file("small-\(n).wav").path,
            ])
            #expect(made.status == 0, "\(made.stderr)")
        }
        for name in Self.fixtures {
            try FileManager.default.copyItem(atPath: Fixtures.media(name), toPath: folder.file(name).path)
        }
        return 10 + 30 + Self.fixtures.count
    }

    func expectEverythingStoredOnce(dataDir: TemporaryDirectory, items: Int, contents: Int, kills: [Int]) async throws {
        let context = "after kills at \(kills) ms"
        let database = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        func value(_ sql: String) async throws -> String? {
            try await database.read { db in try String.fetchOne(db, sql: sql) }
        }
        #expect(try await value("PRAGMA integrity_check") == "ok")
        #expect(try await value("SELECT status FROM job_runs WHERE id = 1") == "completed", "\(context)")
        #expect(try await value("SELECT count(*) FROM job_runs") == "1", "every restart resumed the one job")
        #expect(try await value("SELECT count(*) FROM job_items WHERE job_id = 1") == "\(items)")
        #expect(try await value("SELECT count(*) FROM job_items WHERE status NOT IN ('succeeded', 'skipped')") == "0", "\(context)")
        // Every item has its original; one asset per content; one active location per asset.
        #expect(
            try await value(
                """
                SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM item_assets ia JOIN file_assets a ON a.id = ia.asset_id
                    WHERE ia.item_id = i.id AND a.kind = 'original')
                """) == "0", "\(context): items without a stored original")
        #expect(try await value("SELECT count(*) FROM items") == "\(items)")
        // The kills landed while items were in flight: restarts recovered a running job (a kill
        // before the job started has nothing to recover), and some items took more than one attempt.
        let recovered = Int(try await value("SELECT count(*) FROM job_events WHERE kind = 'recovered'") ?? "0") ?? 0
        #expect(recovered > 0 && recovered <= kills.count, "\(context): \(recovered) recoveries")
        let attempts = Int(try await value("SELECT sum(attempts) FROM job_items") ?? "0") ?? 0
        #expect(attempts > items, "\(context): no item was ever interrupted (\(attempts) attempts for \(items) items)")
        #expect(try await value("SELECT count(*) FROM file_assets WHERE kind = 'original'") == "\(contents)", "\(context)")
        #expect(
            try await value("SELECT count(*) FROM (SELECT asset_id FROM file_locations GROUP BY asset_id HAVING count(*) != 1)") == "0",
            "\(context): an asset with more than one location")
        let recorded = try await database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT l.locator, a.sha256, a.size FROM file_locations l JOIN file_assets a ON a.id = l.asset_id WHERE l.state = 'active'")
                .map { (locator: $0["locator"] as String, sha256: $0["sha256"] as String) }
        }
        let library = dataDir.file("library").path
        let files = try FileManager.default.subpathsOfDirectory(atPath: library).filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: library + "/" + path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        #expect(Set(files) == Set(recorded.map(\.locator)), "\(context): library files and recorded locations differ")
        #expect(!files.contains { ($0 as NSString).lastPathComponent.hasPrefix(".") }, "\(context): a hidden temp file in the library")
        #expect(!files.contains { $0.contains(" (1)") || $0.contains(" [") }, "\(context): a duplicate name: \(files)")
        for file in recorded {
            let sum = try Command.run("sha256sum", [library + "/" + file.locator])
            #expect(sum.stdout.hasPrefix(file.sha256), "\(file.locator): the file is not what was recorded")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dataDir.file("tmp").path) == [], "\(context): temp files left")
    }
}
