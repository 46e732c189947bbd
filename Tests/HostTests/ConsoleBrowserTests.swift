import Foundation
import Testing
import TestSupport

/// The console in a real browser: `engine serve` against a loopback file server with slow
/// items, driven by headless Chromium (Tests/Browser/console_browser.py, selenium): launch,
/// live counters, pause (nothing new starts), resume, a collection row opened, a failed item
/// retried once the server has it. Screenshots go to `.build/artifacts/console-browser/`.
@Suite struct ConsoleBrowserTests {
    @Test func aJobIsLaunchedWatchedPausedAndRetriedFromTheBrowser() async throws {
        let files = try TemporaryDirectory("browser-files")
        let server = try FaultServer(root: files.url)
        let items = 8
        // Slow items (0.7 s each, one download at a time), titles that must show as text, and
        // one the server lacks until the test gives it.
        var playlist = "#EXTM3U\n#PLAYLIST:Road trip <script>window.__pwned=1</script>\n"
        for n in 1..<items {
            try GeneratedMedia.wav(dataBytes: 64 * 1024, to: files.url.appendingPathComponent("track\(n).wav").path)
            playlist += "#EXTINF:-1,Band - Track \(n) <img src=x onerror=\"window.__pwned=1\">\n\(server.url("/delay/700/track\(n).wav"))\n"
        }
        playlist += "#EXTINF:-1,Band - Late\n\(server.url("/files/late.wav"))\n"
        let lists = try TemporaryDirectory("browser-lists")
        let playlistPath = lists.url.appendingPathComponent("road-trip.m3u8").path
        try playlist.write(toFile: playlistPath, atomically: true, encoding: .utf8)
        let late = lists.url.appendingPathComponent("late-source.wav").path
        try GeneratedMedia.wav(dataBytes: 64 * 1024, to: late)

        let data = try TemporaryDirectory("browser-data")
        let serve = try EngineProcess(["serve", "--port", "0", "--data-dir", data.path], environment: ["ENGINE_DOWNLOAD_WORKERS": "1"])
        defer { serve.signal(SIGKILL) }
        let port = try #require(try await ServeTests.consolePort(serve), "\(serve.errors)")
        let shots = Fixtures.packageRoot.appendingPathComponent(".build/artifacts/console-browser")
        try? FileManager.default.removeItem(at: shots)

        let result = try await offPool {
            try Command.run("python3", [
                Fixtures.packageRoot.appendingPathComponent("Tests/Browser/console_browser.py").path, "--url", "http://127.0.0.1:\(port)",
                "--playlist", playlistPath, "--items", String(items), "--late-source", late,
                "--late-target", files.url.appendingPathComponent("late.wav").path, "--shots", shots.path,
            ])
        }
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)\nserve: \(serve.errors.suffix(3000))")
        for shot in ["dashboard-running", "job-paused", "job-collection-open", "job-retried"] {
            #expect(FileManager.default.fileExists(atPath: shots.appendingPathComponent("\(shot).png").path), "\(shot)")
        }
    }
}
