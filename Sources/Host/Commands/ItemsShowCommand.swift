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
        var results: [ProcessorRecord] = [], derived: [DerivedFile] = []
        var album: (collection: String, tracks: Int, gain: (gain: Double?, peak: Double))?
        do {
            let store = try await settings.storeLocation.open()
            entry = try await store.libraryItem(key: key)
            if let entry { trace = try await store.resolveTrace(itemID: entry.itemID).flatMap(ResolveTrace.decode) }
            if let asset = entry?.file?.assetID {
                results = try await store.assetResults(assetID: asset)
                derived = try await store.derivedFiles(parentAssetID: asset)
            }
            if let entry { album = try await ReplayGain.album(itemID: entry.itemID, in: store) }
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
                members.append(("processors", .object(results.map { ($0.processor, Self.json($0)) })))
                members.append(("derived_files", .array(derived.map { Self.json($0, library: library) })))
                members.append(("album_gain", album.map { album in
                    .object([
                        ("collection", .string(album.collection)), ("tracks", .int(Int64(album.tracks))),
                        ("replaygain_album_gain_db", album.gain.gain.map(JSONValue.double) ?? .null),
                        ("replaygain_album_peak", .double(album.gain.peak)),
                    ])
                } ?? .null))
                members.append(("resolve", trace.map { Self.json($0) } ?? .null))
                object = .object(members)
            }
            Output.line(object.serialized())
            return
        }
        Output.line("\(entry.source):\(entry.remoteID)")
        Output.line(ItemsListCommand.text(entry, library: library))
        for record in results { Output.line("    \(record.processor): \(Self.summary(record))") }
        if let album {
            Output.line("    album gain (\(album.collection), \(album.tracks) tracks): \(AnalyzeCommand.db(album.gain.gain)), peak \(String(format: "%.6f", album.gain.peak))")
        }
        for file in derived {
            let name = file.name == file.kind.rawValue ? "\(file.name) file" : file.name
            Output.line("    \(name): \(ItemsListCommand.location(file.file, library))")
        }
        if explain {
            Output.line(trace.map { $0.explanation.joined(separator: "\n") } ?? "no resolver trace: the item was downloaded from its own URL")
        }
    }

    /// A processor's result as stored, with the key it was made from and when.
    static func json(_ record: ProcessorRecord) -> JSONValue {
        var result = record.result ?? .null
        if case .object(var members) = result {
            members.append(("made_from", .object([
                ("input_sha256", .string(record.key.input)), ("settings_hash", .string(record.key.settings)), ("tools", .string(record.key.tools)),
            ])))
            members.append(("created_at", .string(record.created)))
            result = .object(members)
        }
        return result
    }

    static func json(_ file: DerivedFile, library: LocalLibrary) -> JSONValue {
        .object([
            ("kind", .string(file.kind.rawValue)), ("name", .string(file.name)), ("size", .int(file.file.size)),
            ("sha256", .string(file.file.sha256)), ("format", file.file.format.map(JSONValue.string) ?? .null),
            ("backend", .string(file.file.backend)), ("locator", .string(file.file.locator)), ("path", ItemsListCommand.path(file.file, library)),
        ])
    }

    /// One line of what a processor found.
    static func summary(_ record: ProcessorRecord) -> String {
        let result = record.result ?? .null
        if case .string(let error) = result["error"] { return "failed: \(error)" }
        switch record.processor {
        case Loudness.processor:
            guard let loudness = Loudness(result: result) else { return "no measurement" }
            return AnalyzeCommand.lufs(loudness.integrated) + ", range \(String(format: "%.1f", loudness.range)) LU, track gain "
                + AnalyzeCommand.db(loudness.trackGain) + ", peak \(String(format: "%.6f", loudness.truePeak))"
        case WaveformPeaks.processor:
            if case .int(let length) = result["length"], case .int(let spp) = result["samples_per_pixel"] { return "\(length) pairs at \(spp) samples per pixel" }
        case SceneCuts.processor:
            if case .array(let cuts) = result["cuts"] {
                let times = cuts.compactMap { cut -> String? in if case .double(let t) = cut["time"] { String(format: "%.2f", t) } else { nil } }
                return "\(cuts.count + 1) scene(s)" + (times.isEmpty ? "" : ", cuts at \(times.joined(separator: ", ")) s")
            }
        case AcousticFingerprint.processor:
            if case .int(let duration) = result["duration"] { return "\(duration) s fingerprinted" }
        default: break
        }
        return "version \(record.version)"
    }

    /// The trace as the JSON it is stored as, parsed into the output's tree.
    static func json(_ trace: ResolveTrace) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(trace.json.utf8))) ?? .null
    }
}
