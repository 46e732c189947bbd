import Foundation
import GRDB
import Testing
import TestSupport

/// The console's Maintenance card through a running `engine serve`: the scan lists a stored
/// copy twice over; a dedupe is refused (409) while a job runs and done once it has ended.
@Suite struct ConsoleMaintenanceTests {
    @Test func aDedupeWaitsForTheRunningJob() async throws {
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        #expect(try await Command.engineAsync(["run", "--no-renditions", "--no-processors", Fixtures.media("audio-id3.mp3"), "--data-dir", dataDir.path]).status == 0)
        let library = dataDir.file("library")
        let stored = try #require(try FileManager.default.subpathsOfDirectory(atPath: library.path).first { $0.hasSuffix(".mp3") })
        let copy = (stored as NSString).deletingPathExtension + " (1).mp3"
        try FileManager.default.copyItem(at: library.appendingPathComponent(stored), to: library.appendingPathComponent(copy))
        try await DatabaseQueue(path: dataDir.file("engine.sqlite").path).write { db in
            try db.execute(
                sql: "INSERT INTO file_locations (asset_id, backend_id, locator, state) SELECT asset_id, backend_id, ?, 'active' FROM file_locations LIMIT 1",
                arguments: [copy])
        }
        let serve = try EngineProcess(["serve", "--port", "0", "--data-dir", dataDir.path])
        defer { serve.signal(SIGKILL) }
        let base = "http://127.0.0.1:\(try #require(try await ServeTests.consolePort(serve), "\(serve.errors)"))"
        #expect(try await consoleCurl([base + "/"]).body.contains("data-scan=\"/api/maintenance/duplicates\""), "the card on the dashboard")
        let scanned = try #require(try parseJSON(try await consoleCurl([base + "/api/maintenance/duplicates"]).body) as? [String: Any])
        #expect((scanned["duplicates"] as? [Any])?.count == 1, "\(scanned)")

        let csrf = try #require((try parseJSON(try await consoleCurl([base + "/api/session"]).body) as? [String: Any])?["csrf_token"] as? String)
        func dedupe() async throws -> (code: String, body: String) {
            try await consoleCurl(["-X", "POST", "-H", "X-CSRF-Token: \(csrf)", base + "/api/maintenance/dedupe"])
        }
        // A job held mid-download: the dedupe is refused meanwhile.
        let held = try HeldServer()
        let submitted = try await Command.engineAsync(
            ["jobs", "submit", "ingest", "--no-renditions", "--stall-timeout", "3600", "--input", try held.playlist(1, in: lists), "--data-dir", dataDir.path])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let refused = try await dedupe()
        #expect(refused.code == "409" && refused.body.contains("refused while job 2"), "\(refused)")
        #expect(FileManager.default.fileExists(atPath: library.appendingPathComponent(copy).path))

        try held.release()
        var done = refused
        let started = Date()
        while done.code != "200", Date().timeIntervalSince(started) < 120 {
            try await Task.sleep(for: .milliseconds(300))
            done = try await dedupe()
        }
        let report = try #require(try parseJSON(done.body) as? [String: Any], "\(done)")
        #expect((report["removed"] as? [[String: Any]])?.first?["locator"] as? String == copy, "\(report)")
        #expect(!FileManager.default.fileExists(atPath: library.appendingPathComponent(copy).path))
        #expect(FileManager.default.fileExists(atPath: library.appendingPathComponent(stored).path))
    }
}
