import Foundation
import GRDB
import Testing
import TestSupport

@Suite struct RunCancellationTests {
    /// Ctrl-C while downloads are stalled: the first press pauses (in-flight items may finish),
    /// the second cancels: the run stops at once, reports the items as canceled, deletes its
    /// temp files, exits 130, and the store stays usable with the job canceled.
    @Test func ctrlCPausesThenCancelsAndLeavesNoTempFiles() async throws {
        // Downloads the server holds (a gate file) and a stall limit far away: the pause cannot
        // finish on its own, however late this test's polling wakes on a busy machine.
        let root = try TemporaryDirectory("served")
        try FileManager.default.copyItem(atPath: Fixtures.media("audio-pcm.wav"), toPath: root.file("audio-pcm.wav").path)
        try root.write("hold", "")
        let server = try FaultServer(root: root.url)
        let dataDir = try TemporaryDirectory("data")
        let lists = try TemporaryDirectory("lists")
        let urls = (1...4).map { server.url("/hold/audio-pcm.wav?\($0)") }
        let playlist = try lists.write("slow.txt", urls.joined(separator: "\n") + "\n")
        let output = lists.file("summary.json"), errors = lists.file("stderr.txt")
        for file in [output, errors] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.engineBinary)
        process.arguments = ["run", "--json", "--stall-timeout", "600", "--data-dir", dataDir.path, "--input", playlist]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        let temp = dataDir.file("tmp").path
        try await waitUntil("three downloads have started") {
            ((try? FileManager.default.contentsOfDirectory(atPath: temp)) ?? []).count >= 3 || !process.isRunning
        }
        kill(process.processIdentifier, SIGINT)
        try await waitUntil("the engine says it is pausing") {
            (try String(contentsOf: errors, encoding: .utf8)).contains("interrupted: pausing")
        }
        #expect(process.isRunning, "a pause lets the held downloads go on")
        kill(process.processIdentifier, SIGINT)
        try await waitUntil("the engine stops after the second Ctrl-C") { !process.isRunning }

        #expect(process.terminationReason == .exit, "the engine must exit, not die of the signal")
        #expect(process.terminationStatus == 130)
        let summary = try #require(try parseJSON(String(contentsOf: output, encoding: .utf8)) as? [String: Any])
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
        let server = try FaultServer(root: Fixtures.mediaDirectory, slowSeconds: 120)
        let dataDir = try TemporaryDirectory("data")
        let lists = try TemporaryDirectory("lists")
        let playlist = try lists.write("slow.txt", (1...3).map { server.url("/slow/audio-pcm.wav?\($0)") }.joined(separator: "\n") + "\n")
        let errors = lists.file("stderr.txt")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.engineBinary)
        process.arguments = ["run", "--json", "--stall-timeout", "600", "--data-dir", dataDir.path, "--input", playlist]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

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

        kill(process.processIdentifier, SIGINT)
        try await waitUntil("the engine says it is pausing") {
            (try String(contentsOf: errors, encoding: .utf8)).contains("interrupted: pausing")
        }
        kill(process.processIdentifier, SIGINT)
        try await waitUntil("the engine says it is canceling") {
            (try String(contentsOf: errors, encoding: .utf8)).contains("canceling")
        }
        #expect(process.isRunning, "the clean stop is held up by the locked database")
        kill(process.processIdentifier, SIGINT)
        // Well before the busy timeout (10 s) would have let the clean stop finish.
        try await waitUntil("the third Ctrl-C ends the engine", timeout: .seconds(5)) { !process.isRunning }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 130)
        try await locker.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }

        let next = try Command.engine(["run", "--json", "--no-renditions", "--data-dir", dataDir.path, "--input", Fixtures.media("audio-id3.mp3")])
        #expect(next.status == 0, "\(next.stdout)\(next.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp) == [], "the next run removed what the killed one left")
        let items = try Command.engine(["items", "--json", "--data-dir", dataDir.path])
        #expect((try parseJSON(items.stdout) as? [Any])?.count == 1)
    }
}
