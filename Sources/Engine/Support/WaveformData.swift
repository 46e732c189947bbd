package import Foundation

/// BBC audiowaveform's waveform data, which peaks.js reads: the binary `.dat` (version 2:
/// version, flags with bit 0 for 8 bits, sample rate, samples per pixel, length, channels, each
/// 32-bit little-endian, then the min/max pairs) and its JSON form.
package struct WaveformData: Sendable, Equatable {
    public var sampleRate: Int
    public var samplesPerPixel: Int
    /// 8 or 16.
    public var bits: Int
    public var channels: Int
    /// Min, max pairs (channel after channel within a pixel).
    public var values: [Int]

    public init(sampleRate: Int, samplesPerPixel: Int, bits: Int, channels: Int = 1, values: [Int]) {
        self.sampleRate = sampleRate
        self.samplesPerPixel = samplesPerPixel
        self.bits = bits
        self.channels = channels
        self.values = values
    }

    /// Pixels.
    public var length: Int { values.count / (2 * max(channels, 1)) }

    public var dat: Data {
        var out = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        append(Int32(2))
        append(UInt32(bits == 8 ? 1 : 0))
        append(Int32(sampleRate))
        append(Int32(samplesPerPixel))
        append(UInt32(length))
        append(Int32(channels))
        for value in values {
            if bits == 8 { out.append(UInt8(bitPattern: Int8(truncatingIfNeeded: value))) } else { append(Int16(truncatingIfNeeded: value)) }
        }
        return out
    }

    public var json: JSONValue {
        .object([
            ("version", .int(2)), ("channels", .int(Int64(channels))), ("sample_rate", .int(Int64(sampleRate))),
            ("samples_per_pixel", .int(Int64(samplesPerPixel))), ("bits", .int(Int64(bits))), ("length", .int(Int64(length))),
            ("data", .array(values.map { .int(Int64($0)) })),
        ])
    }

    /// Reads a `.dat` (version 1, single channel, or 2); nil for anything else.
    public init?(dat: Data) {
        let bytes = [UInt8](dat)
        func int32(_ at: Int) -> Int { Int(Int32(bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)) }
        guard bytes.count >= 20 else { return nil }
        let version = int32(0)
        guard version == 1 || version == 2, version == 1 || bytes.count >= 24 else { return nil }
        let bits = int32(4) & 1 == 1 ? 8 : 16
        let channels = version == 2 ? int32(20) : 1
        let start = version == 2 ? 24 : 20
        let length = int32(16)
        guard (1...64).contains(channels), length >= 0, length <= bytes.count else { return nil }
        let count = 2 * channels * length
        guard bytes.count == start + count * bits / 8 else { return nil }
        let values: [Int] =
            bits == 8
            ? bytes[start...].map { Int(Int8(bitPattern: $0)) }
            : stride(from: start, to: bytes.count, by: 2).map { Int(Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)) }
        self.init(sampleRate: int32(8), samplesPerPixel: int32(12), bits: bits, channels: channels, values: values)
    }
}
