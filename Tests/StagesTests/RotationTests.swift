import Foundation
import Stages
import Testing
import TestSupport

/// Phone videos: landscape pixels with a display matrix that turns them to portrait. The
/// matrix is written into the MP4's track header byte by byte, as a phone's recorder does
/// (ffmpeg 5.1's CLI cannot set it); ffprobe and ffmpeg's own autorotation are the reference.
@Suite struct RotationTests {
    /// A 1 s 320x180 test pattern whose track header says: turn 90 degrees clockwise
    /// (rotation -90, as ffprobe reports an iPhone's portrait video).
    func portraitPhoneVideo(in dir: TemporaryDirectory) throws -> String {
        let path = dir.file("phone.mp4").path
        let made = try Command.run("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25",
            "-t", "1", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path,
        ])
        try #require(made.status == 0, "\(made.stderr)")
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let tkhd = try #require(data.range(of: Data("tkhd".utf8)))
        let matrix = tkhd.lowerBound - 4 + 48  // box start + header, version/flags, times, ids, layer, volume
        for (index, value) in [Int32(0), 65536, 0, -65536, 0, 0, 0, 0, 1 << 30].enumerated() {
            withUnsafeBytes(of: value.bigEndian) { data.replaceSubrange(matrix + 4 * index..<matrix + 4 * index + 4, with: $0) }
        }
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func ffprobeStream(_ path: String) throws -> [String: Any] {
        let result = try Command.run("ffprobe", ["-v", "error", "-show_streams", "-select_streams", "v:0", "-of", "json", path])
        return try #require((try parseJSON(result.stdout) as? [String: Any])?["streams"] as? [[String: Any]]).first ?? [:]
    }

    @Test func probeReportsTheDisplayMatrixAsFFprobeDoes() async throws {
        let dir = try TemporaryDirectory("rotation")
        let input = try portraitPhoneVideo(in: dir)
        let reference = try #require(ffprobeStream(input)["side_data_list"] as? [[String: Any]])
        #expect(reference.first?["rotation"] as? Int == -90, "the fixture is what a phone writes")
        let ours = try #require(try parseJSON(Command.engine(["probe", "--json", input]).stdout) as? [String: Any])
        let stream = try #require((ours["streams"] as? [[String: Any]])?.first)
        let list = try #require(stream["side_data_list"] as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list.first?["side_data_type"] as? String == reference.first?["side_data_type"] as? String)
        #expect(list.first?["displaymatrix"] as? String == reference.first?["displaymatrix"] as? String)
        #expect(list.first?["rotation"] as? Int == -90)
    }

    /// The rendition is portrait (180x320: never enlarged, even sizes) with no matrix left, and
    /// its pixels are the ones ffmpeg's autorotation makes (PSNR against ffmpeg's own output;
    /// a turn the wrong way scores about 10 dB).
    @Test func aRenditionOfAPortraitPhoneVideoIsUpright() async throws {
        let dir = try TemporaryDirectory("rotation")
        let input = try portraitPhoneVideo(in: dir)
        let ours = dir.file("ours.mp4").path, reference = dir.file("ffmpeg.mp4").path
        try await Transcoder().transcode(input: input, output: ours, profile: try TranscodeProfile.named("h264-720p"))
        let made = try Command.run("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", input, "-an", "-c:v", "libx264", "-crf", "18", reference,
        ])
        try #require(made.status == 0, "\(made.stderr)")
        let stream = try ffprobeStream(ours)
        #expect(stream["width"] as? Int == 180 && stream["height"] as? Int == 320, "\(stream)")
        #expect(stream["side_data_list"] == nil, "the pixels are turned: no matrix to turn them again")
        let compared = try Command.run("ffmpeg", ["-hide_banner", "-nostdin", "-i", ours, "-i", reference, "-lavfi", "psnr", "-f", "null", "-"])
        let psnr = try #require(compared.stderr.range(of: #"average:([0-9.]+|inf)"#, options: .regularExpression).map {
            Double(compared.stderr[$0].dropFirst("average:".count)) ?? .infinity
        }, "\(compared.stderr.suffix(400))")
        #expect(psnr > 30, "PSNR \(psnr) dB against ffmpeg's autorotated output")

        let thumbnail = dir.file("thumb.jpg").path
        try await Transcoder().transcode(input: input, output: thumbnail, profile: try TranscodeProfile.named("thumbnail"))
        let picture = try ffprobeStream(thumbnail)
        #expect((picture["width"] as? Int ?? 0) < (picture["height"] as? Int ?? 0), "a portrait thumbnail: \(picture)")
    }

    /// A stream copy keeps the pixels as they are and the matrix with them (into MP4, whose
    /// track header holds it; Matroska has no place for it in FFmpeg 5.1).
    @Test func aStreamCopyKeepsTheMatrix() async throws {
        let dir = try TemporaryDirectory("rotation")
        let input = try portraitPhoneVideo(in: dir)
        let copy = dir.file("copy.mp4").path
        try await Transcoder().transcode(input: input, output: copy, profile: try TranscodeProfile.named("remux"))
        let list = try ffprobeStream(copy)["side_data_list"] as? [[String: Any]]
        #expect(list?.first?["rotation"] as? Int == -90)
    }
}
