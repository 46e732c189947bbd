import Foundation
import Testing
import TestSupport

/// Downloads waiting for a capped source's slot have not begun: a pause gives them back to
/// the queue at once, and only the one in flight finishes.
@Suite struct SourceCapPauseTests {
    @Test func aPauseGivesBackTheDownloadsWaitingForASlot() async throws {
        let held = try HeldServer("audio-pcm.wav")
        defer { withExtendedLifetime(held) {} }
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let playlist = try held.playlist(5, in: lists)
        let graph = try lists.write("capped.yaml", "graph: default\nresolve:\n  sources:\n    - {name: \"127.0.0.1\", max_concurrent: 1}\n")
        let run = try EngineProcess(
            ["run", "--json", "--no-renditions", "--stall-timeout", "600", "--graph", graph, "--data-dir", dataDir.path, "--input", playlist])
        defer { run.signal(SIGKILL) }
        // One download in flight (held by the server) and at least two more in the download
        // stage, waiting for the source's one slot.
        let waiting = try await offPool { () -> Bool in
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                usleep(200_000)
                let shown = try Command.engine(["jobs", "show", "1", "--json", "--data-dir", dataDir.path])
                let job = (try? parseJSON(shown.stdout)) as? [String: Any]
                let running = job?["running"] as? [[String: Any]] ?? []
                if running.filter({ $0["step"] as? String == "download" }).count >= 3 { return true }
            }
            return false
        }
        #expect(waiting, "three items reached the download stage")
        run.signal(SIGINT)
        try await waitUntil("the engine says it is pausing") { run.errors.contains("interrupted: pausing") }
        try await waitUntil("the waiting downloads are given back", timeout: .seconds(30)) {
            let shown = try Command.engine(["jobs", "show", "1", "--json", "--data-dir", dataDir.path])
            let items = ((try? parseJSON(shown.stdout)) as? [String: Any])?["items"] as? [String: Any]
            return (items?["pending"] as? Int ?? 0) >= 4
        }
        try held.release()
        #expect(try await run.wait(timeout: .seconds(60)) == 130, "\(run.errors)")
        let summary = try #require(try parseJSON(run.output) as? [String: Any])
        #expect(summary["status"] as? String == "paused")
        #expect(summary["downloaded"] as? Int == 1 && summary["failed"] as? Int == 0, "\(summary)")
    }
}
