import ArgumentParser
import Engine
import Foundation
import Stages
import Synchronization

/// `engine collect INPUT...`: what the collectors find, without downloading.
struct CollectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "List the items playlists, folders and URLs name (title, creators, duration, URL), without downloading."
    )

    @Flag(help: "Print a JSON array.")
    var json = false

    @Argument(help: "Playlists (M3U, PLS, XSPF, plain list), folders, media files, URLs or s3://BACKEND/PREFIX.")
    var inputs: [String]

    @OptionGroup var data: DataDirOptions

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one INPUT") }
    }

    func run() async throws {
        // The graph's own source, so `collect` lists exactly what `run` would take in.
        // s3:// inputs are listed through the data directory's backends (the store is opened only for them).
        let objectStores = inputs.contains { ObjectURL($0) != nil }
            ? BackendAccess.clients(store: try BackendCommand.store(data, command: "collect")) : nil
        let source = CollectorSource(
            inputs: inputs,
            collector: Collector(downloader: Downloader(), temporaryDirectory: try Self.scratch(data), objectStores: objectStores))
        let problems = Mutex(0)
        var items: [MediaItem] = []
        try await source.produce(
            into: { items.append($0) },
            context: SourceContext { issue in
                Output.error("collect", issue.description)
                problems.withLock { $0 += 1 }
            })
        if json {
            Output.line(JSONValue.array(items.map(Self.json)).serialized())
        } else {
            for item in items {
                let creators = item.creators.isEmpty ? "" : item.creators.joined(separator: ", ") + " — "
                Output.line("\(creators)\(item.title) [\(Format.duration(item.durationHint))] \(item.url)")
            }
        }
        if problems.withLock({ $0 }) > 0 { throw EngineExit.failures }
    }

    /// Where a fetched playlist is kept while it is read: the profile's temp folder when it
    /// can be made (a read-only data dir falls back to the system's).
    static func scratch(_ data: DataDirOptions) throws -> URL {
        let temporary = data.directory.temporary
        return (try? FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)) != nil
            ? temporary : FileManager.default.temporaryDirectory
    }

    static func json(_ item: MediaItem) -> JSONValue {
        .object([
            ("title", .string(item.title)),
            ("creators", .array(item.creators.map(JSONValue.string))),
            ("duration", item.durationHint.map(JSONValue.double) ?? .null),
            ("url", .string(item.url)),
            ("source", .string(item.source)),
            ("remote_id", .string(item.remoteID)),
            ("collection", item.collection.map { .string($0.locator) } ?? .null),
            ("position", item.position.map(JSONValue.int) ?? .null),
        ])
    }
}
