import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine items [QUERY]`: what the library holds, optionally only what a beets-style query
/// matches (`artist:adele`, `source:local`, `kind:video`, `format:mp3`, `title:…`, or bare
/// words that match the title or a creator; every term must match, case-insensitively).
struct ItemsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "items",
        abstract: "List the items the library holds (optionally those a query matches: artist:NAME, source:S, kind:audio, …)."
    )

    @OptionGroup var data: DataDirOptions

    @Argument(help: "Query terms: FIELD:TEXT (artist, title, source, kind, format) or bare words (title or artist).")
    var query: [String] = []

    static let fields = ["artist", "title", "source", "kind", "format"]

    func validate() throws {
        for term in query {
            guard let colon = term.firstIndex(of: ":") else { continue }
            let field = term[..<colon].lowercased()
            if !Self.fields.contains(field) {
                throw ValidationError("unknown field '\(field)' in '\(term)' (known: \(Self.fields.joined(separator: ", ")))")
            }
        }
    }

    /// Every term matches `entry`.
    func matches(_ entry: LibraryEntry) -> Bool {
        query.allSatisfy { term in
            let parts = term.split(separator: ":", maxSplits: 1).map { String($0).lowercased() }
            let (field, text) = parts.count == 2 && Self.fields.contains(parts[0]) ? (parts[0], parts[1]) : ("", term.lowercased())
            let artists = entry.creators.map { $0.lowercased() }
            switch field {
            case "artist": return artists.contains { $0.contains(text) }
            case "title": return entry.title.lowercased().contains(text)
            case "source": return entry.source.lowercased().contains(text)
            case "kind": return entry.mediaKind?.lowercased() == text
            case "format": return entry.file.format?.lowercased().contains(text) == true
            default: return entry.title.lowercased().contains(text) || artists.contains { $0.contains(text) }
            }
        }
    }

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() async throws {
        let directory = data.directory
        guard FileManager.default.fileExists(atPath: directory.database.path) else {
            Output.line(json ? "[]" : "the library at \(directory.library.path) is empty (no database yet)")
            return
        }
        let entries: [LibraryEntry]
        do {
            entries = try await SQLiteJobStore(path: directory.database.path).libraryItems().filter(matches)
        } catch {
            Output.error("items", "\(error)")
            throw EngineExit.cannotRun
        }
        let library = LocalLibrary(root: directory.library)
        if json {
            Output.line(JSONValue.array(entries.map { Self.json($0, library: library) }).serialized())
            return
        }
        for entry in entries {
            let creators = entry.creators.isEmpty ? "" : entry.creators.joined(separator: ", ") + " — "
            let path = library.path(for: entry.file.locator) ?? entry.file.locator
            Output.line(
                "\(creators)\(entry.title) [\(Format.duration(entry.duration)), \(Format.bytes(entry.file.size)), sha256 \(entry.file.sha256.prefix(12))] \(path)")
            for rendition in entry.renditions {
                Output.line("    \(rendition.profile): \(rendition.file.locator) (\(Format.bytes(rendition.file.size)))")
            }
        }
    }

    static func json(_ entry: LibraryEntry, library: LocalLibrary) -> JSONValue {
        .object([
            ("title", .string(entry.title)),
            ("creators", .array(entry.creators.map(JSONValue.string))),
            ("duration", entry.duration.map(JSONValue.double) ?? .null),
            ("size", .int(entry.file.size)),
            ("sha256", .string(entry.file.sha256)),
            ("locator", .string(entry.file.locator)),
            ("path", library.path(for: entry.file.locator).map(JSONValue.string) ?? .null),
            ("source", .string(entry.source)),
            ("remote_id", .string(entry.remoteID)),
            ("media_kind", entry.mediaKind.map(JSONValue.string) ?? .null),
            ("format", entry.file.format.map(JSONValue.string) ?? .null),
            ("renditions", .array(entry.renditions.map { rendition in
                .object([
                    ("profile", .string(rendition.profile)),
                    ("size", .int(rendition.file.size)),
                    ("sha256", .string(rendition.file.sha256)),
                    ("locator", .string(rendition.file.locator)),
                    ("path", library.path(for: rendition.file.locator).map(JSONValue.string) ?? .null),
                ])
            })),
        ])
    }
}
