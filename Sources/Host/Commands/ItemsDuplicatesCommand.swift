import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine items duplicates --acoustic [--json]`: groups of stored items whose acoustic
/// fingerprints say they are one recording (the same song as an MP3 from one playlist and a
/// FLAC from another, or cut differently), each with its similarity score.
struct ItemsDuplicatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicates",
        abstract: "List groups of items that are the same recording, by their acoustic fingerprints (--acoustic).",
        discussion: """
            Two fingerprints are compared by the share of equal bits at their best alignment within \
            15 s: about 0.5 for unrelated audio, near 1.0 for one recording in different encodings. \
            Items without a fingerprint (the fingerprint processor has not run on them: `engine \
            reprocess`) are not compared. --json: an array of {similarity, items: [{key, title, \
            creators, format, sha256, path}]}.
            """)

    @Flag(help: "Compare the items' acoustic fingerprints (the fingerprint processor's results).") var acoustic = false
    @Option(help: "The similarity from which two items are one recording (0.5–1).") var threshold = AcousticMatcher.threshold
    @Flag(help: "Print a JSON array.") var json = false
    @OptionGroup var data: DataDirOptions

    func validate() throws {
        guard acoustic else { throw ValidationError("say how duplicates are found: --acoustic (by the items' acoustic fingerprints)") }
        guard (0.5...1).contains(threshold) else { throw ValidationError("--threshold must be from 0.5 to 1") }
    }

    func run() async throws {
        let settings = data.settings()
        guard settings.storeLocation.exists else {
            Output.line(json ? "[]" : "no duplicates: the library at \(settings.directory.library.path) is empty")
            return
        }
        let entries: [LibraryEntry], records: [ProcessorRecord]
        do {
            let store = try await settings.storeLocation.open()
            entries = try await store.libraryItems(includingUnstored: false)
            records = try await store.assetResults(processor: AcousticFingerprint.processor)
        } catch {
            Output.error("items duplicates", "\(error)")
            throw EngineExit.cannotRun
        }
        let prints = records.compactMap { record in AcousticMatcher.values(record).map { (id: record.assetID, values: $0) } }
        let byAsset = Dictionary(grouping: entries) { $0.file?.assetID ?? -1 }
        let library = LocalLibrary(root: settings.directory.library)
        // Items that share one original (the same bytes) are one asset: listed together, with
        // the asset's acoustic group, or on their own with similarity 1.
        let acoustic = AcousticMatcher.groups(prints, threshold: threshold)
        let grouped = Set(acoustic.flatMap(\.members))
        let groups = acoustic.map { group in (similarity: group.similarity, items: group.members.flatMap { byAsset[$0] ?? [] }) }
            + byAsset.filter { $0.key >= 0 && $0.value.count > 1 && !grouped.contains($0.key) }.sorted { $0.key < $1.key }
            .map { (similarity: 1.0, items: $0.value) }
        if json {
            Output.line(JSONValue.array(groups.map { group in
                .object([("similarity", .double(group.similarity)), ("items", .array(group.items.map { Self.json($0, library: library) }))])
            }).serialized())
            return
        }
        if groups.isEmpty { Output.line("no duplicates among \(prints.count) fingerprinted item file(s)") }
        for (index, group) in groups.enumerated() {
            Output.line("recording \(index + 1) (similarity \(String(format: "%.3f", group.similarity))):")
            for entry in group.items {
                let creators = entry.creators.isEmpty ? "" : entry.creators.joined(separator: ", ") + " — "
                Output.line("    \(entry.source):\(entry.remoteID)  \(creators)\(entry.title)  \(entry.file.map { ItemsListCommand.location($0, library) } ?? "")")
            }
        }
    }

    static func json(_ entry: LibraryEntry, library: LocalLibrary) -> JSONValue {
        .object([
            ("key", .string("\(entry.source):\(entry.remoteID)")), ("title", .string(entry.title)),
            ("creators", .array(entry.creators.map(JSONValue.string))), ("format", entry.file?.format.map(JSONValue.string) ?? .null),
            ("sha256", entry.file.map { .string($0.sha256) } ?? .null), ("path", entry.file.map { ItemsListCommand.path($0, library) } ?? .null),
        ])
    }
}
