internal import CFFmpeg

extension TranscodeProfile {
    /// This profile writing a file named with extension `ext` (`engine transcode IN OUT`, as
    /// ffmpeg picks the container from OUT): the container that extension names, when it can
    /// hold what the profile encodes; a still image as PNG for `.png`. Throws naming both the
    /// extension and the profile when it cannot (an `.mp3` cannot hold `aac-128k`'s AAC).
    public func fitted(toExtension ext: String) throws(TranscodeError) -> TranscodeProfile {
        let ext = ext.lowercased()
        guard !ext.isEmpty, ext != fileExtension, container != nil else { return self }
        var fitted = self
        if kind == .image {
            switch ext {
            case "jpg", "jpeg": return self
            case "png":
                fitted.container = "image2"
                fitted.videoCodec = "png"
                fitted.quality = nil
                return fitted
            default:
                throw .invalidOption("a .\(ext) file cannot hold profile '\(name)': give .jpg or .png")
            }
        }
        guard let muxer = av_guess_format(nil, "output.\(ext)", nil), let muxerName = muxer.pointee.name else {
            throw .invalidOption("'.\(ext)' names no container libav knows (profile '\(name)' writes .\(fileExtension))")
        }
        let encoded = [(video == .encode ? videoCodec : nil, "video"), (audio == .encode ? audioCodec : nil, "audio")]
        for case let (codec?, what) in encoded {
            guard let encoder = avcodec_find_encoder_by_name(codec) else { continue }  // the transcode says it is missing
            if avformat_query_codec(muxer, encoder.pointee.id, FF_COMPLIANCE_NORMAL) != 1 {
                throw .invalidOption(
                    "a .\(ext) file cannot hold profile '\(name)': its \(what) is \(String(cString: encoder.pointee.name)) (give .\(fileExtension))")
            }
        }
        fitted.container = String(cString: muxerName)
        fitted.fileExtension = ext
        fitted.faststart = fitted.faststart && ["mp4", "mov", "m4a", "m4v", "ipod"].contains(fitted.container ?? "")
        return fitted
    }
}

extension TranscodeProfile {
    /// How a rendition of this profile carries ReplayGain.
    public enum LoudnessTags: Sendable {
        /// No audio, or an MP4 with its index in front (faststart), which the iTunes tags
        /// cannot be added to without moving every chunk offset.
        case none
        /// MP4/M4A: `REPLAYGAIN_*` as iTunes free-form atoms (`----:com.apple.iTunes:…`), added
        /// after the mux (`MP4FreeformTags`): FFmpeg 5.1's muxer writes them only as QuickTime
        /// `mdta` keys, which would replace every iTunes tag.
        case mp4Freeform
        /// `REPLAYGAIN_TRACK_GAIN`/`_PEAK` and the album pair (MP3's ID3 TXXX, FLAC and Vorbis
        /// comments, Matroska tags).
        case replayGain
        /// Opus: `R128_TRACK_GAIN` (and `R128_ALBUM_GAIN`) in Q7.8 (RFC 7845).
        case r128
    }

    public var loudnessTags: LoudnessTags {
        guard audio != .drop, kind != .image else { return .none }
        let muxer = container ?? fileExtension
        if ["mp4", "mov", "m4a", "m4v", "ipod", "3gp"].contains(muxer) { return faststart ? .none : .mp4Freeform }
        return audioCodec == "libopus" || fileExtension == "opus" ? .r128 : .replayGain
    }
}
