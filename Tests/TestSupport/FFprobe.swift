import Foundation

/// ffprobe, the reference for media checks: format and streams of a file as dictionaries.
public struct FFprobeReport: Sendable {
    public let format: [String: String]
    public let formatTags: [String: String]
    public let streams: [[String: String]]
    public let streamTags: [[String: String]]

    public static func of(_ path: String) throws -> FFprobeReport? {
        let result = try Command.run("ffprobe", ["-v", "error", "-show_format", "-show_streams", "-of", "json", path])
        guard result.status == 0, let json = try parseJSON(result.stdout) as? [String: Any] else { return nil }
        func strings(_ object: Any?) -> [String: String] {
            (object as? [String: Any] ?? [:]).mapValues { "\($0)" }
        }
        func lowercasedKeys(_ object: Any?) -> [String: String] {
            Dictionary(strings(object).map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        }
        let format = json["format"] as? [String: Any]
        let streams = json["streams"] as? [[String: Any]] ?? []
        return FFprobeReport(
            format: strings(format), formatTags: lowercasedKeys(format?["tags"]),
            streams: streams.map { strings($0) }, streamTags: streams.map { lowercasedKeys($0["tags"]) })
    }

    public var duration: Double? { format["duration"].flatMap(Double.init) }
    public func first(_ type: String) -> [String: String]? { streams.first { $0["codec_type"] == type } }
    public var video: [String: String]? {
        streams.first { $0["codec_type"] == "video" && $0["disposition"]?.contains("\"attached_pic\" = 1") != true }
            ?? streams.first { $0["codec_type"] == "video" }
    }
    /// A tag from the format, or (Ogg, which keeps tags per stream) from any stream.
    public func tag(_ key: String) -> String? {
        formatTags[key] ?? streamTags.lazy.compactMap { $0[key] }.first
    }
}
