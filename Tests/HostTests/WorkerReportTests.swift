import Foundation
import Testing
import TestSupport

/// A worker's heartbeat says what it is on and how fast: `jobs show` (text and JSON) names the
/// item being downloaded and a rate near the transfer's real one.
@Suite struct WorkerReportTests {
    @Test func jobsShowSaysWhatEachWorkerIsOnAndHowFast() async throws {
        let served = try TemporaryDirectory("served")
        let made = try Command.run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=60", "-ac", "2", served.file("long-tone.wav").path,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let server = try FaultServer(root: served.url)
        let data = try TemporaryDirectory("data")
        // About 10.6 MB at 256 KiB/s: some 40 s in flight, far longer than the polls need; the
        // run is killed once they are done.
        let run = try EngineProcess(["run", "--no-renditions", "--limit-rate", "256K", "--data-dir", data.path, server.url("/files/long-tone.wav")])
        defer { run.signal(SIGKILL) }
        // Polled from a thread of its own with blocking sleeps: under the full suite's load a
        // task's sleeps on the concurrency pool stretch far past their time.
        let (worker, text) = try await offPool { () -> ([String: String], String) in
            let deadline = Date().addingTimeInterval(35)
            while Date() < deadline {
                usleep(300_000)
                let shown = try Command.engine(["jobs", "show", "1", "--json", "--data-dir", data.path])
                guard shown.status == 0, let job = try? parseJSON(shown.stdout) as? [String: Any],
                    let first = (job["workers"] as? [[String: Any]])?.first, let rate = first["bytes_per_second"] as? Double, rate > 0
                else { continue }
                let text = try Command.engine(["jobs", "show", "1", "--data-dir", data.path]).stdout
                return (["current_item": first["current_item"] as? String ?? "", "rate": String(rate)], text)
            }
            return ([:], "")
        }
        #expect(worker["current_item"] == "long-tone", "\(worker)")
        let rate = Double(worker["rate"] ?? "") ?? 0
        #expect(rate > 64 * 1024 && rate < 512 * 1024, "the rate (\(rate) B/s) is about the 256 KiB/s cap")
        #expect(text.contains(", on long-tone at "), "\(text)")
    }
}
