import Foundation
import Testing
import TestSupport

/// Examples/host-cli, a program of its own built on the `Engine` and `Stages` products: it
/// archives a feed's episodes with a stage of its own (JSON sidecars), pauses on Ctrl-C and
/// resumes on the next run without downloading anything twice. Built by the test command
/// (`swift build --package-path Examples/host-cli`) before the suite runs.
@Suite struct HostExampleTests {
    static let program = Fixtures.packageRoot.appendingPathComponent("Examples/host-cli/.build/debug/podcast-archiver").path

    /// Episode 1 is served at once; episodes 2–4 wait behind a gate (`/hold/`). Ctrl-C comes
    /// once a download waits at the gate (whichever episode reaches the one download slot
    /// first), and the gate opens only after the example said it is pausing: however busy the
    /// machine, the Ctrl-C lands while the job has work left, and the episode in flight is
    /// archived before the pause.
    @Test func theExampleArchivesAFeedPausesOnCtrlCAndResumesWithoutDownloadingTwice() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.program), "build it first: swift build --package-path Examples/host-cli")
        let served = try TemporaryDirectory("served")
        let audio = try Data(contentsOf: URL(fileURLWithPath: Fixtures.media("audio-id3.mp3")))
        for n in 1...4 { try (audio + Data("episode \(n)".utf8)).write(to: served.file("ep\(n).mp3")) }
        let log = served.file("requests.log")
        let server = try FaultServer(root: served.url, log: log)
        try served.write("hold", "")
        let paths = (1...4).map { n in n == 1 ? "/files/ep1.mp3" : "/hold/ep\(n).mp3" }
        let items = zip(1..., paths).map { n, path in
            "<item><title>Episode \(n)</title><enclosure url=\"\(server.url(path))\" type=\"audio/mpeg\"/></item>"
        }
        try served.write(
            "feed.xml",
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Test Cast</title><itunes:author xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\">Host</itunes:author>\(items.joined())</channel></rss>")
        let feed = server.url("/files/feed.xml")
        let destination = try TemporaryDirectory("archive")
        func sidecars() -> [String] {
            (FileManager.default.subpaths(atPath: destination.path) ?? []).filter { $0.hasSuffix(".mp3.json") && !$0.hasPrefix(".archiver") }
        }

        let errors = served.file("first.err"), output = served.file("first.out")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let first = Process()
        first.executableURL = URL(fileURLWithPath: Self.program)
        first.arguments = [feed, "--dest", destination.path, "--workers", "1"]
        first.standardOutput = try FileHandle(forWritingTo: output)
        first.standardError = try FileHandle(forWritingTo: errors)
        try first.run()
        // Steered from a thread of its own: the test's tasks share the cooperative pool with the
        // whole suite, and a pool kept busy elsewhere for half a minute would hold the gate shut
        // past curl's stall limit (30 s), failing the download in flight.
        let (pid, servedPath, gate, errorsPath) = (first.processIdentifier, served.path, served.file("hold").path, errors.path)
        try await offPool {
            try waitUntilBlocking("a download waiting at the gate", timeout: .seconds(120)) {
                (try? FileManager.default.contentsOfDirectory(atPath: servedPath))?.contains { $0.hasPrefix("held-") } == true
            }
            kill(pid, SIGINT)
            try waitUntilBlocking("the example says it is pausing", timeout: .seconds(120)) {
                (try? String(contentsOfFile: errorsPath, encoding: .utf8))?.contains("pausing") == true
            }
            unlink(gate)  // the episode in flight finishes
        }
        try await waitUntil("the paused run ends", timeout: .seconds(120)) { !first.isRunning }
        #expect(first.terminationStatus == 130, "paused")
        let beforeResume = sidecars().count
        #expect(
            beforeResume >= 1 && beforeResume < 4,
            """
            Ctrl-C came before the job ended: \(beforeResume) sidecars; the paused run said:
            \((try? String(contentsOf: output, encoding: .utf8)) ?? "")\((try? String(contentsOf: errors, encoding: .utf8)) ?? "")
            """)

        let second = try await withDeadline("the resumed run", timeout: .seconds(120)) {
            try Command.run(Self.program, [feed, "--dest", destination.path, "--workers", "1"])
        }
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(second.stdout.contains("resuming job 1"), "\(second.stdout)")
        #expect(sidecars().count == 4, "\(sidecars())")
        for path in sidecars() {
            let sidecar = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: destination.file(path))) as? [String: Any])
            let file = try #require(sidecar["file"] as? String)
            #expect(FileManager.default.fileExists(atPath: destination.file(file).path), "\(sidecar)")
            #expect((sidecar["title"] as? String)?.hasPrefix("Episode ") == true, "\(sidecar)")
            #expect((sidecar["sha256"] as? String)?.count == 64, "\(sidecar)")
        }
        // Every episode's bytes were sent once, across both runs (a request a busy machine let
        // stall at the gate and tried again would show up without its body).
        let size = audio.count + "episode 1".utf8.count
        let fetched = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { ($0["body_bytes"] as? Int) == size }.compactMap { $0["path"] as? String }
        #expect(fetched.sorted() == paths.sorted(), "\(fetched)")
    }
}
