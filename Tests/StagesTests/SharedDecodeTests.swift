import Foundation
import Stages
import Testing
import TestSupport

/// Several renditions from one decode: each is what the same profile makes alone — same
/// codecs, sizes and duration, and (encoders fed the same frames) about the same bytes.
@Suite struct SharedDecodeTests {
    struct Case: CustomStringConvertible, Sendable {
        let fixture: String
        let profiles: [String]
        var description: String { "\(fixture) → \(profiles.joined(separator: " + "))" }
    }

    static let cases = [
        Case(fixture: "video-h264-aac.mp4", profiles: ["h264-small", "h264-smaller"]),
        Case(fixture: "video-vp9-opus.webm", profiles: ["h264-small", "aac-128k", "opus-96k"]),
        Case(fixture: "video-h264-flac.mkv", profiles: ["remux", "h264-smaller"]),
        Case(fixture: "audio-vorbis-comments.flac", profiles: ["aac-128k", "opus-96k", "mp3-192k", "flac"]),
        Case(fixture: "audio-pcm.wav", profiles: ["aac-128k", "opus-96k"]),
    ]

    /// The built-in profiles, and two H.264 ones small enough that each scales the fixtures differently.
    static func profile(_ name: String) throws -> TranscodeProfile {
        guard name.hasPrefix("h264-small") else { return try TranscodeProfile.named(name) }
        var profile = try TranscodeProfile.named("h264-720p")
        profile.name = name
        (profile.maxWidth, profile.maxHeight) = name == "h264-small" ? (160, 160) : (96, 96)
        return profile
    }

    @Test(arguments: cases)
    func eachRenditionIsWhatItsProfileMakesAlone(_ test: Case) async throws {
        let input = Fixtures.media(test.fixture)
        let profiles = try test.profiles.map(Self.profile)
        #expect(Transcoder.canShareDecode(profiles))
        let together = try TemporaryDirectory("together"), alone = try TemporaryDirectory("alone")
        let outputs = profiles.map { Transcoder.Output(path: together.file("\($0.name).\($0.fileExtension)").path, profile: $0) }
        try await Transcoder().transcode(input: input, outputs: outputs)
        for (output, profile) in zip(outputs, profiles) {
            let single = alone.file("\(profile.name).\(profile.fileExtension)").path
            try await Transcoder().transcode(input: input, output: single, profile: profile)
            let shared = try #require(try FFprobeReport.of(output.path), "ffprobe cannot read \(output.path)")
            let reference = try #require(try FFprobeReport.of(single))
            #expect(shared.format["format_name"] == reference.format["format_name"], "\(profile.name)")
            #expect(abs((shared.duration ?? -1) - (reference.duration ?? 1)) <= 0.05, "\(profile.name): \(shared.format) vs \(reference.format)")
            #expect(shared.streams.count == reference.streams.count, "\(profile.name)")
            for (mine, theirs) in zip(shared.streams, reference.streams) {
                for key in ["codec_name", "width", "height", "sample_rate", "channels", "pix_fmt", "nb_frames"] {
                    #expect(mine[key] == theirs[key], "\(profile.name) \(key): \(mine[key] ?? "-") vs \(theirs[key] ?? "-")")
                }
            }
            let a = try fileSize(output.path), b = try fileSize(single)
            #expect(abs(Double(a - b)) <= 0.02 * Double(b), "\(profile.name): \(a) bytes from the shared decode, \(b) alone")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: together.path).count == profiles.count, "no temp file left")
    }

    /// An output that cannot be made (an encoder libav lacks) fails the set, naming it, and
    /// leaves none of the outputs.
    @Test func aFailingOutputLeavesNoneAndIsNamed() async throws {
        var broken = try TranscodeProfile.named("aac-128k")
        broken.name = "broken"
        broken.audioCodec = "no-such-encoder"
        let dir = try TemporaryDirectory("together")
        let outputs = [try TranscodeProfile.named("opus-96k"), broken].map { Transcoder.Output(path: dir.file("\($0.name).\($0.fileExtension)").path, profile: $0) }
        await #expect {
            try await Transcoder().transcode(input: Fixtures.media("audio-pcm.wav"), outputs: outputs)
        } throws: { error in
            "\(error)".contains("broken") && "\(error)".contains("no-such-encoder")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [])
    }

    func fileSize(_ path: String) throws -> Int64 {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? -1
    }
}
