package import Engine
package import Foundation

/// The peaks processor's result: a mono waveform as BBC audiowaveform computes it (the
/// channels' 16-bit samples averaged, min and max per `samplesPerPixel` frames), which
/// peaks.js reads as the binary `.dat` (version 2) or its JSON form, at 8 or 16 bits; and a
/// short overview (at most 1,000 pairs) for a seek bar, kept in the result.
package struct WaveformPeaks: Sendable, Equatable {
    public static let processor = "peaks"
    public static let version = 1
    public static let defaultSamplesPerPixel = 256
    public static let overviewPairs = 1000

    public var sampleRate: Int
    public var samplesPerPixel: Int
    /// Min, max pairs at 16 bits.
    public var data: [Int16]

    public init(sampleRate: Int, samplesPerPixel: Int, data: [Int16]) {
        self.sampleRate = sampleRate
        self.samplesPerPixel = samplesPerPixel
        self.data = data
    }

    /// Pairs (pixels).
    public var length: Int { data.count / 2 }

    /// The values at `bits` (8: each divided by 256, truncated toward zero, as audiowaveform does).
    public func values(bits: Int) -> [Int] { data.map { bits == 8 ? Int($0) / 256 : Int($0) } }

    /// audiowaveform's data at `bits` (8 or 16).
    public func waveform(bits: Int = 8) -> WaveformData {
        WaveformData(sampleRate: sampleRate, samplesPerPixel: samplesPerPixel, bits: bits, values: values(bits: bits))
    }

    /// audiowaveform's binary format, version 2.
    public func dat(bits: Int = 8) -> Data { waveform(bits: bits).dat }

    /// audiowaveform's JSON form (version 2).
    public func json(bits: Int = 8) -> JSONValue { waveform(bits: bits).json }

    /// At most `pairs` min/max pairs over the whole file (each the extremes of its share of
    /// the pixels), at 8 bits.
    public func overview(pairs: Int = WaveformPeaks.overviewPairs) -> [Int] {
        guard length > pairs else { return values(bits: 8) }
        var result: [Int] = []
        result.reserveCapacity(2 * pairs)
        for index in 0..<pairs {
            let from = index * length / pairs, to = (index + 1) * length / pairs
            var low = Int16.max, high = Int16.min
            for pixel in from..<max(to, from + 1) {
                low = min(low, data[2 * pixel])
                high = max(high, data[2 * pixel + 1])
            }
            result += [Int(low) / 256, Int(high) / 256]
        }
        return result
    }

    /// The processor's result: the layout and the overview.
    public var resultJSON: JSONValue {
        let overview = overview()
        return .object([
            ("processor", .string(Self.processor)), ("version", .int(Int64(Self.version))), ("sample_rate", .int(Int64(sampleRate))),
            ("samples_per_pixel", .int(Int64(samplesPerPixel))), ("length", .int(Int64(length))),
            ("overview", .object([("bits", .int(8)), ("length", .int(Int64(overview.count / 2))), ("data", .array(overview.map { .int(Int64($0)) }))])),
        ])
    }
}
