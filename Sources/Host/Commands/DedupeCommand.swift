import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine maintenance dedupe [--dry-run] [--json]`: one copy per asset and backend in the
/// local library. Of the places an asset is recorded at, the rules keep one — an existing
/// file before a missing one, a canonical name before `Song (1).mp3`, a shorter locator, an
/// older record — and the others are recorded inactive first (everything else in the store
/// refers to the asset, not to a copy; export folders hold hard links or copies of their own),
/// then their files deleted. Library files no location records that are byte-identical to a
/// stored asset are deleted too; unknown ones stay. Refused (exit 3) while a job runs.
struct DedupeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedupe", abstract: "Keep one copy of each asset in the library: record the others inactive and delete their files.")

    @Flag(help: "Print what would be kept and removed; change nothing.") var dryRun = false
    @Flag(help: "Print JSON: {kept: [...], removed: [...], deleted_unrecorded: [...], unknown: [...]}.") var json = false
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        let settings = data.settings()
        guard settings.storeLocation.exists else {
            Output.error("maintenance dedupe", "there is no library at \(settings.directory.root.path) yet")
            throw EngineExit.usage
        }
        // No runner may place or read files meanwhile: this process holds the lock, and on a
        // shared store no job may be running elsewhere either.
        let lock = dryRun ? nil : try settings.directory.lockIdle(command: "maintenance dedupe")
        defer { withExtendedLifetime(lock) {} }
        let store = try await settings.storeLocation.open()
        if !dryRun, let running = try await store.jobs(in: [.running, .pauseRequested]).first {
            Output.error("maintenance dedupe", "refused while job \(running.id) runs (pause or let it finish first)")
            throw EngineExit.cannotRun
        }
        let library = LocalLibrary(root: settings.directory.library)
        let scan = try await LibraryScan.run(store: store, library: library)
        func exists(_ location: StoredLocation) -> Bool { library.holds(location.locator, size: location.size) }

        var kept: [StoredLocation] = [], removed: [StoredLocation] = []
        for group in scan.duplicates where group[0].backendKind == "local_fs" {
            let keep = LibraryScan.keeper(of: group, exists: exists)
            kept.append(keep)
            removed += group.filter { $0.id != keep.id }
        }
        // An unrecorded copy goes only while its asset has a healthy recorded copy in the library.
        let held = Set(scan.locations.filter { $0.state == "active" && $0.backend == LocalLibrary.backendName && exists($0) }.map(\.assetID))
        let copies = scan.unrecorded.filter { file in file.assets.contains { held.contains($0) } }
        let unknown = scan.unrecorded.filter { $0.assets.isEmpty }

        if !dryRun {
            for keep in kept {
                let drop = removed.filter { $0.assetID == keep.assetID && $0.backend == keep.backend }
                try await store.keepLocation(keep.id, dropping: drop.map(\.id))
            }
            // The records first: a crash now leaves unrecorded copies, which the next dedupe deletes.
            for location in removed { if let path = library.path(for: location.locator) { unlink(path) } }
            for file in copies { unlink(library.root.appendingPathComponent(file.path).path) }
        }
        if json {
            func row(_ location: StoredLocation) -> JSONValue {
                .object([("asset", .int(location.assetID)), ("id", .int(location.id)), ("locator", .string(location.locator))])
            }
            Output.line(JSONValue.object([
                ("dry_run", .bool(dryRun)), ("kept", .array(kept.map(row))), ("removed", .array(removed.map(row))),
                ("deleted_unrecorded", .array(copies.map { .string($0.path) })), ("unknown", .array(unknown.map { .string($0.path) })),
            ]).serialized())
            return
        }
        let verb = dryRun ? "would remove" : "removed"
        for keep in kept {
            let drop = removed.filter { $0.assetID == keep.assetID && $0.backend == keep.backend }
            Output.line("asset \(keep.assetID): kept \(keep.locator); \(verb) \(drop.map(\.locator).joined(separator: ", "))")
        }
        for file in copies { Output.line("\(dryRun ? "would delete" : "deleted") unrecorded copy \(file.path)") }
        for file in unknown { Output.line("left unknown file \(file.path)") }
        Output.line(
            "\(kept.count) asset(s) kept once, \(removed.count) copy record(s) \(verb), \(copies.count) unrecorded cop(ies) \(dryRun ? "to delete" : "deleted"), \(unknown.count) unknown file(s) left"
                + (dryRun ? " (--dry-run: nothing was changed)" : ""))
    }
}
