import Foundation
import Stages
import Testing
import TestSupport

/// The peaks processor against an independent computation: the PCM `ffmpeg -f s16le` decodes,
/// channels averaged as audiowaveform does (sum, then C's division), min and max per 256
/// frames, scaled to 8 bits (÷256 toward zero); every pair equal, in the `.dat` (version 2
/// header fields) and the JSON form.
@Suite struct WaveformPeaksTests {
    @Test(arguments: ["audio-id3.mp3", "audio-aac.m4a", "audio-vorbis-comments.flac", "audio-vorbis.ogg", "audio-pcm.wav", "video-h264-aac.mp4"])
    func everyPairEqualsTheComputationFromFFmpegsPCM(_ fixture: String) async throws {
        let analysis = try await AudioAnalyzer().analyze(Fixtures.media(fixture))
        let peaks = try #require(analysis.peaks)

        let dir = try TemporaryDirectory("peaks")
        let pcm = dir.file("pcm.raw").path
        let decoded = try Command.run("ffmpeg", ["-v", "error", "-i", Fixtures.media(fixture), "-map", "0:a:0", "-f", "s16le", pcm])
        #expect(decoded.status == 0, "\(decoded.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: pcm))
        let samples = bytes.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }.map { Int(Int16(littleEndian: $0)) }
        let channels = analysis.channels
        var expected: [Int] = []
        var low = Int(Int16.max), high = Int(Int16.min), count = 0
        for frame in stride(from: 0, to: samples.count - channels + 1, by: channels) {
            let sample = samples[frame..<frame + channels].reduce(0, +) / channels
            low = min(low, sample)
            high = max(high, sample)
            count += 1
            if count == 256 {
                expected += [low / 256, high / 256]
                (low, high, count) = (Int(Int16.max), Int(Int16.min), 0)
            }
        }
        if count > 0 { expected += [low / 256, high / 256] }

        /// How many values differ from the expected ones (a count, not two long arrays, in a failure).
        func differences(_ values: [Int]) -> Int { values.count == expected.count ? zip(values, expected).filter { $0 != $1 }.count : -1 }
        #expect(differences(peaks.values(bits: 8)) == 0, "\(fixture): \(peaks.length) pairs, expected \(expected.count / 2)")
        let dat = peaks.dat()
        func int32(_ offset: Int) -> Int { Int(dat.subdata(in: offset..<offset + 4).withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }.littleEndian) }
        let header: [Int] = [0, 4, 8, 12, 16, 20].map(int32)
        let fields: [Int] = [2, 1, analysis.sampleRate, 256, expected.count / 2, 1]
        #expect(header == fields, "version, flags (8-bit), sample rate, samples per pixel, length, channels")
        #expect(differences(dat.dropFirst(24).map { Int(Int8(bitPattern: $0)) }) == 0, "the .dat's pairs")
        let json = try #require(try parseJSON(peaks.json().serialized()) as? [String: Any])
        #expect(differences(json["data"] as? [Int] ?? []) == 0 && json["bits"] as? Int == 8 && json["length"] as? Int == expected.count / 2)
        let overview = peaks.overview()
        #expect(overview.count == min(expected.count, 2000))
    }

    /// The overview keeps each share's extremes: its pairs bound the whole waveform's.
    @Test func theOverviewHoldsTheExtremes() {
        var data: [Int16] = []
        for i in 0..<5000 {
            let low: Int = -(i % 300) * 100, high: Int = (i % 700) * 40
            data += [Int16(low), Int16(high)]
        }
        let peaks = WaveformPeaks(sampleRate: 44100, samplesPerPixel: 256, data: data)
        let overview = peaks.overview()
        #expect(overview.count == 2000)
        let lows: [Int] = stride(from: 0, to: overview.count, by: 2).map { overview[$0] }
        let highs: [Int] = stride(from: 1, to: overview.count, by: 2).map { overview[$0] }
        #expect(lows.min() == -299 * 100 / 256)
        #expect(highs.max() == 699 * 40 / 256)
    }
}
