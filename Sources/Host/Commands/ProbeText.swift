import Foundation
import Stages

/// The human-readable probe report.
enum ProbeText {
    static func render(_ result: ProbeResult) -> String {
        let format = result.format
        var header = [format.formatLongName.map { "\(format.formatName) (\($0))" } ?? format.formatName]
        if let duration = format.duration { header.append(String(format: "%.3f s", duration)) }
        if let size = format.size { header.append(Format.bytes(size)) }
        if let bitRate = format.bitRate { header.append("\(bitRate / 1000) kb/s") }
        var lines = [format.filename, "  format    " + header.joined(separator: ", ")]
        if !format.tags.isEmpty { lines.append("  tags      " + tagList(format.tags)) }
        for stream in result.streams {
            lines.append(String(format: "  stream %-2d ", stream.index) + describe(stream))
            if !stream.tags.isEmpty { lines.append("            tags: " + tagList(stream.tags)) }
        }
        return lines.joined(separator: "\n")
    }

    private static func describe(_ stream: ProbeResult.Stream) -> String {
        var parts = [stream.codecType]
        var codec = stream.codecName ?? "unknown"
        if let profile = stream.profile { codec += " (\(profile))" }
        parts.append(codec)
        if let width = stream.width, let height = stream.height { parts.append("\(width)x\(height)") }
        if let pixFmt = stream.pixFmt { parts.append(pixFmt) }
        if stream.codecType == "video", !stream.isAttachedPicture, let fps = stream.avgFrameRate.value {
            parts.append(String(format: "%.3g fps", fps))
        }
        if let rate = stream.sampleRate { parts.append("\(rate) Hz") }
        if let layout = stream.channelLayout ?? stream.channels.map({ "\($0) channels" }) { parts.append(layout) }
        if let duration = stream.duration { parts.append(String(format: "%.3f s", duration)) }
        if let bitRate = stream.bitRate { parts.append("\(bitRate / 1000) kb/s") }
        if stream.isAttachedPicture { parts.append("[attached picture]") }
        return parts.joined(separator: " ")
    }

    private static func tagList(_ tags: [MediaTag]) -> String {
        tags.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}
