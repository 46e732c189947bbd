import Foundation
import Stages
import Testing
import TestSupport

/// Every fixture through every profile that fits it, checked with ffprobe.
@Suite struct TranscoderTests {
    struct Case: CustomStringConvertible, Sendable {
        let fixture: String
        let profile: String
        var description: String { "\(fixture) → \(profile)" }
    }

    static let videoFixtures = ["video-h264-aac.mp4", "video-h264-flac.mkv", "video-vp9-opus.webm"]
    static let audioProfiles = ["aac-128k", "opus-96k", "mp3-192k", "flac"]
    static let cases: [Case] = Fixtures.media.flatMap { fixture in
        let isVideo = videoFixtures.contains(fixture)
        let profiles = audioProfiles + ["remux", "trim"] + (isVideo ? ["h264-720p", "h264-1080p", "thumbnail"] : [])
        return profiles.map { Case(fixture: fixture, profile: $0) }
    }

    static let expectedCodec: [String: (audio: String?, video: String?, format: String)] = [
        "aac-128k": ("aac", nil, "mov,mp4,m4a"), "opus-96k": ("opus", nil, "ogg"), "mp3-192k": ("mp3", nil, "mp3"),
        "flac": ("flac", nil, "flac"), "h264-720p": ("aac", "h264", "mov,mp4,m4a"), "h264-1080p": ("aac", "h264", "mov,mp4,m4a"),
        "thumbnail": (nil, "mjpeg", "image2"),
    ]

