import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine items [QUERY]`: what the library holds, optionally only what a beets-style query
/// matches (`ItemQuery`); `engine items remove QUERY` takes items out of the catalog.
struct ItemsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "items",
        abstract: "List the items the library holds (optionally those a query matches: artist:NAME, status:failed, …), show one, or remove some.",
        subcommands: [ItemsListCommand.self, ItemsShowCommand.self, ItemsRemoveCommand.self, ItemsDuplicatesCommand.self],
        defaultSubcommand: ItemsListCommand.self
    )
}

struct ItemsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the items the library holds (with a status: query, catalog items it does not hold too)."
    )

    @OptionGroup var data: DataDirOptions

    @Argument(help: "Query terms: FIELD:TEXT (\(ItemQuery.fields.joined(separator: ", "))) or bare words (title or artist).")
    var query: [String] = []

    @Flag(help: "Print a JSON array.")
    var json = false

    func validate() throws { _ = try ItemQuery(query) }

    func run() async throws {
        let query = try ItemQuery(query)
        let settings = data.settings()
        let directory = settings.directory
        let location = settings.storeLocation
        guard location.exists else {
            Output.line(json ? "[]" : "the library at \(directory.library.path) is empty (no database yet)")
            return
        }
        let entries: [LibraryEntry]
        do {
            switch location {
            case .sqlite(let path):
                // Read-only: a listing works on a data directory the user may not write.
                entries = try await SQLiteJobStore.readLibraryItems(at: path, includingUnstored: query.includesUnstored).filter(query.matches)
            case .postgres:
                entries = try await location.open().libraryItems(includingUnstored: query.includesUnstored).filter(query.matches)
            }
        } catch {
            Output.error("items", "\(error)")
            throw EngineExit.cannotRun
        }
        let library = LocalLibrary(root: directory.library)
        if json {
            Output.line(JSONValue.array(entries.map { Self.json($0, library: library) }).serialized())
            return
        }
        for entry in entries { Output.line(Self.text(entry, library: library)) }
    }

    static func text(_ entry: LibraryEntry, library: LocalLibrary) -> String {
        let creators = entry.creators.isEmpty ? "" : entry.creators.joined(separator: ", ") + " — "
        guard let file = entry.file else {
            return "\(creators)\(entry.title) [\(entry.status)\(entry.lastError.map { ": \($0)" } ?? "")] \(entry.remoteID)"
        }
        var lines = [
            "\(creators)\(entry.title) [\(Format.duration(entry.duration)), \(Format.bytes(file.size)), sha256 \(file.sha256.prefix(12))] "
                + location(file, library)
        ]
        for rendition in entry.renditions {
            let warned = rendition.warnings.isEmpty ? "" : "; \(rendition.warnings.count) warning(s): \(rendition.warnings.joined(separator: "; "))"
            let place = rendition.file.backend == LocalLibrary.backendName ? rendition.file.locator : location(rendition.file, library)
            lines.append("    \(rendition.profile): \(place) (\(Format.bytes(rendition.file.size))\(warned))")
        }
        for failure in entry.failedRenditions { lines.append("    \(failure.profile): failed: \(failure.error)") }
        return lines.joined(separator: "\n")
    }

    /// A library file's path; a file on another backend as `BACKEND:LOCATOR`.
    static func location(_ file: StoredFile, _ library: LocalLibrary) -> String {
        file.backend == LocalLibrary.backendName ? library.path(for: file.locator) ?? file.locator : "\(file.backend):\(file.locator)"
    }

    /// A library file's path (nil for a file on another backend).
    static func path(_ file: StoredFile, _ library: LocalLibrary) -> JSONValue {
        file.backend == LocalLibrary.backendName ? library.path(for: file.locator).map(JSONValue.string) ?? .null : .null
    }

    static func json(_ entry: LibraryEntry, library: LocalLibrary) -> JSONValue {
        let renditions: [JSONValue] = entry.renditions.map { rendition in
            .object([
                ("profile", .string(rendition.profile)),
                ("size", .int(rendition.file.size)),
                ("sha256", .string(rendition.file.sha256)),
                ("backend", .string(rendition.file.backend)),
                ("locator", .string(rendition.file.locator)),
                ("path", path(rendition.file, library)),
                ("warnings", .array(rendition.warnings.map(JSONValue.string))),
            ])
        }
        let file: [(String, JSONValue)] = [
            ("size", entry.file.map { .int($0.size) } ?? .null),
            ("sha256", entry.file.map { .string($0.sha256) } ?? .null),
            ("backend", entry.file.map { .string($0.backend) } ?? .null),
            ("locator", entry.file.map { .string($0.locator) } ?? .null),
            ("path", entry.file.map { path($0, library) } ?? .null),
        ]
        let failed: [JSONValue] = entry.failedRenditions.map { failure in
            .object([("profile", .string(failure.profile)), ("error", .string(failure.error))])
        }
        return .object([
            ("title", .string(entry.title)),
            ("creators", .array(entry.creators.map(JSONValue.string))),
            ("duration", entry.duration.map(JSONValue.double) ?? .null),
            ("status", .string(entry.status)),
            ("last_error", entry.lastError.map(JSONValue.string) ?? .null),
        ] + file + [
            ("source", .string(entry.source)),
            ("remote_id", .string(entry.remoteID)),
            ("collections", .array(entry.collections.map(JSONValue.string))),
            ("published", entry.published.map { .string(Format.timestamp($0)) } ?? .null),
            ("episode", entry.episode.map(JSONValue.int) ?? .null),
            ("season", entry.season.map(JSONValue.int) ?? .null),
            ("media_kind", entry.mediaKind.map(JSONValue.string) ?? .null),
            ("format", entry.file?.format.map(JSONValue.string) ?? .null),
            ("renditions", .array(renditions)),
            ("failed_renditions", .array(failed)),
        ])
    }
}
