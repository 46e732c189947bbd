import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine items remove QUERY [--delete-files]`: takes the items a query matches out of the
/// catalog. Files no other item shares lose their records; `--delete-files` deletes them from
/// the library too, else they stay where they are. Refused while a runner holds the data
/// directory (a job runs), which it holds itself meanwhile so that none starts.
struct ItemsRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove the items a query matches from the catalog (--delete-files: their files from the library too)."
    )

    @OptionGroup var data: DataDirOptions

    @Argument(help: "Query terms, as `engine items` takes them (at least one).")
    var query: [String] = []

    @Flag(help: "Delete the removed items' files from the library (those no other item shares).")
    var deleteFiles = false

    func validate() throws {
        guard !query.isEmpty else { throw ValidationError("give a query (`engine items` shows what it matches)") }
        _ = try ItemQuery(query)
    }

    func run() async throws {
        let query = try ItemQuery(query)
        let settings = data.settings()
        let directory = settings.directory
        guard settings.storeLocation.exists else {
            Output.line("nothing to remove: the library at \(directory.library.path) is empty")
            return
        }
        let lock = try directory.lockIdle(command: "items remove")
        defer { withExtendedLifetime(lock) {} }
        let library = LocalLibrary(root: directory.library)
        do {
            let store = try await settings.storeLocation.open()
            let matched = try await store.libraryItems(includingUnstored: query.includesUnstored).filter(query.matches)
            let removed = try await store.removeItems(matched.map(\.itemID))
            var deleted = 0
            var left: [String] = []
            // Library files only: a copy on a storage backend stays there, unrecorded.
            for file in removed.files where file.backend == LocalLibrary.backendName {
                guard let path = library.path(for: file.locator) else { continue }
                if deleteFiles {
                    if unlink(path) == 0 || errno == ENOENT { deleted += 1 } else {
                        Output.error("items remove", "\(path): cannot delete: \(String(errno: errno))")
                    }
                } else if FileManager.default.fileExists(atPath: path) {
                    left.append(path)
                }
            }
            Output.line(
                "removed \(removed.items) item(s) from the catalog"
                    + (deleteFiles ? "; \(deleted) file(s) deleted from the library" : ""))
            if !left.isEmpty {
                Output.line("\(left.count) file(s) stay in the library, no longer recorded (--delete-files deletes them):")
                for path in left { Output.line("  \(path)") }
            }
        } catch {
            Output.error("items remove", "\(error)")
            throw EngineExit.cannotRun
        }
    }
}
