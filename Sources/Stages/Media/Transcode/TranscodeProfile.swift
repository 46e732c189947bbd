public import Engine

/// How to make one rendition: container, and what to do with video and audio. Built-in
/// profiles have names (`aac-128k`, `h264-720p`, `thumbnail`…); every field can be overridden.
public struct TranscodeProfile: Sendable, Equatable {
    /// What happens to a stream kind (video or audio): left out, encoded anew, or copied as it is.
    public enum StreamMode: Int32, Sendable {
        case drop = 0, encode = 1, copy = 2
    }

    /// What the profile makes, and so which inputs it fits.
    public enum Kind: String, Sendable {
        /// Audio only (audio inputs, or the audio of a video).
        case audio
        /// Video (needs a video stream); audio is kept when there is some.
        case video
        /// One still image from the video.
        case image
        /// Whatever the input has (remux, trim).
        case any
    }

    public var name: String
    public var kind: Kind
    /// libav muxer name; nil: chosen from the output file's extension.
    public var container: String?
    /// File extension for outputs the engine names itself.
    public var fileExtension: String
    public var faststart = false

    public var video: StreamMode = .drop
    public var videoCodec: String?
    public var crf: Int?
    public var preset: String?
    public var videoBitrate: Int?
    public var maxWidth: Int?
    public var maxHeight: Int?
    public var maxFPS: Double?
    /// Fixed quantizer (JPEG quality 2 best … 31 worst).
    public var quality: Int?

    public var audio: StreamMode = .drop
    public var audioCodec: String?
    public var audioBitrate: Int?
    public var sampleRate: Int?
    public var channels: Int?

    /// Trim window in seconds.
    public var start: Double?
    public var duration: Double?
    /// Thumbnail time in seconds; nil: 10% into the input.
    public var thumbnailTime: Double?
    public var threads: Int?

    /// The cpu permits a transcode with this profile counts as: the codec threads it sets
    /// (`threads: N`); one when libav picks them (`threads` unset or 0). Counting an automatic
    /// video encode as every core would make each cheap probe wait behind a long encode in the
    /// lane's queue.
    public var cpuWeight: Int { max(threads ?? 1, 1) }

    public init(name: String, kind: Kind, container: String?, fileExtension: String) {
        self.name = name
        self.kind = kind
        self.container = container
        self.fileExtension = fileExtension
    }

    public static let builtIn: [String: TranscodeProfile] = {
        func audio(_ name: String, container: String, ext: String, codec: String, bitrate: Int?) -> TranscodeProfile {
            var profile = TranscodeProfile(name: name, kind: .audio, container: container, fileExtension: ext)
            profile.audio = .encode
            profile.audioCodec = codec
            profile.audioBitrate = bitrate
            return profile
        }
        func h264(_ name: String, width: Int, height: Int) -> TranscodeProfile {
            var profile = TranscodeProfile(name: name, kind: .video, container: "mp4", fileExtension: "mp4")
            profile.faststart = true
            profile.video = .encode
            profile.videoCodec = "libx264"
            profile.crf = 23
            profile.preset = "veryfast"
            profile.maxWidth = width
            profile.maxHeight = height
            profile.audio = .encode
            profile.audioCodec = "aac"
            profile.audioBitrate = 128_000
            return profile
        }
        var opus = audio("opus-96k", container: "ogg", ext: "opus", codec: "libopus", bitrate: 96_000)
        opus.sampleRate = 48_000
        var remux = TranscodeProfile(name: "remux", kind: .any, container: nil, fileExtension: "mkv")
        remux.video = .copy
        remux.audio = .copy
        var trim = h264("trim", width: 0, height: 0)
        trim.kind = .any
        trim.container = nil
        trim.maxWidth = nil
        trim.maxHeight = nil
        trim.faststart = true
        var thumbnail = TranscodeProfile(name: "thumbnail", kind: .image, container: "mjpeg", fileExtension: "jpg")
        thumbnail.video = .encode
        thumbnail.videoCodec = "mjpeg"
        thumbnail.quality = 3
        thumbnail.maxWidth = 320
        thumbnail.threads = 1  // one frame: frame threads would only cost set-up
        let all = [
            audio("aac-128k", container: "ipod", ext: "m4a", codec: "aac", bitrate: 128_000), opus,
            audio("mp3-192k", container: "mp3", ext: "mp3", codec: "libmp3lame", bitrate: 192_000),
            audio("flac", container: "flac", ext: "flac", codec: "flac", bitrate: nil),
            h264("h264-720p", width: 1280, height: 720), h264("h264-1080p", width: 1920, height: 1080),
            remux, trim, thumbnail,
        ]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    }()

    public static func named(_ name: String) throws(TranscodeError) -> TranscodeProfile {
        guard let profile = builtIn[name] else {
            throw .unknownProfile(name, known: builtIn.keys.sorted())
        }
        return profile
    }

    /// The profile's settings as one short value (a hash of every field): a rendition's failure
    /// is recorded with it, so that a changed profile tries again.
    public var settingsFingerprint: String { OutputKey.settingsHash(String(reflecting: self)) }

    /// The key a rendition of this profile made now from the content `input` has: its settings
    /// with the tags it carries (the ReplayGain of the original's loudness), and libav's versions.
    public func key(input: String, tags: [(key: String, value: String)]) -> OutputKey {
        OutputKey(
            input: input, settings: OutputKey.settingsHash(([settingsFingerprint] + tags.map { "\($0.key)=\($0.value)" }).joined(separator: "\n")),
            tools: "transcode 1; \(RuntimeVersions.libavDecode) libswscale \(RuntimeVersions.swscale)")
    }

    /// Whether the profile can be made from an input of this kind.
    public func fits(_ media: ProbeResult.MediaKind) -> Bool {
        switch kind {
        case .audio: media == .audio || media == .video
        case .video, .image: media == .video
        case .any: media != .other
        }
    }
}
