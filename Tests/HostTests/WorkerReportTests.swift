import Foundation
import Testing
import TestSupport

/// A worker's heartbeat says what it is on and how fast: `jobs show` (text and JSON) names the
/// item being downloaded and a rate near the transfer's real one.
@Suite struct WorkerReportTests {
    @Test func jobsShowSaysWhatEachWorkerIsOnAndHowFast() async throws {
        let served = try TemporaryDirectory("served")
        let made = try Command.run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=20", "-ac", "2", served.file("long-tone.wav").path,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let server = try FaultServer(root: served.url)
        let data = try TemporaryDirectory("data")
        // About 3.5 MB at 256 KiB/s: some 13 s in flight.
        let run = try EngineProcess(["run", "--no-renditions", "--limit-rate", "256K", "--data-dir", data.path, server.url("/files/long-tone.wav")])
        defer { run.signal(SIGKILL) }
        var worker: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            let shown = try await Command.engineAsync(["jobs", "show", "1", "--json", "--data-dir", data.path])
            guard shown.status == 0, let job = try? parseJSON(shown.stdout) as? [String: Any],
                let first = (job["workers"] as? [[String: Any]])?.first, (first["bytes_per_second"] as? Double ?? 0) > 0
            else { continue }
            worker = first
            break
        }
        #expect(worker["current_item"] as? String == "long-tone", "\(worker)")
        let rate = worker["bytes_per_second"] as? Double ?? 0
        #expect(rate > 64 * 1024 && rate < 512 * 1024, "the rate (\(rate) B/s) is about the 256 KiB/s cap")
        let text = try await Command.engineAsync(["jobs", "show", "1", "--data-dir", data.path])
        #expect(text.stdout.contains(", on long-tone at "), "\(text.stdout)")
    }
}
