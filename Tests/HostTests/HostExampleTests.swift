import Foundation
import Testing
import TestSupport

/// Examples/host-cli, a program of its own built on the `Engine` and `Stages` products: it
/// archives a feed's episodes with a stage of its own (JSON sidecars), pauses on Ctrl-C and
/// resumes on the next run without downloading anything twice. Built by the test command
/// (`swift build --package-path Examples/host-cli`) before the suite runs.
@Suite struct HostExampleTests {
    static let program = Fixtures.packageRoot.appendingPathComponent("Examples/host-cli/.build/debug/podcast-archiver").path

    @Test func theExampleArchivesAFeedPausesOnCtrlCAndResumesWithoutDownloadingTwice() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.program), "build it first: swift build --package-path Examples/host-cli")
        let served = try TemporaryDirectory("served")
        let audio = try Data(contentsOf: URL(fileURLWithPath: Fixtures.media("audio-id3.mp3")))
        for n in 1...4 { try (audio + Data("episode \(n)".utf8)).write(to: served.file("ep\(n).mp3")) }
        let log = served.file("requests.log")
        let server = try FaultServer(root: served.url, log: log)
        let items = (1...4).map { n in
            "<item><title>Episode \(n)</title><enclosure url=\"\(server.url("/delay/400/ep\(n).mp3"))\" type=\"audio/mpeg\"/></item>"
        }
        try served.write(
            "feed.xml",
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Test Cast</title><itunes:author xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\">Host</itunes:author>\(items.joined())</channel></rss>")
        let feed = server.url("/files/feed.xml")
        let destination = try TemporaryDirectory("archive")
        func sidecars() -> [String] {
            (FileManager.default.subpaths(atPath: destination.path) ?? []).filter { $0.hasSuffix(".mp3.json") && !$0.hasPrefix(".archiver") }
        }

        let first = Process()
        first.executableURL = URL(fileURLWithPath: Self.program)
        first.arguments = [feed, "--dest", destination.path, "--workers", "1"]
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        try await waitUntil("the first episode's sidecar", timeout: .seconds(120)) { !sidecars().isEmpty }
        kill(first.processIdentifier, SIGINT)
        try await waitUntil("the paused run ends", timeout: .seconds(120)) { !first.isRunning }
        #expect(first.terminationStatus == 130, "paused")
        let beforeResume = sidecars().count
        #expect(beforeResume >= 1 && beforeResume < 4, "Ctrl-C came before the job ended: \(beforeResume) sidecars")

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
        // Every episode was fetched once, across both runs.
        let fetched = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").compactMap {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["path"] as? String
        }.filter { $0.hasPrefix("/delay/") }
        #expect(fetched.sorted() == (1...4).map { "/delay/400/ep\($0).mp3" }, "\(fetched)")
    }
}
