import Foundation
import Stages
import Testing
import TestSupport

/// The fingerprint processor is fpcalc's fingerprint: the same string and duration for one
/// tune in five encodings, and for a file longer than the 120 s fingerprinted.
@Suite struct FingerprintTests {
    /// A tune of tones changing every third to half second (Chromaprint needs a changing spectrum).
    static func tune(seconds: Int, in dir: TemporaryDirectory) throws -> String {
        let path = dir.file("tune-\(seconds).wav").path
        let left = "0.3*sin(2*PI*(300+200*floor(mod(t*2,7)))*t)+0.2*sin(2*PI*(500+130*floor(mod(t*3,5)))*t)"
        let right = "0.3*sin(2*PI*(300+200*floor(mod(t*2,7)))*t)"
        let made = try Command.run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "aevalsrc=exprs='\(left)|\(right)':s=44100:d=\(seconds)", path])
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
}
