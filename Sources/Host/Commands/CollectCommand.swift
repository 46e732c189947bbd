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

    @Argument(help: "Playlists (M3U, PLS, XSPF, plain list), feeds (RSS, Atom; feed:URL for one without .rss/.atom/.xml), folders, media files, URLs, s3://BACKEND/PREFIX or catalog:NAME[/ID].")
    var inputs: [String]

    @Option(help: "A graph file whose `sources:` (web catalogs) `catalog:NAME` inputs may name, beside the config file's.")
    var graph: String?

    @OptionGroup var data: DataDirOptions

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one INPUT") }
    }

    func run() async throws {
        // The graph's own source, so `collect` lists exactly what `run` would take in.
        // s3:// inputs are listed through the data directory's backends (the store is opened only for them).
        let objectStores = inputs.contains { ObjectURL($0) != nil }
            ? BackendAccess.clients(store: try await BackendCommand.store(data, command: "collect")) : nil
        let source = CollectorSource(
            inputs: inputs,
            collector: Collector(fetcher: PageFetcher(cache: data.directory.pageCache), objectStores: objectStores, sources: try sources()))
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

    /// The web catalogs `catalog:NAME` inputs may name: the config file's and the graph file's.
    private func sources() throws -> [CatalogSource] {
        var options = JobOptions()
        if let graph { options.graph = graph }
        try options.loadGraph(command: "collect")
        try options.apply(data.settings(), command: "collect")
        return options.sources ?? []
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
            ("published", item.published.map { .string(Format.timestamp($0)) } ?? .null),
            ("episode", item.episode.map(JSONValue.int) ?? .null),
            ("season", item.season.map(JSONValue.int) ?? .null),
        ])
    }
}
