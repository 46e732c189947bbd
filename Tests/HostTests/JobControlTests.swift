import Foundation
import GRDB
import Testing
import TestSupport

/// Jobs steered from a second process through the store: pause and resume, cancel, retry.
@Suite struct JobControlTests {
    func jobShow(_ id: Int, _ dataDir: TemporaryDirectory) throws -> [String: Any] {
        let result = try Command.engine(["jobs", "show", "\(id)", "--json", "--data-dir", dataDir.path])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try parseJSON(result.stdout) as? [String: Any])
    }

    func count(_ job: [String: Any], _ status: String) -> Int { (job["items"] as? [String: Any])?[status] as? Int ?? -1 }

    func jobID(of run: EngineProcess) async throws -> Int {
        try await waitUntil("the run prints its job id") { run.errors.contains("engine: job ") }
        let line = try #require(run.errors.split(separator: "\n").first { $0.hasPrefix("engine: job ") })
        return try #require(Int(line.dropFirst("engine: job ".count).prefix { $0.isNumber }))
    }

    /// Pause from another process: the runner takes no item after it acknowledged the pause,
    /// the foreground run says it waits, and a resume from elsewhere lets it complete the job.
    @Test func pauseFromAnotherProcessStopsNewWorkAndResumeCompletesTheJob() async throws {
        let held = try HeldServer()
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let playlist = try held.playlist(40, in: lists)
        let run = try EngineProcess([
            "run", "--json", "--no-renditions", "--workers", "2", "--stall-timeout", "600", "--data-dir", dataDir.path, "--input", playlist,
        ])
        let id = try await jobID(of: run)
        try await waitUntil("the runner has claimed items") { (try? self.count(self.jobShow(id, dataDir), "running")) ?? 0 > 0 }

        let pause = try Command.engine(["jobs", "pause", "\(id)", "--data-dir", dataDir.path])
        #expect(pause.status == 0, "\(pause.stderr)")
        try await waitUntil("the runner took the pause") {
            ["pause_requested", "paused"].contains(try self.jobShow(id, dataDir)["status"] as? String ?? "")
        }
        try held.release()  // the held downloads in flight finish
        try await waitUntil("the job is paused") { try self.jobShow(id, dataDir)["status"] as? String == "paused" }
        try await waitUntil("the run says it waits") { run.errors.contains("paused from elsewhere; waiting") }
        #expect(run.isRunning, "a foreground run waits for the resume")
        let paused = try jobShow(id, dataDir)
        #expect(count(paused, "running") == 0)
        #expect(count(paused, "pending") > 0, "the pause left work undone")

        // No item started after the runner took the pause command.
        let database = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        let (acknowledged, lastStart) = try await database.read { db in
            (try Double.fetchOne(db, sql: "SELECT consumed_at FROM job_commands WHERE job_id = ? AND kind = 'pause'", arguments: [id]),
             try Double.fetchOne(db, sql: "SELECT max(started_at) FROM job_items WHERE job_id = ?", arguments: [id]))
        }
        let ack = try #require(acknowledged), started = try #require(lastStart)
        #expect(started <= ack, "an item started \(started - ack) s after the pause was acknowledged")

        let resume = try Command.engine(["jobs", "resume", "\(id)", "--data-dir", dataDir.path])
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(try await run.wait() == 0, "\(run.errors)")
        let done = try jobShow(id, dataDir)
        #expect(done["status"] as? String == "completed")
        #expect(count(done, "succeeded") == 40)
    }

    /// Cancel from another process: the run stops promptly, leaves no temp file, and the
    /// store is consistent (no item left running, integrity check ok).
    @Test func cancelFromAnotherProcessStopsTheRunAndLeavesTheStoreConsistent() async throws {
        let held = try HeldServer()
        defer { withExtendedLifetime(held) {} }
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let playlist = try held.playlist(40, in: lists)
        let run = try EngineProcess(["run", "--json", "--no-renditions", "--stall-timeout", "600", "--data-dir", dataDir.path, "--input", playlist])
        let id = try await jobID(of: run)
        try await waitUntil("held downloads are running") { (try? self.count(self.jobShow(id, dataDir), "running")) ?? 0 > 0 }
        #expect(try Command.engine(["jobs", "cancel", "\(id)", "--data-dir", dataDir.path]).status == 0)
        #expect(try await run.wait(timeout: .seconds(20)) == 1)
        let job = try jobShow(id, dataDir)
        #expect(job["status"] as? String == "canceled")
        #expect(count(job, "running") == 0 && count(job, "pending") == 0)
        #expect(count(job, "canceled") > 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dataDir.file("tmp").path) == [])
        let database = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        #expect(try await database.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
    }

    /// An item that failed on an HTTP 500 succeeds when retried once the server serves it.
    @Test func retryingAnItemThatFailedOnA500SucceedsOnceTheServerServesIt() async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory)
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let flaky = server.url("/fail-once/audio-pcm.wav")
        let playlist = try lists.write("list.txt", "\(server.url("/files/audio-id3.mp3"))\n\(flaky)\n")
        let first = try Command.engine(["run", "--json", "--no-renditions", "--attempts", "1", "--data-dir", dataDir.path, "--input", playlist])
        #expect(first.status == 1)
        let summary = try #require(try parseJSON(first.stdout) as? [String: Any])
        let id = try #require(summary["job_id"] as? Int)
        let failed = try jobShow(id, dataDir)
        #expect(failed["status"] as? String == "completed_with_errors")
        let failure = try #require((failed["failed_items"] as? [[String: Any]])?.first)
        #expect(failure["error"] as? String == "\(flaky): HTTP 500")
        let key = try #require(failure["item_key"] as? String)

        let retry = try Command.engine(["jobs", "retry", "\(id)", "--item", key, "--data-dir", dataDir.path])
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(retry.stdout.contains("1 item(s) requeued"))
        let worker = try Command.engine(["worker", "--until-idle", "--data-dir", dataDir.path])
        #expect(worker.status == 0, "\(worker.stderr)")
        let done = try jobShow(id, dataDir)
        #expect(done["status"] as? String == "completed")
        #expect(count(done, "succeeded") == 2 && count(done, "failed") == 0)
    }
}

