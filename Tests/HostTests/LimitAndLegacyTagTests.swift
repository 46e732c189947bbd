import Foundation
import Testing
import TestSupport

/// `--limit N` takes N new items, as yt-dlp's --max-downloads; ID3 text in a legacy code page
/// names the library's files as the text it is.
@Suite struct LimitAndLegacyTagTests {
    func summary(_ arguments: [String], _ dataDir: TemporaryDirectory) async throws -> [String: Any] {
        let result = try await Command.engineAsync(["run", "--json", "--no-renditions", "--data-dir", dataDir.path] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try parseJSON(result.stdout) as? [String: Any], "\(result.stdout)")
    }

    @Test func limitCountsOnlyItemsTheLibraryDoesNotHold() async throws {
        let dataDir = try TemporaryDirectory("data")
        let inputs = ["audio-id3.mp3", "audio-pcm.wav", "audio-vorbis.ogg", "audio-aac.m4a"].map(Fixtures.media)
        #expect(try await summary(["--limit", "2"] + inputs, dataDir)["stored"] as? Int == 2)
        let second = try await summary(["--limit", "2"] + inputs, dataDir)
        #expect(second["stored"] as? Int == 2, "the two stored ones do not count: \(second)")
        #expect(second["skipped"] as? Int == 2)
        let third = try await summary(["--limit", "2"] + inputs, dataDir)
        #expect(third["stored"] as? Int == 0)
        #expect(third["skipped"] as? Int == 4)
    }

    @Test func gbkTextInALatin1FrameNamesTheItemAndItsFile() async throws {
        let dataDir = try TemporaryDirectory("data")
        let inputs = try TemporaryDirectory("inputs")
        let file = inputs.file("track01.mp3").path
        // 晴天 by 周杰伦, in GBK, in frames marked ISO-8859-1 (as a Chinese tagger of the 2000s wrote them).
        try DamagedMedia.mp3WithLatin1Frames(
            [("TIT2", [0xC7, 0xE7, 0xCC, 0xEC]), ("TPE1", [0xD6, 0xDC, 0xBD, 0xDC, 0xC2, 0xD7])],
            audioFrom: Fixtures.media("audio-id3.mp3"), to: file)
        // ffprobe, the reference, reads the frames as Latin-1: the file is what the test means.
        let reference = try #require(try FFprobeReport.of(file))
        #expect(reference.formatTags["title"] == "ÇçÌì")

        #expect(try await summary([file], dataDir)["stored"] as? Int == 1)
        let result = try await Command.engineAsync(["items", "--json", "--data-dir", dataDir.path])
        let item = try #require((try parseJSON(result.stdout) as? [[String: Any]])?.first)
        #expect(item["title"] as? String == "晴天")
        #expect(item["creators"] as? [String] == ["周杰伦"])
        #expect((item["path"] as? String)?.hasSuffix("/周杰伦/晴天.mp3") == true, "\(item)")
    }
}
