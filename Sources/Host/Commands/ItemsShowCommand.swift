import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine items show KEY [--explain] [--json]`: one item — what `engine items` says of it,
/// and with `--explain` the resolver's reasoning: every candidate with its scores and verdict,
/// which failed and why (`--json` always includes it, as `resolve`).
struct ItemsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one item (KEY: source:remote_id, or its number); --explain says why its source was chosen."
    )

    @OptionGroup var data: DataDirOptions

    @Argument(help: "The item's key (source:remote_id, as `jobs show` and `items --json` name it) or its catalog number.")
    var key: String

    @Flag(help: "Explain the resolver's choice: every candidate, its scores, and why it was chosen, ranked, rejected or failed.")
    var explain = false

    @Flag(help: "Print a JSON object (with the resolver's trace as `resolve`).")
    var json = false

    func run() async throws {
        let settings = data.settings()
        let directory = settings.directory
        guard settings.storeLocation.exists else {
            Output.error("items show", "no item '\(key)': the library at \(directory.library.path) is empty")
            throw EngineExit.usage
        }
        let entry: LibraryEntry?
        var trace: ResolveTrace?
        do {
            let store = try await settings.storeLocation.open()
            entry = try await store.libraryItem(key: key)
            if let entry { trace = try await store.resolveTrace(itemID: entry.itemID).flatMap(ResolveTrace.decode) }
        } catch {
            Output.error("items show", "\(error)")
            throw EngineExit.cannotRun
        }
        guard let entry else {
            Output.error("items show", "no item '\(key)' in the catalog (`engine items --json` gives each one's source and remote_id)")
            throw EngineExit.usage
        }
        let library = LocalLibrary(root: directory.library)
        if json {
            var object = ItemsListCommand.json(entry, library: library)
            if case .object(var members) = object {
                members.insert(("key", .string("\(entry.source):\(entry.remoteID)")), at: 0)
                members.append(("resolve", trace.map { Self.json($0) } ?? .null))
                object = .object(members)
            }
            Output.line(object.serialized())
            return
        }
        Output.line("\(entry.source):\(entry.remoteID)")
        Output.line(ItemsListCommand.text(entry, library: library))
        if explain {
            Output.line(trace.map { $0.explanation.joined(separator: "\n") } ?? "no resolver trace: the item was downloaded from its own URL")
        }
    }

    /// The trace as the JSON it is stored as, parsed into the output's tree.
    static func json(_ trace: ResolveTrace) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(trace.json.utf8))) ?? .null
    }
}
