internal import CMediaKernels
import Engine
import Foundation

/// Runs the C frame path (`mk_transcode`) for one input and profile. The output is written
/// under a temporary name beside it and renamed into place only when complete (`AtomicFile`):
/// a failed or cancelled transcode leaves nothing behind. Damaged input is tolerated as ffmpeg
/// tolerates it (skipped packets, an input that ends early); what was tolerated comes back as
/// warnings, one line each, for the caller to record.
public struct Transcoder: Sendable {
    /// Called as the input is read: seconds done of the input's total.
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
        try await Self.run(input: input, outputs: [Output(path: output, profile: profile, tags: tags)], progress: progress)
    }

    /// One rendition of a set made from one decode.
    public struct Output: Sendable {
        public var path: String
        public var profile: TranscodeProfile
        public var tags: [(key: String, value: String)]

        public init(path: String, profile: TranscodeProfile, tags: [(key: String, value: String)] = []) {
            self.path = path
            self.profile = profile
            self.tags = tags
        }

        var tagLines: String? { tags.isEmpty ? nil : tags.map { "\($0.key)=\($0.value)" }.joined(separator: "\n") }
    }

    /// Whether `profiles` can be made from one decode of their input (`transcode(input:outputs:)`):
    /// more than one, none an image, all over the same window.
    public static func canShareDecode(_ profiles: [TranscodeProfile]) -> Bool {
        guard profiles.count > 1, let first = profiles.first else { return false }
        return profiles.allSatisfy { $0.kind != .image && $0.start == first.start && $0.duration == first.duration }
    }

    /// Makes every output from one decode of `input` (each frame scaled or resampled and
    /// encoded per output), as `transcode` makes each alone; the warnings, which belong to the
    /// input, for all. Each output appears complete or not at all: a failure leaves none.
    public func transcode(input: String, outputs: [Output], progress: Progress? = nil) async throws -> [String] {
        precondition(Self.canShareDecode(outputs.map(\.profile)), "outputs that cannot share a decode")
        return try await Self.run(input: input, outputs: outputs, progress: progress)
    }

    /// Runs the outputs' transcode on the blocking pool; cancelling the task stops it within a packet.
    private static func run(input: String, outputs: [Output], progress: Progress?) async throws -> [String] {
        let control = TranscodeControl(progress: progress)
        return try await withTaskCancellationHandler {
            try await BlockingIO.run { try run(input: input, outputs: outputs, control: control) }
        } onCancel: {
            control.cancel()
        }
    }

    /// Writes every output under a temporary name (`AtomicFile`), runs the C frame path (one
    /// output: `mk_transcode`; more: `mk_transcode_many`), adds MP4 freeform tags where the
    /// profile wants them, and publishes all outputs once every one is complete.
    private static func run(input: String, outputs: [Output], control: TranscodeControl) throws -> [String] {
        var warnings: [String] = []
        try withTemporaries(outputs.map(\.path)) { temporaries in
            var error = [CChar](repeating: 0, count: 1024)
            var notes = [CChar](repeating: 0, count: 2048)
            var failed: Int32 = -1
            let profiles = outputs.map(\.profile)
            let status = withAllOptions(profiles, outputs.map(\.tagLines)) { options in
                let report: mk_progress_fn = { opaque, done, total in
                    Unmanaged<TranscodeControl>.fromOpaque(opaque!).takeUnretainedValue().report(done, total)
                }
                let opaque = Unmanaged.passUnretained(control).toOpaque()
                if options.count == 1 {
                    return mk_transcode(input, temporaries[0], options[0], report, opaque, control.flag, &error, error.count, &notes, notes.count)
                }
                return withCStrings(temporaries) { paths in
                    options.map { Optional($0) }.withUnsafeBufferPointer { optionList in
                        mk_transcode_many(
                            input, Int32(options.count), paths, optionList.baseAddress, report, opaque, control.flag,
                            &error, error.count, &notes, notes.count, &failed)
                    }
                }
            }
            if status == Int32(MK_TRANSCODE_CANCELED) || control.isCancelled { throw CancellationError() }
            guard status == 0 else {
                let reason = String(nulTerminated: error)
                throw TranscodeError.failed(
                    input: input, reason: outputs.count > 1 && failed >= 0 ? "\(outputs[Int(failed)].profile.name): \(reason)" : reason)
            }
            warnings = String(nulTerminated: notes).split(separator: "\n").map(String.init)
            for (index, output) in outputs.enumerated() where output.profile.loudnessTags == .mp4Freeform && !output.tags.isEmpty {
                if try !MP4FreeformTags.add(output.tags, to: temporaries[index]) {
                    warnings.append("the ReplayGain tags could not be added: the MP4's layout is not one they can be added to")
                }
            }
        }
        return warnings
    }

    /// `AtomicFile.write` for several files: `body` gets a temporary path for each; all are
    /// published when it returns, none when it throws.
    private static func withTemporaries(_ paths: [String], done: [String] = [], _ body: ([String]) throws -> Void) throws {
        guard let path = paths.first else { return try body(done) }
        do {
            try AtomicFile.write(to: path) { temporary in try withTemporaries(Array(paths.dropFirst()), done: done + [temporary], body) }
        } catch let error as AtomicFileError {
            throw TranscodeError.cannotWrite(path: path, reason: error.reason)
        }
    }

    /// The C options of every profile, alive while `body` runs.
    private static func withAllOptions<T>(
        _ profiles: [TranscodeProfile], _ tags: [String?], done: [UnsafePointer<mk_transcode_options>] = [],
        _ body: ([UnsafePointer<mk_transcode_options>]) -> T
    ) -> T {
        guard let profile = profiles.first else { return body(done) }
        var options = mk_transcode_options()
        mk_transcode_options_init(&options)
        return withOptions(profile, tags: tags[0], &options) { pointer in
            withAllOptions(Array(profiles.dropFirst()), Array(tags.dropFirst()), done: done + [pointer], body)
        }
    }

    private static func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        let copies = strings.map { UnsafePointer(strdup($0)) }
        defer { for copy in copies { free(UnsafeMutablePointer(mutating: copy)) } }
        return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
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
