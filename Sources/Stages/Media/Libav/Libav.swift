internal import CFFmpeg
internal import CMediaKernels
import Foundation

/// Process-wide libav set-up and the one function every negative libav return goes through.
enum Libav {
    /// Routes libav's log into the per-thread capture (see `mk_avlog.h`). libav prints nothing
    /// on its own unless `LOG_LEVEL` is `debug` or `trace`, which passes its warnings through.
    private static let installed: Void = {
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"]?.lowercased()
        let print = (level == "debug" || level == "trace") ? AV_LOG_WARNING : AV_LOG_QUIET
        mk_avlog_install(AV_LOG_ERROR, print)
    }()

    static func initialize() {
        _ = installed
    }

    /// Forgets this thread's last libav message; call before the libav operation it explains.
    static func clearLog() {
        mk_avlog_clear()
    }

    /// Returns `result` when it is not negative; otherwise throws a `LibavError` naming `operation`.
    @discardableResult
    static func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(LibavError) -> Int32 {
        guard result < 0 else { return result }
        throw LibavError(
            operation: operation(), code: result, message: errorString(result),
            detail: String(cString: mk_avlog_last()))
    }

    static func errorString(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        if av_strerror(code, &buffer, buffer.count) < 0 {
            return "libav error \(code)"
        }
        return String(nulTerminated: buffer)
    }

    static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    static func seconds(_ ts: Int64, _ timeBase: AVRational) -> Double? {
        ts == cffmpeg_nopts_value() ? nil : Double(ts) * av_q2d(timeBase)
    }

    /// Every entry of an AVDictionary, in its own order.
    static func entries(_ dictionary: OpaquePointer?) -> [MediaTag] {
        var tags: [MediaTag] = []
        var entry: UnsafeMutablePointer<AVDictionaryEntry>? = nil
        while let next = av_dict_get(dictionary, "", entry, AV_DICT_IGNORE_SUFFIX) {
            tags.append(MediaTag(key: String(cString: next.pointee.key), value: String(cString: next.pointee.value)))
            entry = next
        }
        return tags
    }
}
