import ArgumentParser
import Engine
import Foundation

/// `engine clean [--dry-run]`: removes what the engine left behind — temp files, partial
/// downloads of items no job will resume, rotated logs (`engine.log.N`) — and says what and
/// how many bytes. Never the library, the database, the current log or a partial a job will
/// go on with.
struct CleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Remove temp files and partial downloads no job will resume; --dry-run lists them.")

    @Flag(help: "List what would be removed, removing nothing.") var dryRun = false
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        let settings = data.settings()
        let directory = settings.directory
        guard settings.storeLocation.exists else {
            Output.line("nothing to clean in \(directory.root.path)")
            return
        }
        let lock = try directory.lockIdle(command: "clean")  // a runner's temp files are in use
        defer { withExtendedLifetime(lock) {} }
        let store: any EngineStore
        do {
            store = try await settings.storeLocation.open()
        } catch {
            Output.error("clean", "\(error)")
            throw EngineExit.cannotRun
        }
        let temporary = directory.temporary
        // Only names the engine gives: a temp folder that holds anything else keeps it.
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []).filter(DataDirectory.isEngineTemporaryFile)
        let leftovers = DataDirectory.leftovers(in: temporary)
        let logs = ((try? FileManager.default.contentsOfDirectory(atPath: directory.logs.path)) ?? [])
            .filter { $0.hasPrefix("engine.log.") && Int($0.dropFirst("engine.log.".count)) != nil }
        let removable = (leftovers + (try await PartialDownloads.closed(in: temporary, store: store))).sorted().map(temporary.appendingPathComponent)
            + logs.sorted().map(directory.logs.appendingPathComponent)
        var bytes: Int64 = 0
        for file in removable {
            let path = file.path
            let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
            if dryRun {
                Output.line("would remove \(path) (\(Format.bytes(size)))")
            } else if unlink(path) == 0 {
                Output.line("removed \(path) (\(Format.bytes(size)))")
            } else {
                Output.error("clean", "\(path): cannot remove")
                continue
            }
            bytes += size
        }
        let kept = names.count - (removable.count - logs.count)
        Output.line(
            (dryRun ? "would remove" : "removed") + " \(removable.count) file(s), \(Format.bytes(bytes))"
                + (kept > 0 ? "; kept \(kept) partial download(s) a job will resume" : ""))
    }
}
