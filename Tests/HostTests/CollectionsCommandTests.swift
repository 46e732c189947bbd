import Foundation
import Testing
import TestSupport

/// `engine collections`: each collection with how much of it the library holds, and its status.
@Suite struct CollectionsCommandTests {
    @Test func collectionsAreListedWithTheirStatus() throws {
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let whole = try lists.write("whole.m3u", [Fixtures.media("audio-id3.mp3"), Fixtures.media("audio-pcm.wav")].joined(separator: "\n") + "\n")
        let half = try lists.write("half.m3u", "\(Fixtures.media("audio-vorbis.ogg"))\n\(lists.file("gone.mp3").path)\n")
        let later = try lists.write("later.m3u", "\(Fixtures.media("audio-aac.m4a"))\n")
        func engine(_ arguments: [String]) throws -> CommandResult {
            try Command.engine(arguments + ["--data-dir", dataDir.path])
        }
        _ = try engine(["run", "--no-renditions", "--no-processors", whole, half])
        _ = try engine(["jobs", "submit", "collect_only", "--input", later])
        #expect(try engine(["worker", "--until-idle"]).status == 0)

        let listed = try engine(["collections", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let rows = try #require(try parseJSON(listed.stdout) as? [[String: Any]])
        var byName: [String: [String: Any]] = [:]
        for row in rows { byName[((row["locator"] as? String ?? "") as NSString).lastPathComponent] = row }
        #expect(byName["whole.m3u"]?["status"] as? String == "downloaded" && byName["whole.m3u"]?["downloaded"] as? Int == 2, "\(rows)")
        #expect(byName["half.m3u"]?["status"] as? String == "partial" && byName["half.m3u"]?["total"] as? Int == 2, "\(rows)")
        #expect(byName["later.m3u"]?["status"] as? String == "not_downloaded", "\(rows)")

        let partial = try engine(["collections", "--status", "partial"])
        #expect(partial.stdout.contains("half") && !partial.stdout.contains("whole"), "\(partial.stdout)")
        let refused = try engine(["collections", "--status", "half-done"])
        #expect(refused.status != 0 && refused.stderr.contains("--status"), "\(refused.stderr)")
    }
}
