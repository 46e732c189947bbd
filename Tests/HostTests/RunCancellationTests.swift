import Foundation
import GRDB
import Testing
import TestSupport

@Suite struct RunCancellationTests {
    /// Ctrl-C while downloads are held by the server: the first press pauses (in-flight items may finish),
    /// the second cancels: the run stops at once, reports the items as canceled, deletes its
    /// temp files, exits 130, and the store stays usable with the job canceled.
    @Test func ctrlCPausesThenCancelsAndLeavesNoTempFiles() async throws {
        let held = try HeldServer("audio-pcm.wav")
        defer { withExtendedLifetime(held) {} }  // its downloads never finish: it must outlive the run
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let playlist = try held.playlist(4, in: lists)
        let process = try EngineProcess(["run", "--json", "--stall-timeout", "600", "--data-dir", dataDir.path, "--input", playlist])

        let temp = dataDir.file("tmp").path
        try await waitUntil("three downloads have started") {
            ((try? FileManager.default.contentsOfDirectory(atPath: temp)) ?? []).count >= 3 || !process.isRunning
        }
        process.signal(SIGINT)
        try await waitUntil("the engine says it is pausing") { process.errors.contains("interrupted: pausing") }
        #expect(process.isRunning, "a pause lets the held downloads go on")
        process.signal(SIGINT)
        let status = try await process.wait()

        #expect(process.process.terminationReason == .exit, "the engine must exit, not die of the signal")
        #expect(status == 130)
        let summary = try #require(try parseJSON(process.output) as? [String: Any])
        #expect(summary["status"] as? String == "canceled")
        #expect((summary["canceled"] as? Int ?? 0) >= 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp) == [])
        let job = try Command.engine(["jobs", "show", "\(summary["job_id"] as? Int ?? 0)", "--json", "--data-dir", dataDir.path])
        #expect(job.status == 0, "\(job.stderr)")
        let shown = try #require(try parseJSON(job.stdout) as? [String: Any])
        #expect(shown["status"] as? String == "canceled")
        #expect((shown["items"] as? [String: Any])?["running"] as? Int == 0)
        let items = try Command.engine(["items", "--json", "--data-dir", dataDir.path])
        #expect(items.status == 0)
        #expect((try parseJSON(items.stdout) as? [Any]) != nil)
    }

    /// The first Ctrl-C pauses, the second cancels. While that cancel is held up (here another
    /// program holds the database's write lock, so recording the canceled items waits out the
    /// busy timeout), a third Ctrl-C ends the process at once with 130, and nothing is lost:
    /// the next run clears the temp folder and stores what it is given.
    @Test func aThirdCtrlCQuitsAtOnceWhileTheCleanStopIsHeldUp() async throws {
        let held = try HeldServer("audio-pcm.wav")
        defer { withExtendedLifetime(held) {} }  // its downloads never finish: it must outlive the run
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let playlist = try held.playlist(3, in: lists)
        let process = try EngineProcess(["run", "--json", "--stall-timeout", "600", "--data-dir", dataDir.path, "--input", playlist])

        let temp = dataDir.file("tmp").path
        try await waitUntil("three downloads have started") {
            ((try? FileManager.default.contentsOfDirectory(atPath: temp)) ?? []).count >= 3 || !process.isRunning
        }
        #expect(process.isRunning)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.allowsUnsafeTransactions = true  // the lock is held across accesses on purpose
        let locker = try DatabaseQueue(path: dataDir.file("engine.sqlite").path, configuration: configuration)
        try await locker.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }

        process.signal(SIGINT)
        try await waitUntil("the engine says it is pausing") { process.errors.contains("interrupted: pausing") }
        process.signal(SIGINT)
        try await waitUntil("the engine says it is canceling") { process.errors.contains("canceling") }
        #expect(process.isRunning, "the clean stop is held up by the locked database")
        process.signal(SIGINT)
        // Well before the busy timeout (10 s) would have let the clean stop finish.
        let status = try await process.wait(timeout: .seconds(5))
        #expect(process.process.terminationReason == .exit)
        #expect(status == 130)
        try await locker.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }

        let next = try Command.engine(["run", "--json", "--no-renditions", "--data-dir", dataDir.path, "--input", Fixtures.media("audio-id3.mp3")])
        #expect(next.status == 0, "\(next.stdout)\(next.stderr)")
        // The killed run's job is still open: its partial downloads stay for its resume, nothing else.
        #expect(try temporaryLeftovers(temp) == [], "the next run removed what the killed one left")
        let items = try Command.engine(["items", "--json", "--data-dir", dataDir.path])
        #expect((try parseJSON(items.stdout) as? [Any])?.count == 1)
    }
}
