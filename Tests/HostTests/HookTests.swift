import Foundation
import Testing
import TestSupport

/// Post-stage hooks: each runs once per stage end with the job's environment (and none of the
/// engine's secrets), is recorded as job events, never fails the job, and is not run twice
/// when a runner dies while it runs.
@Suite struct HookTests {
    /// The job's events of these kinds, as "kind: message" lines.
    static func events(_ dataDir: TemporaryDirectory, job: Int = 1) throws -> [String] {
        let shown = try Command.engine(["jobs", "show", "\(job)", "--json", "--data-dir", dataDir.path])
        let object = try #require(try parseJSON(shown.stdout) as? [String: Any], "\(shown.stderr)")
        return (object["events"] as? [[String: Any]] ?? []).compactMap { event in
            guard let kind = event["kind"] as? String, kind.hasPrefix("hook") else { return nil }
            return "\(kind): \(event["message"] as? String ?? "")"
        }
    }

    @Test func eachHookRunsOnceWithTheJobsEnvironment() throws {
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let log = lists.file("hooks.log").path
        let line = "echo \"$ENGINE_HOOK $ENGINE_JOB_ID $ENGINE_JOB_STATUS $ENGINE_PROFILE $ENGINE_DATA_DIR ${HOOKTEST_SECRET_ACCESS_KEY:-no-secret}\" >> \(log)"
        try dataDir.write("config.yaml", "hooks:\n  after_download: '\(line)'\n  after_job: '\(line)'\n")
        let list = try lists.write("a.m3u", [Fixtures.media("audio-id3.mp3"), Fixtures.media("audio-pcm.wav")].joined(separator: "\n") + "\n")
        let run = try Command.engine(
            ["run", "--no-renditions", "--no-processors", list, "--data-dir", dataDir.path], environment: ["HOOKTEST_SECRET_ACCESS_KEY": "hunter2"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == [
            "after_download 1 completed default \(dataDir.path) no-secret",
            "after_job 1 completed default \(dataDir.path) no-secret",
        ], "\(lines)")
        let events = try Self.events(dataDir)
        #expect(events.filter { $0.hasPrefix("hook_started: after_download") }.count == 1, "\(events)")
        #expect(events.filter { $0.hasPrefix("hook_succeeded: after_download: exit status 0") }.count == 1, "\(events)")
        #expect(events.filter { $0.hasPrefix("hook_succeeded: after_job") }.count == 1, "\(events)")

        // A runner that starts later runs nothing again; a job without after_download configured records it skipped.
        try dataDir.write("config.yaml", "hooks:\n  after_job: '\(line)'\n")
        #expect(try Command.engine(["worker", "--until-idle", "--data-dir", dataDir.path]).status == 0)
        let second = try lists.write("b.m3u", Fixtures.media("audio-aac.m4a") + "\n")
        #expect(try Command.engine(["run", "--no-renditions", "--no-processors", second, "--data-dir", dataDir.path]).status == 0)
        let after = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(after.count == 3 && after.last?.hasPrefix("after_job 2 completed") == true, "\(after)")
        #expect(try Self.events(dataDir, job: 2).contains { $0.hasPrefix("hook_skipped: after_download: not configured") })
    }

    @Test func aFailingOrHangingHookIsRecordedAndTheJobCompletes() throws {
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        try dataDir.write("config.yaml", "hooks:\n  after_download: 'echo first; echo boom >&2; exit 3'\n  after_job: 'sleep 60'\n  timeout: 1\n")
        let list = try lists.write("a.m3u", Fixtures.media("audio-id3.mp3") + "\n")
        let started = Date()
        let run = try Command.engine(["run", "--no-renditions", "--no-processors", list, "--data-dir", dataDir.path])
        #expect(run.status == 0, "a failing hook never fails the job: \(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 50, "the hanging hook was stopped at its timeout")
        let events = try Self.events(dataDir)
        #expect(events.contains { $0.hasPrefix("hook_failed: after_download: exit status 3") && $0.contains("first | boom") }, "\(events)")
        #expect(events.contains { $0.hasPrefix("hook_failed: after_job: timed out") }, "\(events)")
        let status = try Command.engine(["jobs", "list", "--json", "--data-dir", dataDir.path])
        #expect((try parseJSON(status.stdout) as? [[String: Any]])?.first?["status"] as? String == "completed")
    }

    /// SIGKILL while a hook runs: the next runner records it failed and never runs it again, and
    /// runs the job's remaining hook once.
    @Test func aHookCutOffByACrashIsNotRunTwice() async throws {
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let log = lists.file("hooks.log").path, pidFile = lists.file("hook.pid").path
        // The hook waits until the test kills it (after the runner), however loaded the machine.
        try dataDir.write(
            "config.yaml", "hooks:\n  after_download: 'echo $$ > \(pidFile); echo download >> \(log); exec sleep 600'\n  after_job: 'echo job >> \(log)'\n")
        defer {
            if let pid = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
                kill(pid, SIGKILL)
            }
        }
        let list = try lists.write("a.m3u", Fixtures.media("audio-id3.mp3") + "\n")
        let run = try EngineProcess(["run", "--no-renditions", "--no-processors", list, "--data-dir", dataDir.path])
        defer { run.signal(SIGKILL) }
        try await waitUntil("the hook started", timeout: .seconds(120), every: .milliseconds(50)) {
            (try? String(contentsOfFile: log, encoding: .utf8))?.contains("download") == true || !run.isRunning
        }
        #expect(run.isRunning, "\(run.errors)")
        run.signal(SIGKILL)
        _ = try await run.wait()

        #expect(try await Command.engineAsync(["worker", "--until-idle", "--data-dir", dataDir.path]).status == 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == ["download", "job"], "\(lines)")
        let events = try Self.events(dataDir)
        #expect(events.contains { $0.hasPrefix("hook_failed: after_download: the runner stopped while it ran") }, "\(events)")
        #expect(events.filter { $0.hasPrefix("hook_started") }.count == 2, "\(events)")
    }
}
