import ArgumentParser
import Foundation
import Stages

/// `engine transcode IN OUT --profile NAME`: one rendition, in-process.
struct TranscodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcode",
        abstract: "Make one rendition of a file in-process (libav): audio, video, remux, trim or thumbnail.",
        discussion: "Profiles: \(TranscodeProfile.builtIn.keys.sorted().joined(separator: ", ")). Options override the profile."
    )

    @Argument(help: "Input media file.") var input: String
    @Argument(help: "Output file (written under a temporary name, renamed when complete).") var output: String
    @Option(help: "Profile name.") var profile: String

    @Option(help: "Video encoder (e.g. libx264).") var videoCodec: String?
    @Option(help: "Audio encoder (e.g. aac, libopus, libmp3lame, flac).") var audioCodec: String?
    @Option(help: "x264 constant rate factor.") var crf: Int?
    @Option(help: "x264 preset.") var preset: String?
    @Option(help: "Video bitrate, bits/s.") var videoBitrate: Int?
    @Option(help: "Audio bitrate, bits/s.") var audioBitrate: Int?
    @Option(help: "Maximum width (never upscaled, aspect kept).") var maxWidth: Int?
    @Option(help: "Maximum height.") var maxHeight: Int?
    @Option(help: "Frame rate cap.") var fps: Double?
    @Option(help: "Audio sample rate, Hz.") var sampleRate: Int?
    @Option(help: "Audio channels.") var channels: Int?
    @Option(help: "Trim: start, seconds.") var start: Double?
    @Option(help: "Trim: duration, seconds.") var duration: Double?
    @Option(help: "Thumbnail: time, seconds (default 10% in).") var at: Double?
    @Option(help: "Codec threads (0: automatic).") var threads: Int?
    @Flag(name: [.customShort("y"), .customLong("overwrite")], help: "Replace OUT when it exists (as ffmpeg -y).") var overwrite = false
    @Flag(name: [.customShort("n"), .customLong("no-overwrite")], help: "Never replace OUT (the default; as ffmpeg -n).") var noOverwrite = false

    func validate() throws {
        let counts = [("--max-width", maxWidth), ("--max-height", maxHeight), ("--sample-rate", sampleRate), ("--channels", channels),
                      ("--video-bitrate", videoBitrate), ("--audio-bitrate", audioBitrate)]
        for (name, value) in counts {
            if let value, !(1...Int(Int32.max)).contains(value) { throw ValidationError("\(name) must be from 1 to \(Int32.max)") }
        }
        if let crf, !(0...63).contains(crf) { throw ValidationError("--crf must be from 0 to 63") }
        if let threads, !(0...64).contains(threads) { throw ValidationError("--threads must be from 0 to 64") }
        for (name, value) in [("--start", start), ("--at", at)] {
            if let value, !(value >= 0 && value <= 1e9) { throw ValidationError("\(name) must be a number of seconds ≥ 0") }
        }
        if let duration, !(duration > 0 && duration <= 1e9) { throw ValidationError("--duration must be a positive number of seconds") }
        if let fps, !(fps > 0 && fps <= 1000) { throw ValidationError("--fps must be from 0 to 1000") }
        if overwrite, noOverwrite { throw ValidationError("-y and -n contradict each other") }
    }

    func run() async throws {
        var settings: TranscodeProfile
        do {
            settings = try TranscodeProfile.named(profile)
        } catch {
            throw ValidationError(error.description)
        }
        settings.videoCodec = videoCodec ?? settings.videoCodec
        settings.audioCodec = audioCodec ?? settings.audioCodec
        settings.crf = crf ?? settings.crf
        settings.preset = preset ?? settings.preset
        settings.videoBitrate = videoBitrate ?? settings.videoBitrate
        settings.audioBitrate = audioBitrate ?? settings.audioBitrate
        settings.maxWidth = maxWidth ?? settings.maxWidth
        settings.maxHeight = maxHeight ?? settings.maxHeight
        settings.maxFPS = fps ?? settings.maxFPS
        settings.sampleRate = sampleRate ?? settings.sampleRate
        settings.channels = channels ?? settings.channels
        settings.start = start ?? settings.start
        settings.duration = duration ?? settings.duration
        settings.thumbnailTime = at ?? settings.thumbnailTime
        settings.threads = threads ?? settings.threads
        if settings.name == "trim", settings.duration == nil, settings.start == nil {
            throw ValidationError("the trim profile needs --start and/or --duration")
        }
        do {
            settings = try settings.fitted(toExtension: (output as NSString).pathExtension)
        } catch {
            Output.error("transcode", "\(output): \(error)")
            throw EngineExit.usage
        }
        // Faults of OUT are named as OUT's, before any work: an existing file, a missing folder.
        if FileManager.default.fileExists(atPath: output), !overwrite {
            Output.error("transcode", "\(output): already exists (give -y to replace it)")
            throw EngineExit.usage
        }
        var isFolder: ObjCBool = false
        let folder = (output as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) || !isFolder.boolValue {
            Output.error("transcode", "\(output): the folder \(folder) does not exist")
            throw EngineExit.usage
        }

        let terminal = isatty(STDERR_FILENO) == 1
        let progress: Transcoder.Progress? = terminal ? Self.drawProgress : nil
        let task = Task { try await Transcoder().transcode(input: input, output: output, profile: settings, progress: progress) }
        let interrupt = Interrupt.onSIGINT { _ in task.cancel() }
        defer { interrupt.cancel() }
        do {
            let warnings = try await task.value
            if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            for warning in warnings { Output.note("transcode: \(input): warning: \(warning)") }
        } catch is CancellationError {
            Output.error("transcode", "\(input): canceled; no output was left")
            throw EngineExit.failures
        } catch {
            if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            Output.error("transcode", "\(error)")
            throw EngineExit.failures
        }
    }

    @Sendable static func drawProgress(done: Double, total: Double) {
        var line = String(format: "\r\u{1B}[Ktranscode: %.1f of %.1f s", done, total)
        if total > 0 { line += String(format: " (%.0f%%)", min(100, done / total * 100)) }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
