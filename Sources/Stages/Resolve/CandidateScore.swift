import Foundation

/// How well a candidate matches its item, and how good a copy it is. Confidence first:
/// normalized title similarity (0.7) and creator similarity (0.3; title alone when either side
/// names no creator), with the duration within the tolerance as a gate; then quality: lossless,
/// high bitrate (≥ 256 kb/s), low (a known lower bitrate), unknown; the larger file breaks a
/// tie between equal qualities; then the configured source order.
enum CandidateScore {
    static let lossless: Set<String> = ["flac", "alac", "wav", "aiff", "aif", "ape", "wv", "pcm"]

    enum Quality: Int, Comparable, Sendable {
        case unknown = 0, low, high, lossless

        static func < (a: Quality, b: Quality) -> Bool { a.rawValue < b.rawValue }

        var name: String { ["unknown", "low", "high", "lossless"][rawValue] }
    }

    static func quality(format: String?, bitrate: Double?) -> Quality {
        if let format, lossless.contains(format.lowercased()) { return .lossless }
        guard let bitrate else { return .unknown }
        return bitrate >= 256 ? .high : .low
    }

    /// Lowercased, accents folded, bracketed asides dropped, `&` read as `and`, punctuation
    /// gone, spaces collapsed: `Night Shift (2019 Remaster)` → `night shift`.
    /// `keepingAsides`: the bracketed words stay (a title that is nothing but an aside).
    static func normalize(_ text: String, keepingAsides: Bool = false) -> String {
        var folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
            .lowercased()
        if !keepingAsides { folded = folded.replacingOccurrences(of: "\\([^)]*\\)|\\[[^\\]]*\\]", with: " ", options: .regularExpression) }
        folded = folded.replacingOccurrences(of: "&", with: " and ")
        let kept = folded.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : " " }
        return String(kept).split(separator: " ").joined(separator: " ")
    }

    /// 0…1: the better of word overlap (Dice) and edit distance, on normalized text.
    static func similarity(_ a: String, _ b: String) -> Double {
        var x = normalize(a), y = normalize(b)
        if x.isEmpty || y.isEmpty {
            // Nothing but an aside ("(Interlude)") on a side: the asides count; nothing but symbols
            // ("…"): the text as it is, case aside.
            (x, y) = (normalize(a, keepingAsides: true), normalize(b, keepingAsides: true))
            if x.isEmpty || y.isEmpty { (x, y) = (a.lowercased().trimmingCharacters(in: .whitespaces), b.lowercased().trimmingCharacters(in: .whitespaces)) }
        }
        if x == y { return x.isEmpty ? 0 : 1 }
        let wordsX = Set(x.split(separator: " ")), wordsY = Set(y.split(separator: " "))
        let dice = wordsX.isEmpty || wordsY.isEmpty ? 0 : 2 * Double(wordsX.intersection(wordsY).count) / Double(wordsX.count + wordsY.count)
        let longest = max(x.count, y.count)
        let edit = longest == 0 ? 0 : 1 - Double(levenshtein(Array(x), Array(y))) / Double(longest)
        return max(dice, edit)
    }

    static func levenshtein(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The best match between any of the item's creators and any of the candidate's.
    static func creatorSimilarity(_ item: [String], _ candidate: [String]) -> Double? {
        guard !item.isEmpty, !candidate.isEmpty else { return nil }
        return item.flatMap { mine in candidate.map { similarity(mine, $0) } }.max() ?? 0
    }
}
