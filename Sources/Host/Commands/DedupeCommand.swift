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
        let (settings, store) = try await data.existingStore(command: "maintenance dedupe")
        // No runner may place or read files meanwhile: this process holds the lock, and on a
        // shared store no job may be running elsewhere either.
        let lock = dryRun ? nil : try settings.directory.lockIdle(command: "maintenance dedupe")
        defer { withExtendedLifetime(lock) {} }
        do {
            let plan = try await LibraryUpkeep(store: store, library: LocalLibrary(root: settings.directory.library)).plan(dryRun: dryRun)
            Output.line(json ? plan.json.serialized() : plan.text)
        } catch let refused as MaintenanceRefused {
            Output.error("maintenance dedupe", refused.description)
            throw EngineExit.cannotRun
        }
    }
}
