package import Engine
import Foundation

/// The loudness processor's result (EBU R 128, measured with libebur128): integrated loudness,
/// loudness range, sample and true peak, the ReplayGain 2.0 track gain and peak (reference
/// −18 LUFS; the peak is the true peak), and the histogram of the track's 400 ms gating blocks,
/// from which an album's loudness is computed without decoding again (`Loudness.album`).
package struct Loudness: Sendable, Equatable {
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

    /// A stored result read back (`json`); nil for one that holds no measurement (an error).
    public init?(result: JSONValue) {
        func number(_ key: String) -> Double? {
            switch result[key] {
            case .double(let value): value
            case .int(let value): Double(value)
            default: nil
            }
        }
        guard let range = number("range_lu"), let truePeak = number("replaygain_track_peak") else { return nil }
        var histogram: [Int: Int] = [:]
        if case .array(let bins) = result["histogram"]?["bins"] {
            for case .array(let pair) in bins where pair.count == 2 {
                if case .int(let bin) = pair[0], case .int(let count) = pair[1] { histogram[Int(bin)] = Int(count) }
            }
        }
        self.init(
            integrated: number("integrated_lufs"), range: range, samplePeak: number("sample_peak_dbfs").map { pow(10, $0 / 20) } ?? 0,
            truePeak: truePeak, histogram: histogram)
    }

    /// The loudness result kept for an asset (nil: none, or one without a measurement).
    public static func stored(assetID: Int64, in store: any CatalogStore) async throws -> Loudness? {
        guard let result = try await store.assetResults(assetID: assetID).first(where: { $0.processor == processor })?.result else { return nil }
        return Loudness(result: result)
    }

    /// The ReplayGain tags a rendition carries, for its container and codec: Opus's
    /// `R128_TRACK_GAIN` (Q7.8 dB to −23 LUFS, RFC 7845), or `REPLAYGAIN_TRACK_GAIN`/`_PEAK`
    /// (and the album pair when `album` is given) for the others; none for silence.
    public func tags(opus: Bool, album: (gain: Double?, peak: Double)? = nil) -> [(key: String, value: String)] {
        guard let integrated, let trackGain else { return [] }
        if opus {
            let q78 = Int((( -23 - integrated) * 256).rounded()).clamped(to: Int(Int16.min)...Int(Int16.max))
            var tags = [(key: "R128_TRACK_GAIN", value: "\(q78)")]
            if let gain = album?.gain {
                let albumQ78 = Int(((gain - 5) * 256).rounded()).clamped(to: Int(Int16.min)...Int(Int16.max))
                tags.append((key: "R128_ALBUM_GAIN", value: "\(albumQ78)"))
            }
            return tags
        }
        var tags = [
            (key: "REPLAYGAIN_TRACK_GAIN", value: String(format: "%.2f dB", trackGain)),
            (key: "REPLAYGAIN_TRACK_PEAK", value: String(format: "%.6f", truePeak)),
        ]
        if let album, let gain = album.gain {
            tags += [
                (key: "REPLAYGAIN_ALBUM_GAIN", value: String(format: "%.2f dB", gain)),
                (key: "REPLAYGAIN_ALBUM_PEAK", value: String(format: "%.6f", album.peak)),
            ]
        }
        return tags
    }

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

extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}
