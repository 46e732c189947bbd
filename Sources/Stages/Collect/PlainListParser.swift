/// A plain list: one URL or path per line, or `source,URL`; `#` comments and blank lines are
/// ignored; a location already listed is dropped.
enum PlainListParser {
    static func parse(_ text: String, base: PlaylistBase) -> ParsedPlaylist {
        var result = ParsedPlaylist()
        var seen: Set<String> = []
        for (index, rawLine) in text.playlistLines.enumerated() {
            let line = index + 1
            if rawLine.isEmpty || rawLine.hasPrefix("#") { continue }
            var source: String?
            var location = rawLine
            if PlaylistBase.scheme(of: rawLine) == nil, let comma = rawLine.firstIndex(of: ",") {
                let name = rawLine[..<comma].trimmingCharacters(in: .whitespaces)
                if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
                    source = name
                    location = rawLine[rawLine.index(after: comma)...].trimmingCharacters(in: .whitespaces)
                }
            }
            switch base.resolve(location) {
            case .success(let url):
                guard seen.insert(url).inserted else { continue }
                result.entries.append(PlaylistEntry(url: url, source: source, line: line))
            case .failure(let error):
                result.issues.append((line, "\(error)"))
            }
        }
        return result
    }
}
