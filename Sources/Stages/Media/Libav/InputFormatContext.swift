internal import CFFmpeg

/// Owns an opened demuxer (`AVFormatContext` from `avformat_open_input`) and closes it on deinit.
final class InputFormatContext {
    let pointer: UnsafeMutablePointer<AVFormatContext>

    /// Opens `url` (a path or a libav URL) with demuxer/protocol `options`; with `demuxer`
    /// (a libav demuxer name) that demuxer reads it, else libav guesses from its bytes.
    init(url: String, options: [String: String] = [:], demuxer: String? = nil) throws(LibavError) {
        Libav.initialize()
        var dictionary: OpaquePointer? = nil
        for (key, value) in options {
            av_dict_set(&dictionary, key, value, 0)
        }
        defer { av_dict_free(&dictionary) }
        var context: UnsafeMutablePointer<AVFormatContext>? = nil
        Libav.clearLog()
        let format = demuxer.flatMap { av_find_input_format($0) }
        try Libav.check(avformat_open_input(&context, url, format, &dictionary), "cannot open")
        guard let context else {
            throw LibavError(operation: "cannot open", code: -1, message: "libav returned no context", detail: "")
        }
        pointer = context
    }

    /// Reads packets until every stream's parameters are known (`avformat_find_stream_info`),
    /// at most `maxAnalyzeDuration` microseconds of them when given (libav's default otherwise).
    func findStreamInfo(maxAnalyzeDuration: Int64? = nil) throws(LibavError) {
        if let maxAnalyzeDuration { pointer.pointee.max_analyze_duration = maxAnalyzeDuration }
        Libav.clearLog()
        try Libav.check(avformat_find_stream_info(pointer, nil), "cannot read stream info")
    }

    var streams: UnsafeBufferPointer<UnsafeMutablePointer<AVStream>?> {
        UnsafeBufferPointer(start: pointer.pointee.streams, count: Int(pointer.pointee.nb_streams))
    }

    deinit {
        var context: UnsafeMutablePointer<AVFormatContext>? = pointer
        avformat_close_input(&context)
    }
}
