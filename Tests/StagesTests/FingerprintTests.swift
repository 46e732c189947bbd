import Foundation
import Stages
import Testing
import TestSupport

/// The fingerprint processor is fpcalc's fingerprint: the same string and duration for one
/// tune in five encodings, and for a file longer than the 120 s fingerprinted.
@Suite struct FingerprintTests {
    /// A tune of tones changing every third to half second (Chromaprint needs a changing
    /// spectrum) over pink noise with a tremolo: features near the fingerprint's thresholds, so
    /// that a sample off by one in the conversion would show.
    static func tune(seconds: Int, in dir: TemporaryDirectory) throws -> String {
        let path = dir.file("tune-\(seconds).wav").path
        let left = "0.3*sin(2*PI*(300+200*floor(mod(t*2,7)))*t)+0.2*sin(2*PI*(500+130*floor(mod(t*3,5)))*t)"
        let right = "0.3*sin(2*PI*(300+200*floor(mod(t*2,7)))*t)"
        let made = try Command.run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "aevalsrc=exprs='\(left)|\(right)':s=44100:d=\(seconds)",
            "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.2:sample_rate=44100:duration=\(seconds):seed=7",
            "-filter_complex", "[1]tremolo=f=3:d=0.8[n];[0][n]amix=inputs=2:normalize=0", path,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        return path
    }

    /// fpcalc's JSON (it exits 3 when it read to the end of a short file, yet prints a valid one).
    static func fpcalc(_ path: String) throws -> (fingerprint: String, duration: Int) {
        let ran = try Command.run("fpcalc", ["-json", path])
        #expect(ran.status == 0 || ran.status == 3, "\(ran.stderr)")
        let json = try #require(try parseJSON(ran.stdout) as? [String: Any])
        return (try #require(json["fingerprint"] as? String), Int(try #require(json["duration"] as? Double)))
    }

    @Test func theFingerprintIsFpcalcsInEveryEncodingAndPast120Seconds() async throws {
        let dir = try TemporaryDirectory("fingerprint")
        let tune = try Self.tune(seconds: 25, in: dir)
        var files = [tune, try Self.tune(seconds: 130, in: dir)]
        for ext in ["mp3", "flac", "m4a", "ogg"] {
            let encoded = dir.file("tune.\(ext)").path
            #expect(try Command.run("ffmpeg", ["-v", "error", "-i", tune, encoded]).status == 0)
            files.append(encoded)
        }
        for file in files {
            let ours = try #require(try await AudioAnalyzer().analyze(file).fingerprint, "\(file)")
            let reference = try Self.fpcalc(file)
            let same = ours.fingerprint == reference.fingerprint  // not the two long strings in a failure
            #expect(same, "\(file): the fingerprints differ (\(ours.fingerprint.count) and \(reference.fingerprint.count) characters)")
            #expect(ours.duration == reference.duration, "\(file)")
        }
    }

    /// An MP3 whose frames turn from stereo to mono midway: the frames like the first are
    /// measured, the others left out with a warning, and nothing crashes.
    @Test func aStreamWhoseChannelsChangeMidwayIsMeasuredAsFarAsItIsLikeItsStart() async throws {
        let dir = try TemporaryDirectory("layout-change")
        let tune = try Self.tune(seconds: 12, in: dir)
        let stereo = dir.file("stereo.mp3").path, mono = dir.file("mono.mp3").path
        #expect(try Command.run("ffmpeg", ["-v", "error", "-i", tune, "-t", "6", stereo]).status == 0)
        #expect(try Command.run("ffmpeg", ["-v", "error", "-i", tune, "-ss", "6", "-ac", "1", mono]).status == 0)
        let joined = dir.file("joined.mp3")
        try (try Data(contentsOf: URL(fileURLWithPath: stereo)) + Data(contentsOf: URL(fileURLWithPath: mono))).write(to: joined)
        let analysis = try await AudioAnalyzer().analyze(joined.path)
        // The audio measured is the stereo part's (media seconds, as ffprobe reads that file; one
        // MP3 frame of leeway for the join).
        let probed = try Command.run("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", stereo])
        let stereoSeconds = try #require(Double(probed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(analysis.channels == 2 && abs(analysis.duration - stereoSeconds) <= 1152.0 / 44100, "\(analysis.duration) of \(stereoSeconds)")
        #expect(analysis.warnings.contains { $0.contains("another channel layout or sample rate") }, "\(analysis.warnings)")
        #expect(analysis.loudness?.integrated != nil && analysis.fingerprint != nil)
    }
}
