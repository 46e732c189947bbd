/// M3U and M3U8: `#EXTINF:<seconds>,<Artist - Title>` before a location; other `#` lines
/// are comments or tags we do not use.
enum M3UParser {
    static func parse(_ text: String, base: PlaylistBase) -> ParsedPlaylist {
        var result = ParsedPlaylist()
        var pending: (line: Int, duration: Double?, title: String?, creators: [String])?
        for (index, rawLine) in text.playlistLines.enumerated() {
            let line = index + 1
            if rawLine.isEmpty { continue }
            if rawLine.hasPrefix("#") {
                if rawLine.uppercased().hasPrefix("#EXTINF:") {
                    if let pending { result.issues.append((pending.line, "#EXTINF is not followed by a location")) }
                    pending = parseExtinf(String(rawLine.dropFirst(8)), line: line, issues: &result.issues)
                } else if rawLine.uppercased().hasPrefix("#PLAYLIST:") {
                    result.title = String(rawLine.dropFirst(10)).trimmingCharacters(in: .whitespaces)
                }
                continue
            }
            switch base.resolve(rawLine) {
            case .success(let url):
                result.entries.append(PlaylistEntry(
                    url: url, title: pending?.title, creators: pending?.creators ?? [], duration: pending?.duration, line: line))
            case .failure(let error):
                result.issues.append((line, "\(error)"))
            }
            pending = nil
        }
        if let pending { result.issues.append((pending.line, "#EXTINF is not followed by a location")) }
        return result
    }

    /// `-1,Artist - Title` or `213 tvg-id="x",Title`: duration, then attributes, then the name.
    private static func parseExtinf(
        _ value: String, line: Int, issues: inout [(line: Int, message: String)]
    ) -> (line: Int, duration: Double?, title: String?, creators: [String]) {
        let comma = value.firstIndex(of: ",")
        let head = comma.map { value[..<$0] } ?? value[...]
        let name = comma.map { String(value[value.index(after: $0)...]) }?.trimmingCharacters(in: .whitespaces) ?? ""
        let durationText = head.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
        var duration: Double?
        if let seconds = Double(durationText) {
            duration = seconds >= 0 ? seconds : nil
        } else {
            issues.append((line, "#EXTINF duration '\(durationText)' is not a number"))
        }
        let (title, creators) = splitArtistTitle(name)
        return (line, duration, title, creators)
    }
}

/// "Artist - Title" → (Title, [Artist]), split on the first ` - ` outside brackets and
/// parentheses ("Band (Live - 1999) - Song" keeps "Band (Live - 1999)" whole); a name without
/// that separator is only a title.
func splitArtistTitle(_ name: String) -> (title: String?, creators: [String]) {
    guard !name.isEmpty else { return (nil, []) }
    var depth = 0
    var index = name.startIndex
    while index < name.endIndex {
        switch name[index] {
        case "(", "[", "{": depth += 1
        case ")", "]", "}": depth = max(0, depth - 1)
        case " " where depth == 0 && name[index...].hasPrefix(" - "):
            let artist = name[..<index].trimmingCharacters(in: .whitespaces)
            let title = name[name.index(index, offsetBy: 3)...].trimmingCharacters(in: .whitespaces)
            guard !artist.isEmpty, !title.isEmpty else { return (name, []) }
            return (title, [artist])
        default: break
        }
        index = name.index(after: index)
    }
    return (name, [])
}

extension String {
    /// Lines without BOM, carriage returns or surrounding whitespace.
    var playlistLines: [String] {
        let text = hasPrefix("\u{FEFF}") ? String(dropFirst()) : self
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}
