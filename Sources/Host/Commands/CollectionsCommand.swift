import ArgumentParser
import Engine
import Foundation

/// `engine collections [WORDS] [--source S] [--status S] [--json]`: the catalog's collections —
/// playlists, feeds, folders, bucket prefixes — with how many of their items the library holds
/// and their status (not collected, not downloaded, downloading, partial, downloaded), as the
/// console's collections page lists them.
struct CollectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collections",
        abstract: "List the catalog's collections with their status: not collected, not downloaded, downloading, partial, downloaded.")

    @Option(help: "Only collections of this source.") var source: String?
    @Option(help: "Only collections with this status (\(CollectionStatus.allCases.map(\.rawValue).joined(separator: ", "))).")
    var status: String?
    @Argument(help: "Words the collection's title or locator contains.") var words: [String] = []
    @Flag(help: "Print a JSON array (the shape of /api/collections' rows).") var json = false
    @OptionGroup var data: DataDirOptions

    func validate() throws {
        if let status, CollectionStatus(rawValue: status) == nil {
            throw ValidationError("--status: one of \(CollectionStatus.allCases.map(\.rawValue).joined(separator: ", ")), not '\(status)'")
        }
    }

    func run() async throws {
        let settings = data.settings()
        guard settings.storeLocation.exists else {
            Output.line(json ? "[]" : "no collections: there is no catalog at \(settings.directory.root.path) yet")
            return
        }
        let rows: [CollectionRow]
        do {
            let store = try await settings.storeLocation.open()
            let filter = CollectionFilter(
                source: source, status: status.flatMap(CollectionStatus.init(rawValue:)), keyword: words.isEmpty ? nil : words.joined(separator: " "))
            rows = try await store.collections(filter, limit: Int(Int32.max)).rows
        } catch {
            Output.error("collections", "\(error)")
            throw EngineExit.cannotRun
        }
        if json {
            Output.line(JSONValue.array(rows.map(\.json)).serialized())
            return
        }
        if rows.isEmpty { Output.line("no collections match") }
        for row in rows {
            let name = row.title ?? Redaction.url(row.locator)
            Output.line("\(row.id)  \(row.status.rawValue.replacingOccurrences(of: "_", with: " "))  \(row.downloaded)/\(row.total)  \(name)  [\(row.source), \(row.kind)]")
        }
    }
}
