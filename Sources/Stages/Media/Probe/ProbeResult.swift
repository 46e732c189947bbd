/// What probing a media file found: the container and each stream, with the values ffprobe
/// would report for them (same names, same units).
public struct ProbeResult: Sendable {
    /// A ratio as libav keeps it (frame rates, time bases, aspect ratios): shown `num/den`, as ffprobe does.
    public struct Rational: Sendable, Hashable, CustomStringConvertible {
        public let num: Int32
        public let den: Int32
        public var description: String { "\(num)/\(den)" }
        public var value: Double? { den == 0 ? nil : Double(num) / Double(den) }
    }

    /// The container, as ffprobe's `format` section reports it.
    public struct Format: Sendable {
        public var filename: String
        public var formatName: String
        public var formatLongName: String?
        public var nbStreams: Int
        public var nbPrograms: Int
        public var startTime: Double?
        public var duration: Double?
        public var size: Int64?
        public var bitRate: Int64?
        public var probeScore: Int
        public var tags: [MediaTag]
    }

    /// One stream, as ffprobe's `streams` section reports it.
    public struct Stream: Sendable {
        public var index: Int
        public var codecName: String?
        public var codecLongName: String?
        public var profile: String?
        public var codecType: String
        public var width: Int?
        public var height: Int?
        public var pixFmt: String?
        public var sampleFmt: String?
        public var sampleRate: Int?
        public var channels: Int?
        public var channelLayout: String?
        public var rFrameRate: Rational
        public var avgFrameRate: Rational
        public var timeBase: Rational
        public var startTime: Double?
        public var duration: Double?
        public var bitRate: Int64?
        /// Disposition flags by libav's names, in ffprobe's order (`default`, …, `attached_pic`, …).
        public var disposition: [(name: String, isSet: Bool)]
        public var tags: [MediaTag]
        /// The display matrix (9 values, 16.16 and 2.30 fixed point, as stored) of a video that
        /// players turn (a phone's portrait video), and its rotation in degrees counterclockwise.
        public var displayMatrix: [Int32]? = nil
        public var rotation: Double? = nil
        /// The container's tag for the codec (`avc1`, `mp4a`; 0 when it has none).
        public var codecTag: UInt32 = 0
        /// Video: pixel and display aspect ratios (when known), and the codec level (-99: unknown).
        public var sampleAspectRatio: Rational? = nil
        public var displayAspectRatio: Rational? = nil
        public var level: Int? = nil
        /// Audio: bits per sample of the codec (0 for compressed audio).
        public var bitsPerSample: Int? = nil
        /// Bits per sample of the source before coding, when the stream says.
        public var bitsPerRawSample: Int? = nil
        /// Frames (packets) in the stream, when the container counts them.
        public var nbFrames: Int64? = nil

        /// A still picture stored with audio (cover art), not video to play.
        public var isAttachedPicture: Bool {
            disposition.contains { $0.name == "attached_pic" && $0.isSet }
        }
    }

    public var format: Format
    public var streams: [Stream]

    /// The playable media kind: video when a real (non cover-art) video stream exists.
    public var mediaKind: MediaKind {
        if streams.contains(where: { $0.codecType == "video" && !$0.isAttachedPicture }) { return .video }
        if streams.contains(where: { $0.codecType == "audio" }) { return .audio }
        return .other
    }

    /// What kind of media a file is, from its streams.
    public enum MediaKind: String, Sendable {
        case audio, video, other
    }
}
