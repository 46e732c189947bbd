import Foundation
import Testing
import TestSupport

/// `engine analyze`: one line per file and the album; JSON; damaged input measured as far as
/// it decodes, with warnings; a file that is no media is a one-line error and exit 1, and the
/// other files are still measured.
@Suite struct AnalyzeCommandTests {
    @Test func filesAndTheAlbumAreMeasuredAndABadFileIsOneLine() async throws {
        let dir = try TemporaryDirectory("analyze")
        let flac = try Data(contentsOf: URL(fileURLWithPath: Fixtures.media("audio-vorbis-comments.flac")))
        let truncated = dir.file("truncated.flac")
        try flac.prefix(flac.count / 2).write(to: truncated)
        let notMedia = try dir.write("notes.txt", "not media\n")

        let text = try await Command.engineAsync(["analyze", Fixtures.media("audio-id3.mp3"), Fixtures.media("audio-pcm.wav")])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].contains("LUFS") && lines[0].contains("track gain") && lines[2].hasPrefix("album: "), "\(text.stdout)")

        let json = try await Command.engineAsync(["analyze", "--json", truncated.path, notMedia, Fixtures.media("audio-aac.m4a")])
        #expect(json.status == 1, "a file failed")
        let document = try #require(try parseJSON(json.stdout) as? [String: Any])
        let files = try #require(document["files"] as? [[String: Any]])
        #expect(files.count == 3)
        let partial = try #require(files[0]["processors"] as? [String: Any])["loudness"] as? [String: Any]
        #expect(partial?["integrated_lufs"] is Double && !(files[0]["warnings"] as? [String] ?? []).isEmpty, "\(files[0])")
        #expect((files[1]["error"] as? String)?.hasPrefix("cannot analyze \(notMedia): cannot open input") == true, "\(files[1])")
        #expect(files[2]["duration"] is Double)
        #expect((document["album"] as? [String: Any])?["replaygain_album_gain_db"] is Double)
        let errors = json.stderr.split(separator: "\n").filter { $0.hasPrefix("engine: analyze: cannot analyze") }
        #expect(errors.count == 1, "\(json.stderr)")
    }

    /// A video file gets the scenes processor: every frame ffprobe counts is read, and with
    /// --posters-dir a JPEG of each scene's first frame is written.
    @Test func aVideoFileHasItsScenesAndPosters() async throws {
        let video = Fixtures.media("video-h264-aac.mp4")
        let dir = try TemporaryDirectory("posters")
        let ran = try await Command.engineAsync(["analyze", "--json", "--posters-dir", dir.path, video])
        #expect(ran.status == 0, "\(ran.stderr)")
        let file = try #require((try parseJSON(ran.stdout) as? [String: Any])?["files"] as? [[String: Any]]).first
        let scenes = try #require((file?["processors"] as? [String: Any])?["scenes"] as? [String: Any])
        let counted = try Command.run("ffprobe", [
            "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", video,
        ]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(scenes["frames"] as? Int == Int(counted), "\(scenes)")
        let posters = (scenes["posters"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(posters.count == (scenes["scenes"] as? Int ?? -1) && !posters.isEmpty, "\(scenes)")
        for poster in posters {
            let report = try FFprobeReport.of(dir.file("video-h264-aac.\(poster).jpg").path)
            #expect(report?.video?["codec_name"] == "mjpeg" && report?.video?["width"] == "320", "\(poster)")
        }
    }
}
