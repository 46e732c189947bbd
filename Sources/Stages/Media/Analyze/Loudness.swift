public import Engine
import Foundation

/// The loudness processor's result (EBU R 128, measured with libebur128): integrated loudness,
/// loudness range, sample and true peak, the ReplayGain 2.0 track gain and peak (reference
/// −18 LUFS; the peak is the true peak), and the histogram of the track's 400 ms gating blocks,
/// from which an album's loudness is computed without decoding again (`Loudness.album`).
public struct Loudness: Sendable, Equatable {
    public static let processor = "loudness"
    /// Bumped whenever what the processor computes changes.
    public static let version = 1
    /// ReplayGain 2.0's reference loudness.
    public static let reference = -18.0

    /// LUFS; nil when every block is gated out (silence).
    public var integrated: Double?
    /// LU.
    public var range: Double
    /// Linear, the largest of the channels.
    public var samplePeak: Double
    /// Linear, the largest of the channels (4x oversampled below 96 kHz).
    public var truePeak: Double
    /// Gating-block counts by bin (`histogramFloor` + bin × `histogramWidth` LUFS), nonzero only.
    public var histogram: [Int: Int]

    public static let histogramFloor = -70.0
    public static let histogramWidth = 0.01

    public init(integrated: Double?, range: Double, samplePeak: Double, truePeak: Double, histogram: [Int: Int]) {
        self.integrated = integrated
        self.range = range
        self.samplePeak = samplePeak
        self.truePeak = truePeak
        self.histogram = histogram
    }

    /// ReplayGain 2.0 track gain in dB (nil for silence).
    public var trackGain: Double? { integrated.map { Self.reference - $0 } }

    /// An album's loudness from its tracks' block histograms: EBU R 128's gating (absolute at
    /// −70 LUFS, relative at −10 LU) over every block of every track, as one measurement over
    /// the tracks played in a row would gate them; the mean of track gains is not that.
    public static func album(_ tracks: [Loudness]) -> (integrated: Double?, gain: Double?, peak: Double) {
        var counts: [Int: Int] = [:]
        for track in tracks { counts.merge(track.histogram, uniquingKeysWith: +) }
        let peak = tracks.map(\.truePeak).max() ?? 0
        func energy(_ bin: Int) -> Double { pow(10, (histogramFloor + (Double(bin) + 0.5) * histogramWidth + 0.691) / 10) }
        func loudness(_ energy: Double) -> Double { 10 * log10(energy) - 0.691 }
        func mean(_ bins: [Int: Int]) -> Double? {
            let blocks = bins.values.reduce(0, +)
            guard blocks > 0 else { return nil }
            return bins.reduce(0.0) { $0 + energy($1.key) * Double($1.value) } / Double(blocks)
        }
        guard let ungated = mean(counts) else { return (nil, nil, peak) }
        let threshold = loudness(ungated) - 10
        guard let gated = mean(counts.filter { histogramFloor + (Double($0.key) + 0.5) * histogramWidth >= threshold }) else {
            return (nil, nil, peak)
        }
        let integrated = loudness(gated)
        return (integrated, reference - integrated, peak)
    }

    /// dB of a linear peak (nil for none).
    public static func decibels(_ linear: Double) -> Double? { linear > 0 ? 20 * log10(linear) : nil }

    public var json: JSONValue {
        .object([
            ("processor", .string(Self.processor)), ("version", .int(Int64(Self.version))),
            ("integrated_lufs", integrated.map(JSONValue.double) ?? .null), ("range_lu", .double(range)),
            ("sample_peak_dbfs", Self.decibels(samplePeak).map(JSONValue.double) ?? .null),
            ("true_peak_dbtp", Self.decibels(truePeak).map(JSONValue.double) ?? .null),
            ("replaygain_reference_lufs", .double(Self.reference)),
            ("replaygain_track_gain_db", trackGain.map(JSONValue.double) ?? .null), ("replaygain_track_peak", .double(truePeak)),
            ("histogram", .object([
                ("floor_lufs", .double(Self.histogramFloor)), ("bin_lu", .double(Self.histogramWidth)),
                ("bins", .array(histogram.sorted { $0.key < $1.key }.map { .array([.int(Int64($0.key)), .int(Int64($0.value))]) })),
            ])),
        ])
    }
}
