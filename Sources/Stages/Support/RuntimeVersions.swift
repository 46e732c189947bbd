internal import CCurl
internal import CFFmpeg

/// The versions of the C libraries this build runs on (as loaded, not as compiled against).
package enum RuntimeVersions {
    /// FFmpeg's version and its libavformat and libavcodec versions.
    public static var libav: String {
        "FFmpeg \(String(cString: av_version_info())) (libavformat \(dotted(avformat_version())), libavcodec \(dotted(avcodec_version())))"
    }

    /// The decoding libraries' versions (libavformat, libavcodec, libswresample): what a
    /// processor's result depends on besides its own code.
    public static var libavDecode: String {
        "libavformat \(dotted(avformat_version())) libavcodec \(dotted(avcodec_version())) libswresample \(dotted(swresample_version()))"
    }

    /// libswscale's version (renditions depend on it besides the decoding libraries).
    public static var swscale: String { dotted(swscale_version()) }

    /// libcurl's version string, with its TLS and compression libraries.
    public static var libcurl: String { String(cString: curl_version()) }

    private static func dotted(_ version: UInt32) -> String { "\(version >> 16).\((version >> 8) & 0xFF).\(version & 0xFF)" }
}

extension TranscodeProfile {
    /// The encoders this profile names that the libav in use lacks (`engine doctor`).
    public var missingEncoders: [String] {
        [videoCodec, audioCodec].compactMap { $0 }.filter { avcodec_find_encoder_by_name($0) == nil }
    }
}
