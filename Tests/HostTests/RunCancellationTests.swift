import Foundation
import GRDB
import Testing
import TestSupport

@Suite struct RunCancellationTests {
    /// Ctrl-C while downloads are stalled: the run stops, reports the items as canceled,
    /// deletes its temp files, and the store stays usable.
    @Test func ctrlCStopsTheRunAndLeavesNoTempFiles() async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory, slowSeconds: 120)
        let dataDir = try TemporaryDirectory("data")
        let lists = try TemporaryDirectory("lists")
        let urls = (1...3).map { server.url("/slow/audio-pcm.wav?\($0)") } + [server.url("/files/audio-id3.mp3")]
        let playlist = try lists.write("slow.txt", urls.joined(separator: "\n") + "\n")
        let output = lists.file("summary.json")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.engineBinary)
        process.arguments = ["run", "--json", "--data-dir", dataDir.path, "--input", playlist]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            kill(process.processIdentifier, SIGKILL)
        }
        defer { watchdog.cancel() }

        let temp = dataDir.file("tmp").path
        while ((try? FileManager.default.contentsOfDirectory(atPath: temp)) ?? []).count < 3, process.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(process.processIdentifier, SIGINT)
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }

        #expect(process.terminationReason == .exit, "the engine must exit, not die of the signal")
        #expect(process.terminationStatus == 1)
        let summary = try #require(try parseJSON(String(contentsOf: output, encoding: .utf8)) as? [String: Any])
        #expect(summary["status"] as? String == "canceled")
        #expect((summary["canceled"] as? Int ?? 0) >= 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp) == [])
        let items = try Command.engine(["items", "--json", "--data-dir", dataDir.path])
        #expect(items.status == 0)
        #expect((try parseJSON(items.stdout) as? [Any]) != nil)
    }

    /// The first Ctrl-C asks for a clean stop. While that stop is held up (here another program
    /// holds the database's write lock, so recording the canceled items waits out the busy
    /// timeout), a second Ctrl-C ends the process at once with 130, and nothing is lost: the
    /// next run clears the temp folder and stores what it is given.
    @Test func aSecondCtrlCQuitsAtOnceWhileTheCleanStopIsHeldUp() async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory, slowSeconds: 120)
        let dataDir = try TemporaryDirectory("data")
        let lists = try TemporaryDirectory("lists")
        let playlist = try lists.write("slow.txt", (1...3).map { server.url("/slow/audio-pcm.wav?\($0)") }.joined(separator: "\n") + "\n")
        let errors = lists.file("stderr.txt")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.engineBinary)
        process.arguments = ["run", "--json", "--data-dir", dataDir.path, "--input", playlist]
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
        try await waitUntil("the engine says it is cancelling") {
            (try String(contentsOf: errors, encoding: .utf8)).contains("interrupted, cancelling")
        }
        #expect(process.isRunning, "the clean stop is held up by the locked database")
        kill(process.processIdentifier, SIGINT)
        // Well before the busy timeout (10 s) would have let the clean stop finish.
        try await waitUntil("the second Ctrl-C ends the engine", timeout: .seconds(5)) { !process.isRunning }
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
