import Foundation
import Testing
import TestSupport

/// `collect_only` fills the catalog without downloading; `download_only` then stores what the
/// catalog has and the library lacks, limited to a source.
@Suite struct JobTypesTests {
    @Test func collectOnlyThenDownloadOnlyOfOneSource() throws {
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let files = ["audio-id3.mp3", "audio-pcm.wav", "audio-vorbis.ogg"].map(Fixtures.media)
        let playlist = try lists.write("mixed.txt", "mine,\(files[0])\nmine,\(files[1])\ntheirs,\(files[2])\n")
        func engine(_ arguments: [String]) throws -> CommandResult {
            let result = try Command.engine(arguments + ["--data-dir", dataDir.path])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result
        }
        _ = try engine(["jobs", "submit", "collect_only", "--input", playlist])
        _ = try engine(["worker", "--until-idle"])
        let collected = try #require(try parseJSON(engine(["jobs", "show", "1", "--json"]).stdout) as? [String: Any])
        #expect(collected["status"] as? String == "completed")
        #expect((collected["items"] as? [String: Any])?["succeeded"] as? Int == 3)
        #expect((try parseJSON(engine(["items", "--json"]).stdout) as? [Any])?.isEmpty == true, "nothing downloaded")

        _ = try engine(["jobs", "submit", "download_only", "--source", "mine", "--no-renditions"])
        _ = try engine(["worker", "--until-idle"])
        let stored = try #require(try parseJSON(engine(["items", "--json"]).stdout) as? [[String: Any]])
        #expect(stored.count == 2)
        #expect(Set(stored.compactMap { $0["source"] as? String }) == ["mine"])
        let downloaded = try #require(try parseJSON(engine(["jobs", "show", "2", "--json"]).stdout) as? [String: Any])
        #expect(downloaded["type"] as? String == "download_only")
        #expect((downloaded["items"] as? [String: Any])?["succeeded"] as? Int == 2)
    }
}
