import Foundation
import Testing

/// Checks an `engine probe --json` document against ffprobe's for the same file: every field
/// the engine prints must equal ffprobe's (times within 0.05 s), and the fields users rely on
/// must be present whenever ffprobe has them.
enum FFprobeComparison {
    static let timeKeys: Set<String> = ["duration", "start_time"]
    static let requiredFormatKeys = ["filename", "format_name", "duration", "size", "bit_rate", "nb_streams", "tags"]
    static let requiredStreamKeys = [
        "index", "codec_type", "codec_name", "profile", "width", "height", "pix_fmt", "avg_frame_rate",
        "sample_rate", "channels", "channel_layout", "bit_rate", "duration", "tags",
        "codec_tag_string", "codec_tag", "sample_aspect_ratio", "display_aspect_ratio", "level", "bits_per_sample",
        "bits_per_raw_sample", "nb_frames", "side_data_list",
    ]

    static func expectMatch(engine: [String: Any], ffprobe: [String: Any], file: String) throws {
        let engineFormat = try #require(engine["format"] as? [String: Any], "\(file): no format")
        let peerFormat = try #require(ffprobe["format"] as? [String: Any], "\(file): ffprobe has no format")
        expectSame(engineFormat, peerFormat, required: requiredFormatKeys, what: "\(file) format")

        let engineStreams = try #require(engine["streams"] as? [[String: Any]])
        let peerStreams = try #require(ffprobe["streams"] as? [[String: Any]])
        #expect(engineStreams.count == peerStreams.count, "\(file): stream count")
        for (mine, theirs) in zip(engineStreams, peerStreams) {
            expectSame(mine, theirs, required: requiredStreamKeys, what: "\(file) stream \(theirs["index"] ?? "?")")
        }
    }

    private static func expectSame(_ mine: [String: Any], _ theirs: [String: Any], required: [String], what: String) {
        for key in required where theirs[key] != nil {
            #expect(mine[key] != nil, "\(what): missing \(key) (ffprobe has \(theirs[key]!))")
        }
        for (key, value) in mine {
            guard let reference = theirs[key] else {
                Issue.record("\(what): \(key) = \(value) but ffprobe prints no \(key)")
                continue
            }
            if timeKeys.contains(key) {
                let a = Double(value as? String ?? ""), b = Double(reference as? String ?? "")
                #expect(a != nil && b != nil && abs(a! - b!) <= 0.05, "\(what): \(key) \(value) vs ffprobe \(reference)")
            } else {
                #expect((value as? NSObject)?.isEqual(reference) == true, "\(what): \(key) \(value) vs ffprobe \(reference)")
            }
        }
    }
}
