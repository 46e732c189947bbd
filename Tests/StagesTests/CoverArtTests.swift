import Foundation
import Stages
import Testing
import TestSupport

/// Cover art carries over into audio renditions whose container holds a picture, as
/// `ffmpeg -map 0 -c:v copy -disposition attached_pic` does; Ogg (Opus) has no place for one.
@Suite struct CoverArtTests {
    @Test(arguments: [("aac-128k", "m4a", true), ("mp3-192k", "mp3", true), ("flac", "flac", true), ("opus-96k", "opus", false)])
    func anAudioRenditionKeepsTheAttachedPicture(_ profile: String, _ ext: String, _ holdsPicture: Bool) async throws {
        let dir = try TemporaryDirectory("cover")
        let source = Fixtures.media("audio-cover-art.mp3")
        let output = dir.file("out.\(ext)").path
        try await Transcoder().transcode(input: source, output: output, profile: try TranscodeProfile.named(profile))
        let original = try #require(try FFprobeReport.of(source)?.video)
        let report = try #require(try FFprobeReport.of(output))
        let picture = report.streams.first { $0["codec_type"] == "video" }
        if holdsPicture {
            let picture = try #require(picture, "\(profile): no cover in the rendition")
            #expect(picture["codec_name"] == original["codec_name"])
            #expect(picture["width"] == original["width"] && picture["height"] == original["height"])
            let probed = try Command.run("ffprobe", ["-v", "error", "-show_streams", "-select_streams", "v", "-of", "json", output])
            let streams = try #require((try parseJSON(probed.stdout) as? [String: Any])?["streams"] as? [[String: Any]])
            #expect((streams.first?["disposition"] as? [String: Any])?["attached_pic"] as? Int == 1, "an attached picture, not a video")
        } else {
            #expect(picture == nil)
        }
        #expect(report.first("audio") != nil)
    }
}
