import Foundation
import Stages
import Testing
import TestSupport

/// Damaged input is transcoded as ffmpeg transcodes it: what the decoders reject is skipped
/// and reported as warnings; only input that yields no frame at all fails.
@Suite struct TolerantDecodingTests {
    @Test func aCorruptStretchMidFileIsSkippedAndReportedAsWarnings() async throws {
        let dir = try TemporaryDirectory("tolerant")
        let source = Fixtures.media("audio-id3.mp3")
        let damaged = dir.file("damaged.mp3").path
        try DamagedMedia.corruptMiddle(of: source, count: 3000, to: damaged)
        // The reference: ffmpeg decodes it to the end, with complaints.
        let reference = try Command.run("ffmpeg", ["-v", "error", "-i", damaged, "-f", "null", "-"])
        #expect(reference.status == 0)
        #expect(!reference.stderr.isEmpty, "ffmpeg has nothing to say about the damage: the test file is not damaged")

        let output = dir.file("out.m4a").path
        let warnings = try await Transcoder().transcode(input: damaged, output: output, profile: try TranscodeProfile.named("aac-128k"))
        #expect(warnings.contains { $0.contains("could not be decoded and") }, "\(warnings)")
        let made = try #require(try FFprobeReport.of(output)?.duration)
        let whole = try #require(try FFprobeReport.of(source)?.duration)
        #expect(made > whole * 0.8, "only the damaged stretch may be missing: \(made) of \(whole) s")

        // An undamaged input gives no warning.
        let clean = try await Transcoder().transcode(input: source, output: dir.file("clean.m4a").path, profile: try TranscodeProfile.named("aac-128k"))
        #expect(clean.isEmpty, "\(clean)")
    }

    @Test func anInputFromWhichNoFrameDecodesStillFails() async throws {
        let dir = try TemporaryDirectory("tolerant")
        let input = dir.file("garbage.wav").path
        try DamagedMedia.undecodableWAV(to: input)
        let probe = try #require(try FFprobeReport.of(input))
        #expect(probe.first("audio")?["codec_name"] == "mp3", "the file must probe as MP3 audio")
        let output = dir.file("out.m4a").path
        await #expect {
            try await Transcoder().transcode(input: input, output: output, profile: try TranscodeProfile.named("aac-128k"))
        } throws: { error in
            "\(error)".contains("no frame could be decoded")
        }
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
