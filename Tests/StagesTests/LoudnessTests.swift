import Foundation
import Stages
import Testing
import TestSupport

/// The loudness processor against EBU Tech 3341 (integrated loudness, true peak) and Tech 3342
/// (loudness range), with the test signals generated here from their definitions (1 kHz sines
/// at stated levels and durations, 48 kHz), against ffmpeg's `ebur128` filter on real files,
/// and the album loudness from histograms against one measurement of the tracks in a row.
@Suite struct LoudnessTests {
    /// A 48 kHz float WAV of `segments` (dBFS of a 1 kHz sine per channel, seconds) in a row;
    /// `channels` gives each channel's own offset in dB (5.0 for case 6).
    static func signal(_ segments: [(dBFS: Double, seconds: Double)], channels: [Double] = [0, 0], in dir: TemporaryDirectory) throws -> String {
        // Piecewise amplitude: if(lt(t,end1),a1,if(lt(t,end2),a2,…0)).
        var ends: [(end: Double, dBFS: Double)] = [], start = 0.0
        for segment in segments {
            start += segment.seconds
            ends.append((start, segment.dBFS))
        }
        let amplitude = ends.reversed().reduce("0") { "if(lt(t,\($1.end)),\(pow(10, $1.dBFS / 20)),\($0))" }
        let expression = channels.map { "\(amplitude)*\(pow(10, $0 / 20))*sin(2*PI*1000*t)" }.joined(separator: "|")
        let path = dir.file("signal-\(UUID().uuidString.prefix(8)).wav").path
        let made = try Command.run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "aevalsrc=exprs='\(expression)':s=48000:d=\(start)", "-c:a", "pcm_f32le", path,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        return path
    }

    static func measure(_ path: String) async throws -> Loudness {
        try #require(try await AudioAnalyzer().analyze(path).loudness)
    }

    /// Tech 3341 cases 1–6: the stated integrated loudness ±0.1 LU.
    @Test(arguments: [
        (1, [(-23.0, 20.0)], [0.0, 0.0], -23.0),
        (2, [(-33.0, 20.0)], [0.0, 0.0], -33.0),
        (3, [(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)], [0.0, 0.0], -23.0),
        (4, [(-72.0, 10.0), (-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0), (-72.0, 10.0)], [0.0, 0.0], -23.0),
        (5, [(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)], [0.0, 0.0], -23.0),
        // 5.0: L and R at -28 dBFS, C at -24, Ls and Rs at -30 (channel order FL FR FC BL BR).
        (6, [(0.0, 20.0)], [-28.0, -28.0, -24.0, -30.0, -30.0], -23.0),
    ] as [(Int, [(Double, Double)], [Double], Double)])
    func tech3341(_ number: Int, _ segments: [(Double, Double)], _ channels: [Double], _ expected: Double) async throws {
        let dir = try TemporaryDirectory("ebu3341")
        let path = try Self.signal(segments.map { ($0.0, $0.1) }, channels: channels, in: dir)
        let loudness = try await Self.measure(path)
        let integrated = try #require(loudness.integrated)
        #expect(abs(integrated - expected) <= 0.1, "case \(number): \(integrated) LUFS, stated \(expected)")
        if number == 1 {
            // A -23 dBFS sine: its true peak is -23 dBTP (+0.2/-0.4 dB), its track gain +5 dB.
            let truePeak = try #require(Loudness.decibels(loudness.truePeak))
            #expect(truePeak <= -23 + 0.2 && truePeak >= -23 - 0.4, "true peak \(truePeak) dBTP")
            #expect(abs((loudness.trackGain ?? 0) - 5) <= 0.1)
        }
    }

