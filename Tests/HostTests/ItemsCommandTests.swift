import Foundation
import Testing
import TestSupport

/// `engine items QUERY`, beets-style, over the fixtures stored in a library; the expected sets
/// come from the fixtures themselves (their extensions, ffprobe's tags).
@Suite struct ItemsCommandTests {
    @Test func aQueryListsOnlyTheItemsEveryTermMatches() throws {
        let dataDir = try TemporaryDirectory("data")
        let stored = try Command.engine(["run", "--no-renditions", "--data-dir", dataDir.path, Fixtures.mediaDirectory.path])
        #expect(stored.status == 0, "\(stored.stderr)")
        func titles(_ query: [String]) throws -> Set<String> {
            let result = try Command.engine(["items", "--json", "--data-dir", dataDir.path] + query)
            #expect(result.status == 0, "\(result.stderr)")
            return Set(((try parseJSON(result.stdout) as? [[String: Any]]) ?? []).compactMap { $0["title"] as? String })
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.mediaDirectory.path)
        let videos = names.filter { ["mp4", "mkv", "webm"].contains(($0 as NSString).pathExtension) }
        #expect(try titles(["kind:video"]).count == videos.count)

        // An artist as ffprobe reads it from a fixture's tags.
        let tagged = try #require(try FFprobeReport.of(Fixtures.media("audio-id3.mp3")))
        let artist = try #require(tagged.formatTags["artist"]), title = try #require(tagged.formatTags["title"])
        #expect(try titles(["artist:\(artist.lowercased())"]).contains(title))
        #expect(try titles(["artist:\(artist)", "kind:video"]).isEmpty, "every term must match")
        #expect(try titles([String(title.prefix(4)).uppercased()]).contains(title), "a bare word matches the title")

        let text = try Command.engine(["items", "--data-dir", dataDir.path, "title:\(title)"]).stdout
        let sha = try Command.run("sha256sum", [Fixtures.media("audio-id3.mp3")]).stdout.prefix(12)
        #expect(text.contains("sha256 \(sha)") && text.contains(dataDir.path + "/library/"), "\(text)")

        let unknown = try Command.engine(["items", "--data-dir", dataDir.path, "colour:red"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown field 'colour'"))
    }
}
