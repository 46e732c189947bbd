import Foundation
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
}
