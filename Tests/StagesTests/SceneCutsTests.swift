import Foundation
import Stages
import Testing
import TestSupport

/// The scenes processor: a video of six 2-second segments of different sources has its five
/// cuts found within a frame, no other, each with the score ffmpeg's scdet gives it; a poster
/// per scene, 320 wide.
@Suite struct SceneCutsTests {
    static let segment = 2.0, rate = 25.0

    /// testsrc2, a red colour, mandelbrot, SMPTE bars, cellular automaton, RGB test source.
    static func sixSegments(in dir: TemporaryDirectory) throws -> String {
        let path = dir.file("six.mp4").path
        let size = "s=320x240:r=\(Int(rate))"
        let d = Int(segment)
        let made = try Command.run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "testsrc2=\(size):d=\(d)", "-f", "lavfi", "-i", "color=c=red:\(size):d=\(d)",
            "-f", "lavfi", "-i", "mandelbrot=\(size)", "-f", "lavfi", "-i", "smptebars=\(size):d=\(d)",
            "-f", "lavfi", "-i", "cellauto=\(size):rule=110", "-f", "lavfi", "-i", "rgbtestsrc=\(size):d=\(d)",
            "-filter_complex",
            "[2]trim=duration=\(d),setpts=PTS-STARTPTS[m];[4]trim=duration=\(d),setpts=PTS-STARTPTS,format=yuv420p[c];"
                + "[0][1][m][3][c][5]concat=n=6:v=1:a=0,format=yuv420p",
            "-c:v", "libx264", "-preset", "veryfast", path,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        return path
    }

    /// ffmpeg's scdet on the same file: (time, score) of each cut.
    static func scdet(_ path: String, in dir: TemporaryDirectory) throws -> [(time: Double, score: Double)] {
        let log = dir.file("scd.txt").path
        let ran = try Command.run("ffmpeg", ["-v", "error", "-i", path, "-vf", "scdet=threshold=10,metadata=print:file=\(log)", "-f", "null", "-"])
        #expect(ran.status == 0, "\(ran.stderr)")
        var found: [(Double, Double)] = []
        var score: Double?
        for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix("lavfi.scd.score=") { score = Double(line.dropFirst("lavfi.scd.score=".count)) }
            if line.hasPrefix("lavfi.scd.time="), let time = Double(line.dropFirst("lavfi.scd.time=".count)) { found.append((time, score ?? -1)) }
        }
        return found
    }

    @Test func sixSegmentsHaveTheirFiveCutsAndAPosterEach() async throws {
        let dir = try TemporaryDirectory("scenes")
        let video = try Self.sixSegments(in: dir)
        let posters = dir.file("posters")
        try FileManager.default.createDirectory(at: posters, withIntermediateDirectories: true)
        let (scenes, warnings) = try await SceneCuts.detect(video, posterDirectory: posters.path)
        #expect(warnings.isEmpty, "\(warnings)")
        let expected = (1..<6).map { Double($0) * Self.segment }
        #expect(scenes.cuts.count == expected.count, "\(scenes.cuts)")
        for (cut, time) in zip(scenes.cuts, expected) {
            #expect(abs(cut.time - time) <= 1 / Self.rate + 1e-9, "a cut at \(cut.time) s, made at \(time) s")
        }
        let reference = try Self.scdet(video, in: dir)
        #expect(reference.map(\.time) == scenes.cuts.map(\.time), "\(reference)")
        for (ours, theirs) in zip(scenes.cuts, reference) { #expect(abs(ours.score - theirs.score) < 0.01, "\(ours) vs scdet \(theirs)") }
        #expect(scenes.frames == Int(6 * Self.segment * Self.rate))

        #expect(scenes.posterTimes == [0] + scenes.cuts.map(\.time))
        for index in 0..<6 {
            let poster = posters.appendingPathComponent("\(SceneCuts.posterName(index)).jpg").path
            let report = try #require(try FFprobeReport.of(poster), "poster \(index + 1)")
            let stream = try #require(report.video)
            #expect(stream["codec_name"] == "mjpeg" && stream["width"] == "320" && stream["height"] == "240", "\(stream)")
        }
        #expect(!FileManager.default.fileExists(atPath: posters.appendingPathComponent("\(SceneCuts.posterName(6)).jpg").path))
    }

    @Test func aFileWithoutVideoIsAOneLineError() async throws {
        await #expect {
            _ = try await SceneCuts.detect(Fixtures.media("audio-pcm.wav"))
        } throws: { error in
            "\(error)".contains("audio-pcm.wav") && "\(error)".contains("no video stream")
        }
    }
}