    /// Our sample and true peak (libebur128's interpolator in float, a block at a time) equal
    /// libebur128's own on real files and on tones whose peaks fall between samples, at the
    /// rates where it oversamples 4x, 2x and not at all.
    @Test(arguments: [
        "audio-id3.mp3", "audio-aac.m4a", "audio-vorbis-comments.flac", "audio-vorbis.ogg", "audio-pcm.wav",
        "tone:44100", "tone:48000", "tone:96000", "tone:192000",
    ])
    func ourPeaksAreLibebur128s(_ input: String) async throws {
        var path = Fixtures.media(input)
        let dir = try TemporaryDirectory("tone")
        if input.hasPrefix("tone:") {
            // A quarter of the rate, 45 degrees off the samples: every peak between two samples.
            let rate = Int(input.dropFirst(5))!
            path = dir.file("tone-\(rate).wav").path
            let made = try Command.run("ffmpeg", [
                "-v", "error", "-f", "lavfi", "-i", "aevalsrc=exprs='0.9*sin(2*PI*\(rate / 4)*t+PI/4)|0.5*sin(2*PI*997*t)':s=\(rate):d=3",
                "-c:a", "pcm_f32le", path,
            ])
            #expect(made.status == 0, "\(made.stderr)")
        }
        let analysis = try await AudioAnalyzer().analyze(path, processors: [.loudness], referencePeaks: true)
        let ours = try #require(analysis.loudness), reference = try #require(analysis.referencePeaks)
        #expect(ours.samplePeak == reference.sample, "\(input): \(ours.samplePeak) vs \(reference.sample)")
        #expect(abs(ours.truePeak - reference.true) <= 1e-5 * reference.true, "\(input): \(ours.truePeak) vs \(reference.true)")
        if input.hasPrefix("tone:") { #expect(ours.truePeak > ours.samplePeak * 1.05 || input == "tone:192000", "\(input): an inter-sample peak") }
    }

    /// Tech 3342 cases 1–4: the stated loudness range ±1 LU.
    @Test(arguments: [
        (1, [(-20.0, 20.0), (-30.0, 20.0)], 10.0),
        (2, [(-20.0, 20.0), (-15.0, 20.0)], 5.0),
        (3, [(-40.0, 20.0), (-20.0, 20.0)], 20.0),
        (4, [(-50.0, 20.0), (-35.0, 20.0), (-20.0, 20.0), (-35.0, 20.0), (-50.0, 20.0)], 15.0),
    ] as [(Int, [(Double, Double)], Double)])
    func tech3342(_ number: Int, _ segments: [(Double, Double)], _ expected: Double) async throws {
        let dir = try TemporaryDirectory("ebu3342")
        let loudness = try await Self.measure(try Self.signal(segments.map { ($0.0, $0.1) }, in: dir))
        #expect(abs(loudness.range - expected) <= 1, "case \(number): \(loudness.range) LU, stated \(expected)")
    }

    /// Real files: integrated loudness within ±0.05 LU of ffmpeg's `ebur128` filter (its last
    /// per-frame `lavfi.r128.I`, printed to three decimals).
    @Test(arguments: ["audio-id3.mp3", "audio-aac.m4a", "audio-vorbis-comments.flac", "audio-vorbis.ogg", "audio-pcm.wav"])
    func realFilesMatchFFmpegsMeter(_ fixture: String) async throws {
        let dir = try TemporaryDirectory("ebur128")
        let log = dir.file("r128.txt").path
        let ran = try Command.run("ffmpeg", [
            "-v", "error", "-i", Fixtures.media(fixture), "-af", "ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file=\(log)",
            "-f", "null", "-",
        ])
        #expect(ran.status == 0, "\(ran.stderr)")
        let values = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap { line in
            line.hasPrefix("lavfi.r128.I=") ? Double(line.dropFirst("lavfi.r128.I=".count)) : nil
        }
        let reference = try #require(values.last)
        let integrated = try #require(try await Self.measure(Fixtures.media(fixture)).integrated)
        #expect(abs(integrated - reference) <= 0.05, "\(fixture): \(integrated) LUFS, ffmpeg \(reference)")
    }

    /// The album's loudness from the tracks' histograms equals (±0.01 dB) one measurement of
    /// the tracks played in a row, though the tracks differ by 12 LU.
    @Test func albumGainFromHistogramsEqualsTheTracksInARow() async throws {
        let dir = try TemporaryDirectory("album")
        let loud = try Self.signal([(-14.0, 30.0)], in: dir)
        let quiet = try Self.signal([(-26.0, 25.0), (-30.0, 20.0)], in: dir)
        let list = try dir.write("list.txt", "file '\(loud)'\nfile '\(quiet)'\n")
        let joined = dir.file("joined.wav").path
        let made = try Command.run("ffmpeg", ["-v", "error", "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", joined])
        #expect(made.status == 0, "\(made.stderr)")
        let tracks = [try await Self.measure(loud), try await Self.measure(quiet)]
        for track in tracks {
            let alone = try #require(Loudness.album([track]).integrated)
            #expect(abs(alone - (track.integrated ?? 0)) <= 0.01, "one track's histogram: \(alone) LUFS, measured \(track.integrated ?? 0)")
        }
        let album = Loudness.album(tracks)
        let inARow = try #require(try await Self.measure(joined).integrated)
        let integrated = try #require(album.integrated)
        #expect(abs(integrated - inARow) <= 0.01, "album \(integrated) LUFS, in a row \(inARow)")
        #expect(abs((album.gain ?? 0) - (-18 - inARow)) <= 0.01)
        let meanOfGains = tracks.compactMap(\.trackGain).reduce(0, +) / 2
        #expect(abs(meanOfGains - (album.gain ?? 0)) > 1, "the mean of track gains is not the album gain")
    }
}
