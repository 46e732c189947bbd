public import Engine

/// A processor the engine runs on stored originals; each reads decoded frames and returns a
/// JSON result with its name and version.
public enum ProcessorName: String, Sendable, CaseIterable, Codable {
    /// EBU R 128 loudness and ReplayGain 2.0 (libebur128).
    case loudness
    /// BBC audiowaveform's peaks.
    case peaks
    /// Chromaprint's fingerprint, as fpcalc.
    case fingerprint
    /// Scene cuts with scdet's score, and a poster per scene.
    case scenes

    /// The media kinds whose originals it reads.
    public var kinds: [ProbeResult.MediaKind] { self == .scenes ? [.video] : [.audio] }

    public var version: Int {
        switch self {
        case .loudness: Loudness.version
        case .peaks: WaveformPeaks.version
        case .fingerprint: AcousticFingerprint.version
        case .scenes: SceneCuts.version
        }
    }
}

/// Which processors run on which kind of media (`processors:` in a graph file), and their
/// options. Each result is kept with the key it was made from (`key(for:input:)`): the
/// input's SHA-256, a hash of the processor's canonical settings, and the processor's and its
/// libraries' versions; a result whose key is the one the plan would use now is not made again.
public struct ProcessorPlan: Sendable, Equatable {
    public var audio: [ProcessorName]
    public var video: [ProcessorName]
    /// The peaks' resolution.
    public var samplesPerPixel = WaveformPeaks.defaultSamplesPerPixel
    /// The scene score from which a frame starts a scene (scdet's, 0–100).
    public var sceneThreshold = SceneCuts.defaultThreshold
    /// The posters' width (0: none), and at most one every this many seconds within a scene (0: one per scene).
    public var posterWidth = SceneCuts.defaultPosterWidth
    public var posterEvery = 0.0
    /// What an ingest does with an item whose fingerprint matches a recording the library has.
    public var onSameRecording = SameRecording.keep

    public init(audio: [ProcessorName], video: [ProcessorName]) {
        self.audio = audio
        self.video = video
    }

    public static let none = ProcessorPlan(audio: [], video: [])
    /// Loudness, peaks and fingerprint for audio; scenes for video.
    public static let standard = ProcessorPlan(audio: [.loudness, .peaks, .fingerprint], video: [.scenes])

    public var isEmpty: Bool { audio.isEmpty && video.isEmpty }

    /// What runs on an original of this kind (`ProbeResult.MediaKind`'s raw value).
    public func processors(for mediaKind: String?) -> [ProcessorName] {
        switch mediaKind.flatMap(ProbeResult.MediaKind.init(rawValue:)) {
        case .audio: audio
        case .video: video
        default: []
        }
    }

    /// The processor's options as canonical text (what its settings hash is taken over).
    public func settings(of processor: ProcessorName) -> String {
        switch processor {
        case .loudness: "reference=\(Loudness.reference)"
        case .peaks: "samples_per_pixel=\(samplesPerPixel) bits=8"
        case .fingerprint: "seconds=\(AcousticFingerprint.seconds) algorithm=2"
        case .scenes: "threshold=\(sceneThreshold) poster_width=\(posterWidth) poster_every=\(posterEvery)"
        }
    }

    /// The processor's own version and the libraries that shape its result.
    public static func tools(of processor: ProcessorName) -> String {
        let own = "\(processor.rawValue) \(processor.version)"
        return switch processor {
        case .loudness: "\(own); libebur128 \(AudioAnalyzer.loudnessLibraryVersion); \(RuntimeVersions.libavDecode)"
        case .peaks: "\(own); \(RuntimeVersions.libavDecode)"
        case .fingerprint: "\(own); chromaprint \(AudioAnalyzer.fingerprintLibraryVersion); \(RuntimeVersions.libavDecode)"
        case .scenes: "\(own); \(RuntimeVersions.libavDecode) libswscale \(RuntimeVersions.swscale)"
        }
    }

    /// The key a result of `processor` made now from the content `input` has.
    public func key(for processor: ProcessorName, input: String) -> OutputKey {
        OutputKey(input: input, settings: OutputKey.settingsHash(settings(of: processor)), tools: Self.tools(of: processor))
    }
}
