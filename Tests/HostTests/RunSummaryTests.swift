import Foundation
import Testing
import TestSupport

/// The text summary lists the first 20 failures and counts the rest; `--json` has them all.
@Suite struct RunSummaryTests {
    @Test func aLongListOfFailuresIsCutShortInTheText() async throws {
        let dataDir = try TemporaryDirectory("data")
        let lists = try TemporaryDirectory("lists")
        let playlist = try lists.write("missing.m3u", (1...23).map { "/nonexistent/song\($0).mp3" }.joined(separator: "\n") + "\n")
        let text = try await Command.engineAsync(["run", "--data-dir", dataDir.path, playlist])
        #expect(text.status == 1)
        #expect(text.stdout.contains("failed (23):"), "\(text.stdout)")
        #expect(text.stdout.split(separator: "\n").filter { $0.hasPrefix("  [") }.count == 20, "\(text.stdout)")
        #expect(text.stdout.contains("… and 3 more (`--json` lists them)"), "\(text.stdout)")
        let json = try await Command.engineAsync(["run", "--json", "--data-dir", dataDir.path, playlist])
        let summary = try #require(try parseJSON(json.stdout) as? [String: Any])
        #expect((summary["failures"] as? [Any])?.count == 23)
    }
}
