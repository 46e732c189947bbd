import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine items`: what the library holds.
struct ItemsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "items",
        abstract: "List the items the library holds."
    )

    @OptionGroup var data: DataDirOptions

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
            entries = try await SQLiteJobStore(path: directory.database.path).libraryItems()
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
            Output.line("\(creators)\(entry.title) [\(Format.duration(entry.duration)), \(Format.bytes(entry.file.size))] \(entry.file.locator)")
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
