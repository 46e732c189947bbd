import Foundation
import GRDB
import Testing
import TestSupport

/// `engine maintenance duplicates`: an asset recorded at two places on the library, and library
/// files no location records — a byte-identical copy of a known asset, and an unknown file.
@Suite struct DuplicatesTests {
    @Test func copiesAndUnrecordedFilesAreListed() throws {
        let dataDir = try TemporaryDirectory("data")
        func engine(_ arguments: [String]) throws -> CommandResult { try Command.engine(arguments + ["--data-dir", dataDir.path]) }
        #expect(try engine(["run", "--no-renditions", "--no-processors", Fixtures.media("audio-id3.mp3")]).status == 0)
        let library = dataDir.file("library")
        let stored = try #require(try FileManager.default.subpathsOfDirectory(atPath: library.path).first { $0.hasSuffix(".mp3") })
        let copy = (stored as NSString).deletingPathExtension + " (1).mp3"
        // A second recorded place of the same asset (as an older tool's run left it), and two unrecorded files.
        try FileManager.default.copyItem(at: library.appendingPathComponent(stored), to: library.appendingPathComponent(copy))
        let queue = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO file_locations (asset_id, backend_id, locator, state, is_primary) SELECT asset_id, backend_id, ?, 'active', 0 FROM file_locations LIMIT 1",
                arguments: [copy])
        }
        try FileManager.default.copyItem(at: library.appendingPathComponent(stored), to: library.appendingPathComponent("elsewhere.mp3"))
        try Data("not media".utf8).write(to: library.appendingPathComponent("notes.txt"))

        let listed = try engine(["maintenance", "duplicates", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let report = try #require(try parseJSON(listed.stdout) as? [String: Any])
        let duplicates = report["duplicates"] as? [[String: Any]] ?? []
        #expect(duplicates.count == 1, "\(report)")
        let locators = (duplicates.first?["locations"] as? [[String: Any]] ?? []).compactMap { $0["locator"] as? String }
        #expect(Set(locators) == [stored, copy], "\(locators)")
        let unrecorded = report["unrecorded"] as? [[String: Any]] ?? []
        #expect(unrecorded.map { $0["path"] as? String } == ["elsewhere.mp3", "notes.txt"], "\(unrecorded)")
        #expect(unrecorded.first?["copy_of"] as? [Int] == [1] && unrecorded.last?["copy_of"] is NSNull, "\(unrecorded)")
        let text = try engine(["maintenance", "duplicates"])
        #expect(text.stdout.contains("1 asset(s) stored more than once on a backend, 2 unrecorded file(s)"), "\(text.stdout)")
    }
}
