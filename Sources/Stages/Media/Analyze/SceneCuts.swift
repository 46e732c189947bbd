internal import CMediaKernels
package import Engine
import Foundation

/// The scenes processor's result: where a video cuts from one scene to the next, each cut with
/// its score (ffmpeg scdet's, 0–100), computed in one decode; and a JPEG poster of each scene's
/// first frame (at most one every `posterEvery` seconds within a scene when that is set),
/// `posterWidth` wide, kept beside the original as file assets of kind `poster`.
package struct SceneCuts: Sendable, Equatable {
    public static let processor = "scenes"
    public static let version = 1
    /// scdet's default threshold.
    public static let defaultThreshold = 10.0
    public static let defaultPosterWidth = 320

    public struct Cut: Sendable, Equatable {
        public var time: Double
        public var score: Double
    }

    public var cuts: [Cut]
    /// Seconds of the frame each poster shows (poster i is `poster-<i + 1>`).
    public var posterTimes: [Double]
    public var duration: Double
    public var frames: Int
    public var width: Int
    public var height: Int

    public var json: JSONValue {
        .object([
            ("processor", .string(Self.processor)), ("version", .int(Int64(Self.version))), ("frames", .int(Int64(frames))),
            ("duration", .double(duration)), ("width", .int(Int64(width))), ("height", .int(Int64(height))),
            ("scenes", .int(Int64(cuts.count + 1))),
            ("cuts", .array(cuts.map { .object([("time", .double($0.time)), ("score", .double($0.score))]) })),
            ("posters", .array(posterTimes.enumerated().map { .object([("name", .string(Self.posterName($0.offset))), ("time", .double($0.element))]) })),
        ])
    }

    /// `poster-0001` for the first.
    public static func posterName(_ index: Int) -> String { String(format: "poster-%04d", index + 1) }

    /// The cuts of `path`'s video; posters (when `posterWidth` > 0) written into `posterDirectory`.
    /// `threads`: the decoder's (0: libav's choice; a stage holding one cpu slot decodes on one).
    public static func detect(
        _ path: String, threshold: Double = defaultThreshold, posterWidth: Int = defaultPosterWidth, posterEvery: Double = 0,
        posterDirectory: String? = nil, threads: Int = 1
    ) async throws -> (cuts: SceneCuts, warnings: [String]) {
        Libav.initialize()
        let control = TranscodeControl(progress: nil)
        return try await withTaskCancellationHandler {
            try await BlockingIO.run {
                var scenes = mk_scenes()
                var error = [CChar](repeating: 0, count: 1024)
                var notes = [CChar](repeating: 0, count: 2048)
                defer { mk_scenes_free(&scenes) }
                let width = posterDirectory == nil ? 0 : posterWidth
                let status = (posterDirectory ?? "").withCString { directory in
                    var options = mk_scenes_options(
                        threshold: threshold, poster_width: Int32(clamping: width), poster_every: posterEvery, poster_dir: directory, threads: Int32(clamping: threads))
                    return mk_scenes_detect(path, &options, &scenes, control.flag, &error, error.count, &notes, notes.count)
                }
                if status == Int32(MK_SCENES_CANCELED) || control.isCancelled { throw CancellationError() }
                guard status == 0 else { throw AnalyzeError.failed(input: path, reason: String(nulTerminated: error)) }
                let cuts = (0..<Int(scenes.cut_count)).map { Cut(time: scenes.cuts[$0].time, score: scenes.cuts[$0].score) }
                let posters = (0..<Int(scenes.poster_count)).map { scenes.poster_times[$0] }
                return (
                    SceneCuts(
                        cuts: cuts, posterTimes: posters, duration: scenes.duration, frames: scenes.frames, width: Int(scenes.width),
                        height: Int(scenes.height)),
                    String(nulTerminated: notes).split(separator: "\n").map(String.init)
                )
            }
        } onCancel: {
            control.cancel()
        }
    }
}