/// SIGTERM, as a service manager sends it: in-flight items get the grace period, then go back
/// to the queue; the process exits 143 with the job paused, and the next runner finishes it.
@Suite struct TerminationTests {
    @Test(arguments: ["run", "worker"])
    func sigtermLeavesTheJobPausedAndResumable(_ command: String) async throws {
        let held = try HeldServer()
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let playlist = try held.playlist(12, in: lists)
        let arguments: [String]
        if command == "worker" {
            let submit = try Command.engine([
                "jobs", "submit", "ingest", "--input", playlist, "--no-renditions", "--stall-timeout", "600", "--data-dir", dataDir.path,
            ])
            #expect(submit.status == 0, "\(submit.stderr)")
            arguments = ["worker", "--grace", "1", "--data-dir", dataDir.path]
        } else {
            arguments = ["run", "--no-renditions", "--grace", "1", "--stall-timeout", "600", "--data-dir", dataDir.path, "--input", playlist]
        }
        let runner = try EngineProcess(arguments)
        try await waitUntil("downloads are held in flight") {
            try #require(runner.isRunning, "engine \(command) ended early: \(runner.errors)")
            let show = try Command.engine(["jobs", "show", "1", "--json", "--data-dir", dataDir.path])
            return ((try? parseJSON(show.stdout) as? [String: Any])?["items"] as? [String: Any])?["running"] as? Int ?? 0 > 0
        }
        runner.signal(SIGTERM)
        #expect(try await runner.wait(timeout: .seconds(30)) == 143, "\(runner.errors)")
        let show = try #require(try parseJSON(Command.engine(["jobs", "show", "1", "--json", "--data-dir", dataDir.path]).stdout) as? [String: Any])
        #expect(show["status"] as? String == "paused")
        #expect((show["items"] as? [String: Any])?["running"] as? Int == 0, "in-flight items went back to the queue")
        #expect(try temporaryLeftovers(dataDir.file("tmp").path) == [], "only partial downloads, kept for the resume")

        try held.release()
        let resumed = try Command.engine(["run", "--resume", "--json", "--data-dir", dataDir.path])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let done = try #require(try parseJSON(Command.engine(["jobs", "show", "1", "--json", "--data-dir", dataDir.path]).stdout) as? [String: Any])
        #expect(done["status"] as? String == "completed")
        #expect((done["items"] as? [String: Any])?["succeeded"] as? Int == 12)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dataDir.file("tmp").path) == [], "the finished job's partials are gone")
    }
}
