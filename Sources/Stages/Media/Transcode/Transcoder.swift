internal import CMediaKernels
import Engine
import Foundation

/// Runs the C frame path (`mk_transcode`) for one input and profile. The output is written
/// under a temporary name beside it and renamed into place only when complete (`AtomicFile`):
/// a failed or cancelled transcode leaves nothing behind. Damaged input is tolerated as ffmpeg
/// tolerates it (skipped packets, an input that ends early); what was tolerated comes back as
/// warnings, one line each, for the caller to record.
public struct Transcoder: Sendable {
    public typealias Progress = @Sendable (_ done: Double, _ total: Double) -> Void

    public init() {
        Libav.initialize()
    }

    /// `tags`: set on the output (keys and values without `=` or a line break), replacing the
    /// input's ReplayGain (`REPLAYGAIN_*`, `R128_*`) tags when any are given.
    @discardableResult
    public func transcode(
        input: String, output: String, profile: TranscodeProfile, tags: [(key: String, value: String)] = [], progress: Progress? = nil
    ) async throws -> [String] {
        let control = TranscodeControl(progress: progress)
        let tagLines = tags.isEmpty ? nil : tags.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        return try await withTaskCancellationHandler {
            try await BlockingIO.run {
                return try Self.run(input: input, output: output, profile: profile, tags: tagLines, control: control)
            }
        } onCancel: {
            control.cancel()
        }
    }

    private static func run(
        input: String, output: String, profile: TranscodeProfile, tags: String?, control: TranscodeControl
    ) throws -> [String] {
        do {
            var warnings: [String] = []
            try AtomicFile.write(to: output) { temporary in
                var options = mk_transcode_options()
                mk_transcode_options_init(&options)
                var error = [CChar](repeating: 0, count: 1024)
                var notes = [CChar](repeating: 0, count: 2048)
                let status = withOptions(profile, tags: tags, &options) { options in
                    mk_transcode(
                        input, temporary, options,
                        { opaque, done, total in
                            Unmanaged<TranscodeControl>.fromOpaque(opaque!).takeUnretainedValue().report(done, total)
                        },
                        Unmanaged.passUnretained(control).toOpaque(), control.flag, &error, error.count, &notes, notes.count)
                }
                if status == Int32(MK_TRANSCODE_CANCELED) || control.isCancelled { throw CancellationError() }
                guard status == 0 else { throw TranscodeError.failed(input: input, reason: String(nulTerminated: error)) }
                warnings = String(nulTerminated: notes).split(separator: "\n").map(String.init)
                if let tags, profile.loudnessTags == .mp4Freeform {
                    let pairs = tags.split(separator: "\n").compactMap { line -> (key: String, value: String)? in
                        line.firstIndex(of: "=").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) }
                    }
                    if try !MP4FreeformTags.add(pairs, to: temporary) {
                        warnings.append("the ReplayGain tags could not be added: the MP4's layout is not one they can be added to")
                    }
                }
            }
            return warnings
        } catch let error as AtomicFileError {
            throw TranscodeError.cannotWrite(path: output, reason: error.reason)
        }
    }

    /// Fills the C options from the profile; its C strings live only inside `body`.
    private static func withOptions<T>(
        _ profile: TranscodeProfile, tags: String?, _ options: inout mk_transcode_options,
        _ body: (UnsafePointer<mk_transcode_options>) -> T
    ) -> T {
        options.faststart = profile.faststart ? 1 : 0
        options.video = mk_stream_mode(rawValue: UInt32(profile.video.rawValue))
        options.video_required = profile.kind == .video || profile.kind == .image ? 1 : 0
        options.crf = Int32(clamping: profile.crf ?? -1)
        options.video_bitrate = Int64(profile.videoBitrate ?? 0)
        options.max_width = Int32(clamping: profile.maxWidth ?? 0)
        options.max_height = Int32(clamping: profile.maxHeight ?? 0)
        options.max_fps = profile.maxFPS ?? 0
        options.quality = Int32(clamping: profile.quality ?? 0)
        options.audio = mk_stream_mode(rawValue: UInt32(profile.audio.rawValue))
        options.audio_required = profile.kind == .audio ? 1 : 0
        options.audio_bitrate = Int64(profile.audioBitrate ?? 0)
        options.sample_rate = Int32(clamping: profile.sampleRate ?? 0)
        options.channels = Int32(clamping: profile.channels ?? 0)
        options.start = profile.start ?? 0
        options.duration = profile.duration ?? 0
        options.thumbnail = profile.kind == .image ? 1 : 0
        options.thumbnail_time = profile.thumbnailTime ?? -1
        options.threads = Int32(clamping: profile.threads ?? 0)
        return withOptionalCString(profile.container) { container in
            withOptionalCString(profile.videoCodec) { videoCodec in
                withOptionalCString(profile.audioCodec) { audioCodec in
                    withOptionalCString(profile.preset) { preset in
                        withOptionalCString(tags) { tags in
                            options.container = container
                            options.video_codec = videoCodec
                            options.audio_codec = audioCodec
                            options.preset = preset
                            options.tags = tags
                            return withUnsafePointer(to: options, body)
                        }
                    }
                }
            }
        }
    }

    private static func withOptionalCString<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
        guard let string else { return body(nil) }
        return string.withCString { body($0) }
    }
}

/// The cancel flag and progress sink of one transcode. @unchecked Sendable: `flag` is a C11
/// atomic (`mk_cancel`) raised from any thread and polled by C; `progress` is immutable.
final class TranscodeControl: @unchecked Sendable {
    let flag: OpaquePointer
    private let progress: Transcoder.Progress?

    init(progress: Transcoder.Progress?) {
        self.progress = progress
        guard let flag = mk_cancel_create() else { fatalError("out of memory allocating a cancel flag") }
        self.flag = flag
    }

    func cancel() {
        mk_cancel_raise(flag)
    }

    var isCancelled: Bool { mk_cancel_is_raised(flag) != 0 }

    func report(_ done: Double, _ total: Double) {
        progress?(done, total)
    }

    deinit {
        mk_cancel_free(flag)
    }
}