    @Test(arguments: cases)
    func outputMatchesTheProfile(_ test: Case) async throws {
        let input = Fixtures.media(test.fixture)
        let source = try #require(try FFprobeReport.of(input))
        var profile = try TranscodeProfile.named(test.profile)
        let dir = try TemporaryDirectory("transcode")
        var ext = profile.fileExtension
        if test.profile == "trim" {
            profile.start = 0.5
            profile.duration = 1
            ext = source.video == nil ? "m4a" : "mp4"
        }
        if test.profile == "thumbnail" { profile.maxWidth = 160 }
        let output = dir.file("out.\(ext)").path
        try await Transcoder().transcode(input: input, output: output, profile: profile)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.\(ext)"], "no temp file left")

        let result = try #require(try FFprobeReport.of(output), "ffprobe cannot read \(output)")
        if let expected = Self.expectedCodec[test.profile] {
            #expect(result.format["format_name"]?.hasPrefix(expected.format) == true, "\(result.format)")
            if let audio = expected.audio, source.first("audio") != nil {
                #expect(result.first("audio")?["codec_name"] == audio)
            }
            if let video = expected.video { #expect(result.video?["codec_name"] == video) }
        }
        if test.profile == "remux" {
            #expect(result.video?["codec_name"] == source.video?["codec_name"])
            #expect(result.first("audio")?["codec_name"] == source.first("audio")?["codec_name"])
        }

        // Duration: the input's, or the trim length; a thumbnail has none to compare.
        if test.profile != "thumbnail" {
            let inputDuration = try #require(source.duration)
            let expected = test.profile == "trim" ? min(1.0, inputDuration - 0.5) : inputDuration
            let actual = try #require(result.duration)
            #expect(abs(actual - expected) <= 0.1, "duration \(actual) vs \(expected)")
        }

        // Picture size: within the maximum, never enlarged, aspect kept, even.
        if let inputVideo = source.video, let outputVideo = result.video, profile.kind != .audio {
            let (inW, inH) = (Double(inputVideo["width"]!)!, Double(inputVideo["height"]!)!)
            let (outW, outH) = (Double(outputVideo["width"]!)!, Double(outputVideo["height"]!)!)
            #expect(outW <= inW && outH <= inH)
            if let maxWidth = profile.maxWidth { #expect(outW <= Double(maxWidth)) }
            if let maxHeight = profile.maxHeight { #expect(outH <= Double(maxHeight)) }
            #expect(abs(outW / outH - inW / inH) < 0.02)
            if test.profile == "thumbnail" {
                #expect(outW == 160, "thumbnail of the asked width")
            } else {
                #expect(Int(outW) % 2 == 0 && Int(outH) % 2 == 0)
            }
        }

        // Audio: sample rate as the profile asks (Opus: 48 kHz), else the input's; channels kept.
        if let inputAudio = source.first("audio"), let outputAudio = result.first("audio"), profile.kind != .image {
            let rate = profile.sampleRate.map(String.init) ?? inputAudio["sample_rate"]
            #expect(outputAudio["sample_rate"] == rate)
            #expect(outputAudio["channels"] == inputAudio["channels"])
        }

        // Tags carry over (a JPEG has nowhere to keep them).
        if test.profile != "thumbnail" {
            for key in ["title", "artist", "album"] {
                if let value = source.tag(key) { #expect(result.tag(key) == value, "\(key) tag") }
            }
        }
    }

    @Test func sampleRateAndChannelsAreAsAsked() async throws {
        var profile = try TranscodeProfile.named("aac-128k")
        profile.sampleRate = 22_050
        profile.channels = 1
        let dir = try TemporaryDirectory("transcode")
        let output = dir.file("mono.m4a").path
        try await Transcoder().transcode(input: Fixtures.media("audio-vorbis-comments.flac"), output: output, profile: profile)
        let audio = try #require(try FFprobeReport.of(output)?.first("audio"))
        #expect(audio["sample_rate"] == "22050")
        #expect(audio["channels"] == "1")
    }

    @Test func videoIsScaledDownToTheMaximumKeepingAspect() async throws {
        var profile = try TranscodeProfile.named("h264-720p")
        profile.maxWidth = 200
        let dir = try TemporaryDirectory("transcode")
        let output = dir.file("small.mp4").path
        try await Transcoder().transcode(input: Fixtures.media("video-h264-aac.mp4"), output: output, profile: profile)
        let video = try #require(try FFprobeReport.of(output)?.video)
        let source = try #require(try FFprobeReport.of(Fixtures.media("video-h264-aac.mp4"))?.video)
        let (width, height) = (Double(source["width"]!)!, Double(source["height"]!)!)
        #expect(video["width"] == "200")
        #expect(video["height"] == String(Int((200 * height / width).rounded()) & ~1), "aspect kept, even")
    }

    @Test func frameRateIsCappedWithoutChangingTheDuration() async throws {
        var profile = try TranscodeProfile.named("h264-720p")
        profile.maxFPS = 10
        let dir = try TemporaryDirectory("transcode")
        let output = dir.file("slow.mp4").path
        try await Transcoder().transcode(input: Fixtures.media("video-h264-aac.mp4"), output: output, profile: profile)
        let report = try #require(try FFprobeReport.of(output))
        let inputDuration = try #require(try FFprobeReport.of(Fixtures.media("video-h264-aac.mp4"))?.duration)
        #expect(report.video?["avg_frame_rate"] == "10/1")
        #expect(abs((report.duration ?? 0) - inputDuration) <= 0.1)
    }

    /// MPEG-TS starts its clock at ~1.4 s: outputs start at 0 with audio and video together, and
    /// a trim counts from the start of the media.
    @Test func inputsWhoseClockDoesNotStartAtZeroStayInSync() async throws {
        let dir = try TemporaryDirectory("transcode")
        let input = dir.file("clip.ts").path
        let made = try Command.run("ffmpeg", ["-v", "error", "-i", Fixtures.media("video-h264-aac.mp4"), "-c", "copy", input])
        #expect(made.status == 0)
        let source = try #require(try FFprobeReport.of(input))
        #expect((Double(source.format["start_time"] ?? "0") ?? 0) > 1, "the TS clock starts late")

        let full = dir.file("full.mp4").path
        try await Transcoder().transcode(input: input, output: full, profile: try TranscodeProfile.named("h264-720p"))
        let report = try #require(try FFprobeReport.of(full))
        for stream in report.streams {
            #expect(abs(Double(stream["start_time"] ?? "9") ?? 9) <= 0.1, "\(stream["codec_type"] ?? ""): \(stream["start_time"] ?? "")")
        }
        let sourceDuration = try #require(try FFprobeReport.of(Fixtures.media("video-h264-aac.mp4"))?.duration)
        #expect(abs((report.duration ?? 0) - sourceDuration) <= 0.1)

        var trim = try TranscodeProfile.named("trim")
        trim.start = 0.5
        trim.duration = 1
        let cut = dir.file("cut.mp4").path
        try await Transcoder().transcode(input: input, output: cut, profile: trim)
        #expect(abs((try FFprobeReport.of(cut)?.duration ?? 0) - 1) <= 0.1)
    }

    /// A read error in the middle of the input (here EIO, from a pseudo-terminal whose other
    /// side closed after 60 % of an MPEG-TS file) fails the transcode and leaves no output;
    /// the same bytes ending at a file's end of data are a truncated input, which keeps what
    /// decoded.
    @Test func aReadErrorMidFileFailsTheTranscodeButATruncatedFileDoesNot() async throws {
        let dir = try TemporaryDirectory("transcode")
        let clip = dir.file("clip.ts").path
        let made = try Command.run("ffmpeg", ["-v", "error", "-i", Fixtures.media("video-h264-aac.mp4"), "-c", "copy", clip])
        #expect(made.status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: clip))
        let prefix = bytes.prefix(bytes.count * 6 / 10)
        let profile = try TranscodeProfile.named("aac-128k")

        let cut = dir.file("cut.ts")
        try prefix.write(to: cut)
        let short = dir.file("short.m4a").path
        try await Transcoder().transcode(input: cut.path, output: short, profile: profile)
        // Media length (ffprobe's), not time taken.
        let kept = try #require(try FFprobeReport.of(short)?.duration)
        let whole = try #require(try FFprobeReport.of(clip)?.duration)
        #expect(kept > 0 && kept < whole, "a truncated input keeps what decoded: \(kept) of \(whole) s of media")

        let out = try TemporaryDirectory("out")
        let terminal = try PseudoTerminal()
        let feeder = Thread {
            terminal.writeAndHangUp(prefix)
        }
        feeder.start()
        defer { terminal.close() }
        await #expect {
            try await Transcoder().transcode(input: "pipe:\(terminal.master)", output: out.file("eio.m4a").path, profile: profile)
        } throws: { error in
            "\(error)" == "pipe:\(terminal.master): cannot read input: Input/output error"
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty, "no output after a read error")
    }

    @Test func aStreamCopyCannotBeTrimmed() async throws {
        var profile = try TranscodeProfile.named("remux")
        profile.duration = 1
        let dir = try TemporaryDirectory("transcode")
        await #expect {
            try await Transcoder().transcode(input: Fixtures.media("video-h264-aac.mp4"), output: dir.file("x.mkv").path, profile: profile)
        } throws: { error in
            "\(error)".contains("cannot trim a stream copy")
        }
    }

    @Test(arguments: Fixtures.bad)
    func badInputFailsWithLibavsReasonAndLeavesNothing(name: String) async throws {
        let dir = try TemporaryDirectory("transcode")
        await #expect {
            try await Transcoder().transcode(
                input: Fixtures.bad(name), output: dir.file("out.m4a").path, profile: try TranscodeProfile.named("aac-128k"))
        } throws: { error in
            "\(error)".hasPrefix(Fixtures.bad(name) + ": ")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func aVideoProfileOnAudioIsAClearError() async throws {
        let dir = try TemporaryDirectory("transcode")
        await #expect {
            try await Transcoder().transcode(
                input: Fixtures.media("audio-id3.mp3"), output: dir.file("out.mp4").path,
                profile: try TranscodeProfile.named("h264-720p"))
        } throws: { error in
            "\(error)".contains("no video stream")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func cancelStopsTheTranscodeAndLeavesNothing() async throws {
        let dir = try TemporaryDirectory("transcode")
        // A long input, encoded slowly, so the transcode is surely running when cancelled.
        let input = dir.file("long.mkv").path
        let made = try Command.run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=60",
            "-c:v", "mpeg4", "-q:v", "8", input,
        ])
        #expect(made.status == 0)
        let out = try TemporaryDirectory("out")
        var profile = try TranscodeProfile.named("h264-720p")
        profile.preset = "veryslow"
        let started = Gate()
        let task = Task {
            try await Transcoder().transcode(input: input, output: out.file("long.mp4").path, profile: profile) { done, _ in
                if done > 0 { started.open() }
            }
        }
        await started.wait()
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
    }
}
