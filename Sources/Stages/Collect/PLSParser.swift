/// PLS: `[playlist]`, then `FileN=`, `TitleN=`, `LengthN=` keyed by entry number.
enum PLSParser {
    static func parse(_ text: String, base: PlaylistBase) -> ParsedPlaylist {
        var result = ParsedPlaylist()
        var files: [Int: (line: Int, location: String)] = [:]
        var titles: [Int: String] = [:]
        var lengths: [Int: Double] = [:]
        for (index, rawLine) in text.playlistLines.enumerated() {
            let line = index + 1
            if rawLine.isEmpty || rawLine.hasPrefix(";") || rawLine.hasPrefix("#") || rawLine.hasPrefix("[") { continue }
            guard let equals = rawLine.firstIndex(of: "=") else {
                result.issues.append((line, "expected Key=Value"))
                continue
            }
            let key = rawLine[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = rawLine[rawLine.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            for (prefix, kind) in [("file", 0), ("title", 1), ("length", 2)] where key.hasPrefix(prefix) {
                guard let number = Int(key.dropFirst(prefix.count)) else {
                    result.issues.append((line, "'\(key)' has no entry number"))
                    break
                }
                switch kind {
                case 0: files[number] = (line, value)
                case 1: titles[number] = value
                default:
                    if let seconds = Double(value) {
                        if seconds >= 0 { lengths[number] = seconds }
                    } else {
                        result.issues.append((line, "Length\(number) '\(value)' is not a number"))
                    }
                }
            }
        }
        for number in files.keys.sorted() {
            let file = files[number]!
            switch base.resolve(file.location) {
            case .success(let url):
                // A PLS title is kept whole: the format has no creator, and radio titles hold dashes.
                let title = titles[number].flatMap { $0.isEmpty ? nil : $0 }
                result.entries.append(PlaylistEntry(url: url, title: title, duration: lengths[number], line: file.line))
            case .failure(let error):
                result.issues.append((file.line, "\(error)"))
            }
        }
        for number in Set(titles.keys).union(lengths.keys).subtracting(files.keys).sorted() {
            result.issues.append((0, "entry \(number) has a title or length but no File\(number)"))
        }
        return result
    }
}
