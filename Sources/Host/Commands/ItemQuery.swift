import ArgumentParser
import Engine

/// A beets-style query over the catalog: `FIELD:TEXT` terms (artist, title, source,
/// collection, kind, format, status) and bare words that match the title or a creator. Every
/// term must match, case-insensitively; `kind:` and `status:` match whole values, the others
/// parts of them.
struct ItemQuery {
    static let fields = ["artist", "title", "source", "collection", "kind", "format", "status"]
    /// What `status:` matches: `stored` (the library holds it), the catalog status (`pending`,
    /// `failed`, `succeeded`, …), `rendition-failed` and `warnings` (a rendition made with some).
    static let statuses = ["stored", "rendition-failed", "warnings"] + ItemStatus.allCases.map(\.rawValue)

    let terms: [(field: String, text: String)]

    init(_ arguments: [String]) throws {
        terms = try arguments.map { term in
            guard let colon = term.firstIndex(of: ":") else { return ("", term.lowercased()) }
            let field = term[..<colon].lowercased()
            guard Self.fields.contains(field) else {
                throw ValidationError("unknown field '\(field)' in '\(term)' (known: \(Self.fields.joined(separator: ", ")))")
            }
            let text = term[term.index(after: colon)...].lowercased()
            if field == "status", !Self.statuses.contains(text) {
                throw ValidationError("unknown status '\(text)' in '\(term)' (known: \(Self.statuses.joined(separator: ", ")))")
            }
            return (field, text)
        }
    }

    /// Whether the query asks about items the library does not hold (a status other than stored).
    var includesUnstored: Bool {
        terms.contains { $0.field == "status" && !["stored", "rendition-failed", "warnings"].contains($0.text) }
    }

    func matches(_ entry: LibraryEntry) -> Bool {
        let artists = entry.creators.map { $0.lowercased() }
        return terms.allSatisfy { field, text in
            switch field {
            case "artist": artists.contains { $0.contains(text) }
            case "title": entry.title.lowercased().contains(text)
            case "source": entry.source.lowercased().contains(text)
            case "collection": entry.collections.contains { $0.lowercased().contains(text) }
            case "kind": entry.mediaKind?.lowercased() == text
            case "format": entry.file?.format?.lowercased().contains(text) == true
            case "status": Self.statuses(of: entry).contains(text)
            default: entry.title.lowercased().contains(text) || artists.contains { $0.contains(text) }
            }
        }
    }

    static func statuses(of entry: LibraryEntry) -> Set<String> {
        var statuses: Set<String> = [entry.status]
        if entry.file != nil { statuses.insert("stored") }
        if !entry.failedRenditions.isEmpty { statuses.insert("rendition-failed") }
        if entry.renditions.contains(where: { !$0.warnings.isEmpty }) { statuses.insert("warnings") }
        return statuses
    }
}
