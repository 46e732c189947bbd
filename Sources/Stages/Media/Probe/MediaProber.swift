internal import CFFmpeg
import Foundation

/// Probes media in-process with libavformat/libavcodec: no ffprobe process is started.
///
/// `probe` blocks while libav reads the file; callers on the concurrency pool run it on a
/// dedicated thread or under a lane permit.
public struct MediaProber: Sendable {
    /// How long a network read may stall before libav gives up (URLs only).
    public var networkTimeout: Duration
    /// Open a file with the demuxer its name and first bytes agree on (`DemuxerHint`); false:
    /// always let libav guess (as plain ffprobe does).
    public var namesDemuxer: Bool

    public init(networkTimeout: Duration = .seconds(15), namesDemuxer: Bool = true) {
        self.networkTimeout = networkTimeout
        self.namesDemuxer = namesDemuxer
    }

    /// Probes a path, or a URL libav can read (`http://…`, `file:…`). A file whose extension
    /// and first bytes name its container is opened with that demuxer (`DemuxerHint`; nothing
    /// was guessed, so `probe_score` is 0, as `ffprobe -f NAME` prints it); when that demuxer finds no
    /// usable stream the file is probed again the usual way, with libav guessing.
    public func probe(_ input: String) throws(ProbeError) -> ProbeResult {
        let isURL = input.contains("://")
        if !isURL { try Self.checkRegularFile(input) }
        var options: [String: String] = [:]
        if isURL {
            let micros = networkTimeout.components.seconds * 1_000_000
                + networkTimeout.components.attoseconds / 1_000_000_000_000
            options["rw_timeout"] = String(micros)
        }
        if !isURL, namesDemuxer, let demuxer = DemuxerHint.demuxer(forPath: input),
            let context = try? InputFormatContext(url: input, options: options, demuxer: demuxer),
            (try? context.findStreamInfo(maxAnalyzeDuration: Self.analyzeDuration(context, demuxer: demuxer))) != nil,
            Self.isUsable(context)
        {
            return Self.result(of: context, filename: input)
        }
        do {
            let context = try InputFormatContext(url: input, options: options)
            try context.findStreamInfo()
            guard context.pointer.pointee.nb_streams > 0 else { throw ProbeError.noStreams(path: input) }
            return Self.result(of: context, filename: input)
        } catch let error as LibavError {
            throw .libav(path: input, error)
        } catch let error as ProbeError {
            throw error
        } catch {
            throw .unreadable(path: input, reason: "\(error)")
        }
    }

    /// How much of an MP3 to read for its stream info, in microseconds (nil: libav's default,
    /// as ffprobe). An MP3 whose first frame is a Xing or VBRI header with both the frame and
    /// the byte count knows its length and its bit rate before any audio is read (the demuxer
    /// set both from the header): its first frames give every field ffprobe prints, the same
    /// as the ~50 it would read. Any other MP3 is read as ffprobe reads it: without such a
    /// header the length is estimated from the bit rates of the frames read, and under a CBR
    /// `Info` header (or one without the byte count) the stream's bit rate is their average.
    /// Cover art (an attached picture) is read first either way.
    static func analyzeDuration(_ context: InputFormatContext, demuxer: String) -> Int64? {
        guard demuxer == "mp3", context.streams.count > 0 else { return nil }
        let known = context.streams.allSatisfy { stream in
            guard let stream = stream?.pointee else { return false }
            if stream.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 { return true }
            return stream.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO && stream.duration != cffmpeg_nopts_value()
                && stream.codecpar.pointee.bit_rate > 0
        }
        return known ? 100_000 : nil
    }

    /// Every stream has a codec and, for audio and video, its basic parameters: what a
    /// demuxer that was named for the file, not guessed, must find to be believed.
    private static func isUsable(_ context: InputFormatContext) -> Bool {
        context.streams.count > 0
            && context.streams.allSatisfy { stream in
                guard let par = stream?.pointee.codecpar.pointee, par.codec_id != AV_CODEC_ID_NONE else { return false }
                switch par.codec_type {
                case AVMEDIA_TYPE_AUDIO: return par.sample_rate > 0 && par.ch_layout.nb_channels > 0
                case AVMEDIA_TYPE_VIDEO: return par.width > 0 && par.height > 0
                default: return true
                }
            }
    }

    /// Rejects what libav cannot or must not open: missing paths, directories, and FIFOs or
    /// devices (opening a FIFO blocks until a writer appears).
    private static func checkRegularFile(_ path: String) throws(ProbeError) {
        let kind: String?
        do {
            kind = try FileKind.special(path)
        } catch {
            throw .unreadable(path: path, reason: (error as? FileKindError)?.reason ?? "\(error)")
        }
        if let kind { throw .notARegularFile(path: path, kind: kind) }
    }

