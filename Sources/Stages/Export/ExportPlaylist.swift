import Engine
import Foundation

/// The playlist an export writes beside its files: paths relative to the playlist (so the
/// folder can move to a car stick or another machine), in collection order.
enum ExportPlaylist {
    static func text(_ format: ExportPlaylistFormat, title: String, files: [ExportPlan.File]) -> [UInt8] {
        switch format {
        case .m3u8: Array(m3u8(title: title, files: files).utf8)
        case .xspf: Array(xspf(title: title, files: files).utf8)
        }
    }

    /// Extended M3U in UTF-8: `#EXTINF:<seconds>,<creator> - <title>` before each path.
    static func m3u8(title: String, files: [ExportPlan.File]) -> String {
        var text = "#EXTM3U\n#PLAYLIST:\(oneLine(title))\n"
        for file in files {
            let seconds = file.duration.map { String(Int($0.rounded())) } ?? "-1"
            let label = (file.creators.first.map { "\($0) - " } ?? "") + file.title
            text += "#EXTINF:\(seconds),\(oneLine(label))\n\(file.name)\n"
        }
        return text
    }

    /// XSPF 1: each track's location a relative URI (percent-encoded), with title, creator,
    /// duration in milliseconds and track number.
    static func xspf(title: String, files: [ExportPlan.File]) -> String {
        var text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <playlist version="1" xmlns="http://xspf.org/ns/0/">
              <title>\(escaped(title))</title>
              <trackList>

            """
        for (index, file) in files.enumerated() {
            let location = file.name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["?", "#", ";", ":"])) ?? file.name
            text += "    <track>\n      <location>\(escaped(location))</location>\n      <title>\(escaped(file.title))</title>\n"
            if let creator = file.creators.first { text += "      <creator>\(escaped(creator))</creator>\n" }
            if let duration = file.duration { text += "      <duration>\(Int((duration * 1000).rounded()))</duration>\n" }
            text += "      <trackNum>\(index + 1)</trackNum>\n    </track>\n"
        }
        return text + "  </trackList>\n</playlist>\n"
    }

    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    private static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case _ where scalar.value < 0x20 && scalar != "\t": out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
