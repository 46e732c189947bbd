import Foundation
import Testing
import TestSupport

/// `engine transcode` with ffmpeg's habits: OUT's extension picks the container where the
/// profile fits it, an existing OUT is kept unless `-y`, and a fault of OUT is named as OUT's.
@Suite struct TranscodeCommandTests {
    @Test func theOutputExtensionPicksTheContainerOrIsRefusedNamingBoth() throws {
        let dir = try TemporaryDirectory("transcode")
        let mp3 = dir.file("song.mp3").path
        let refused = try Command.engine(["transcode", Fixtures.media("audio-id3.mp3"), mp3, "--profile", "aac-128k"])
        #expect(refused.status == 2)
        #expect(refused.stderr == "engine: transcode: \(mp3): a .mp3 file cannot hold profile 'aac-128k': its audio is aac (give .m4a)\n")
        #expect(!FileManager.default.fileExists(atPath: mp3))

        let png = dir.file("poster.png").path
        let made = try Command.engine(["transcode", Fixtures.media("video-h264-aac.mp4"), png, "--profile", "thumbnail"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try FFprobeReport.of(png)?.video?["codec_name"] == "png")

        let mkv = dir.file("clip.mkv").path
        #expect(try Command.engine(["transcode", Fixtures.media("video-h264-aac.mp4"), mkv, "--profile", "h264-720p"]).status == 0)
        #expect(try FFprobeReport.of(mkv)?.format["format_name"] == "matroska,webm")
    }

    @Test func anExistingOutputIsKeptUnlessOverwriteIsGiven() throws {
        let dir = try TemporaryDirectory("transcode")
        let out = try dir.write("song.m4a", "keep me")
        let kept = try Command.engine(["transcode", Fixtures.media("audio-id3.mp3"), out, "--profile", "aac-128k", "-n"])
        #expect(kept.status == 2)
        #expect(kept.stderr == "engine: transcode: \(out): already exists (give -y to replace it)\n")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep me")
        let replaced = try Command.engine(["transcode", Fixtures.media("audio-id3.mp3"), out, "--profile", "aac-128k", "-y"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try FFprobeReport.of(out)?.first("audio")?["codec_name"] == "aac")
    }

    @Test func aMissingOutputFolderIsNamedAsTheOutputsFault() throws {
        let out = "/nonexistent-\(UUID().uuidString)/clip.mp4"
        let result = try Command.engine(["transcode", Fixtures.media("video-h264-aac.mp4"), out, "--profile", "h264-720p"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("engine: transcode: \(out): the folder "), "\(result.stderr)")
    }
}
