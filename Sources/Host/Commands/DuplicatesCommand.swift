import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine maintenance duplicates [--json]`: what a library collects over the years — assets
/// recorded at more than one active place on one backend (`Song.mp3` and `Song (1).mp3`), and
/// files in the library folder that no location records, each either a byte-identical copy of
/// a known asset or unknown. Reads only.
struct DuplicatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicates", abstract: "List assets stored twice on one backend, and library files no record knows (copies or unknown).")

    @Flag(help: "Print JSON: {duplicates: [...], unrecorded: [...]}.") var json = false
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        let (settings, store) = try await data.existingStore(command: "maintenance duplicates")
        let library = LocalLibrary(root: settings.directory.library)
        if json {
            Output.line(try await LibraryUpkeep(store: store, library: library).duplicates().serialized())
            return
        }
        let scan = try await LibraryScan.run(store: store, library: library)
        let duplicates = scan.duplicates, unrecorded = scan.unrecorded
        for copies in duplicates {
            Output.line("asset \(copies[0].assetID) (\(copies[0].sha256.prefix(12))) on \(copies[0].backend) \(copies.count) times: "
                + copies.map { "\($0.locator)\($0.isPrimary ? " [primary]" : "")" }.joined(separator: ", "))
        }
        for file in unrecorded {
            Output.line("unrecorded \(file.path): " + (file.assets.isEmpty ? "unknown (\(ByteCountText.format(file.size)))" : "a copy of asset \(file.assets.map(String.init).joined(separator: ", "))"))
        }
        Output.line("\(duplicates.count) asset(s) stored more than once on a backend, \(unrecorded.count) unrecorded file(s) in the library")
    }
}