    private static func result(of context: InputFormatContext, filename: String) -> ProbeResult {
        let ctx = context.pointer.pointee
        let size = ctx.pb.map { avio_size($0) }.flatMap { $0 >= 0 ? $0 : nil }
        let format = ProbeResult.Format(
            filename: filename,
            formatName: Libav.string(ctx.iformat.pointee.name) ?? "unknown",
            formatLongName: Libav.string(ctx.iformat.pointee.long_name),
            nbStreams: Int(ctx.nb_streams),
            nbPrograms: Int(ctx.nb_programs),
            startTime: Libav.seconds(ctx.start_time, cffmpeg_time_base_q()),
            duration: Libav.seconds(ctx.duration, cffmpeg_time_base_q()),
            size: size,
            bitRate: ctx.bit_rate > 0 ? ctx.bit_rate : nil,
            probeScore: Int(ctx.probe_score),
            tags: Libav.entries(ctx.metadata))
        let streams = context.streams.compactMap { $0.map { stream(of: $0.pointee, at: $0, in: context.pointer) } }
        return ProbeResult(format: format, streams: streams)
    }

    private static func stream(of stream: AVStream, at pointer: UnsafeMutablePointer<AVStream>, in context: UnsafeMutablePointer<AVFormatContext>)
        -> ProbeResult.Stream
    {
        var result = describe(stream)
        // The fields people script against, computed as ffprobe does.
        let par = stream.codecpar.pointee
        result.codecTag = par.codec_tag
        if par.codec_type == AVMEDIA_TYPE_VIDEO {
            let sar = av_guess_sample_aspect_ratio(context, pointer, nil)
            if sar.num != 0 {
                result.sampleAspectRatio = rational(sar)
                var dar = AVRational(num: 0, den: 1)
                av_reduce(&dar.num, &dar.den, Int64(par.width) * Int64(sar.num), Int64(par.height) * Int64(sar.den), 1024 * 1024)
                result.displayAspectRatio = rational(dar)
            }
            result.level = Int(par.level)
        }
        if par.codec_type == AVMEDIA_TYPE_AUDIO { result.bitsPerSample = Int(av_get_bits_per_sample(par.codec_id)) }
        if par.bits_per_raw_sample > 0 { result.bitsPerRawSample = Int(par.bits_per_raw_sample) }
        if stream.nb_frames > 0 { result.nbFrames = stream.nb_frames }
        var size = 0
        if let data = withUnsafePointer(to: stream, { av_stream_get_side_data($0, AV_PKT_DATA_DISPLAYMATRIX, &size) }),
            size >= 9 * MemoryLayout<Int32>.size
        {
            let matrix = data.withMemoryRebound(to: Int32.self, capacity: 9) { Array(UnsafeBufferPointer(start: $0, count: 9)) }
            result.displayMatrix = matrix
            result.rotation = matrix.withUnsafeBufferPointer { av_display_rotation_get($0.baseAddress) }
        }
        return result
    }

    private static func describe(_ stream: AVStream) -> ProbeResult.Stream {
        let par = stream.codecpar.pointee
        let descriptor = avcodec_descriptor_get(par.codec_id)
        let isVideo = par.codec_type == AVMEDIA_TYPE_VIDEO
        let isAudio = par.codec_type == AVMEDIA_TYPE_AUDIO
        var profile = Libav.string(avcodec_profile_name(par.codec_id, par.profile))
        if profile == nil, par.profile != FF_PROFILE_UNKNOWN { profile = String(par.profile) }
        return ProbeResult.Stream(
            index: Int(stream.index),
            codecName: descriptor.map { String(cString: $0.pointee.name) },
            codecLongName: descriptor.flatMap { Libav.string($0.pointee.long_name) },
            profile: profile,
            codecType: Libav.string(av_get_media_type_string(par.codec_type)) ?? "unknown",
            width: isVideo ? Int(par.width) : nil,
            height: isVideo ? Int(par.height) : nil,
            pixFmt: isVideo ? Libav.string(av_get_pix_fmt_name(AVPixelFormat(par.format))) : nil,
            sampleFmt: isAudio ? Libav.string(av_get_sample_fmt_name(AVSampleFormat(par.format))) : nil,
            sampleRate: isAudio ? Int(par.sample_rate) : nil,
            channels: isAudio ? Int(par.ch_layout.nb_channels) : nil,
            channelLayout: isAudio ? channelLayoutName(par.ch_layout) : nil,
            rFrameRate: rational(stream.r_frame_rate),
            avgFrameRate: rational(stream.avg_frame_rate),
            timeBase: rational(stream.time_base),
            startTime: Libav.seconds(stream.start_time, stream.time_base),
            duration: Libav.seconds(stream.duration, stream.time_base),
            bitRate: par.bit_rate > 0 ? par.bit_rate : nil,
            disposition: dispositions(stream.disposition),
            tags: Libav.entries(stream.metadata))
    }

    private static func channelLayoutName(_ layout: AVChannelLayout) -> String? {
        guard layout.order != AV_CHANNEL_ORDER_UNSPEC else { return nil }
        var copy = layout
        var buffer = [CChar](repeating: 0, count: 128)
        guard av_channel_layout_describe(&copy, &buffer, buffer.count) > 0 else { return nil }
        return String(nulTerminated: buffer)
    }

    private static func rational(_ value: AVRational) -> ProbeResult.Rational {
        ProbeResult.Rational(num: value.num, den: value.den)
    }

    /// Every disposition flag libav names, lowest bit first (ffprobe's order).
    private static func dispositions(_ flags: Int32) -> [(name: String, isSet: Bool)] {
        (0..<31).compactMap { bit in
            let flag = Int32(1) << bit
            return Libav.string(av_disposition_to_string(flag)).map { ($0, flags & flag != 0) }
        }
    }
}
