import Foundation
import GRDB
import Testing
import TestSupport

/// `engine maintenance dedupe`: a library seeded with a ` (1)` copy, a content recorded at two
/// paths of which the canonical one is gone, an unrecorded byte-identical copy and an unknown
/// file ends with exactly the rules' choices, every reference valid; refused while a runner
/// holds the data directory.
@Suite struct DedupeTests {
    @Test func oneCopyPerAssetIsKeptByTheRules() async throws {
        let dataDir = try TemporaryDirectory("data")
        func engine(_ arguments: [String]) async throws -> CommandResult { try await Command.engineAsync(arguments + ["--data-dir", dataDir.path]) }
        #expect(try await engine(["run", "--no-renditions", "--no-processors", Fixtures.media("audio-id3.mp3"), Fixtures.media("audio-pcm.wav")]).status == 0)
        let library = dataDir.file("library")
        let files = try FileManager.default.subpathsOfDirectory(atPath: library.path).sorted()
        let mp3 = try #require(files.first { $0.hasSuffix(".mp3") }), wav = try #require(files.first { $0.hasSuffix(".wav") })
        func numbered(_ path: String, _ n: Int) -> String { (path as NSString).deletingPathExtension + " (\(n)).\((path as NSString).pathExtension)" }
        let mp3Copy = numbered(mp3, 1), wavCopy = numbered(wav, 2)
        try FileManager.default.copyItem(at: library.appendingPathComponent(mp3), to: library.appendingPathComponent(mp3Copy))
        try FileManager.default.copyItem(at: library.appendingPathComponent(wav), to: library.appendingPathComponent(wavCopy))
        try FileManager.default.removeItem(at: library.appendingPathComponent(wav))  // the canonical one is gone: the copy stays
        try FileManager.default.copyItem(at: library.appendingPathComponent(mp3), to: library.appendingPathComponent("stray.mp3"))
        try Data("not media".utf8).write(to: library.appendingPathComponent("notes.txt"))
        let database = dataDir.file("engine.sqlite").path
        try await DatabaseQueue(path: database).write { db in
            // The numbered copies recorded as further places, the mp3's numbered one as its primary.
            for (copy, of) in [(mp3Copy, mp3), (wavCopy, wav)] {
                try db.execute(
                    sql: "INSERT INTO file_locations (asset_id, backend_id, locator, state, is_primary) SELECT asset_id, backend_id, ?, 'active', 0 FROM file_locations WHERE locator = ?",
                    arguments: [copy, of])
            }
            try db.execute(sql: "UPDATE file_locations SET is_primary = (locator = ?) WHERE locator IN (?, ?)", arguments: [mp3Copy, mp3, mp3Copy])
        }

        // Refused while a runner holds the data directory.
        let worker = try EngineProcess(["worker", "--data-dir", dataDir.path])
        // The lock file keeps the last holder's pid (the run above): wait for the worker's own.
        let pid = String(worker.process.processIdentifier)
        try await waitUntil("the worker holds the lock", timeout: .seconds(120), every: .milliseconds(100)) {
            (try? String(contentsOf: dataDir.file("runner.lock"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == pid
                || !worker.isRunning
        }
        #expect(worker.isRunning, "\(worker.errors)")
        let refused = try await engine(["maintenance", "dedupe"])
        worker.signal(SIGKILL)  // the lock goes with the process
        _ = try await worker.wait()
        #expect(refused.status == 3 && refused.stderr.contains("refused while a job runs"), "\(refused.stderr)")

        let planned = try await engine(["maintenance", "dedupe", "--dry-run", "--json"])
        #expect(FileManager.default.fileExists(atPath: library.appendingPathComponent(mp3Copy).path), "a dry run changes nothing")
        let done = try await engine(["maintenance", "dedupe", "--json"])
        #expect(done.status == 0, "\(done.stderr)")
        #expect(planned.stdout.replacingOccurrences(of: "\"dry_run\": true", with: "") == done.stdout.replacingOccurrences(of: "\"dry_run\": false", with: ""))
        let report = try #require(try parseJSON(done.stdout) as? [String: Any])
        let kept = (report["kept"] as? [[String: Any]] ?? []).compactMap { $0["locator"] as? String }
        #expect(Set(kept) == [mp3, wavCopy], "canonical name over a numbered copy; an existing file over a missing one: \(kept)")
        #expect(report["deleted_unrecorded"] as? [String] == ["stray.mp3"] && report["unknown"] as? [String] == ["notes.txt"], "\(report)")

        let left = try FileManager.default.subpathsOfDirectory(atPath: library.path).filter { !$0.hasSuffix("/") }.sorted()
        #expect(Set(left).isSuperset(of: [mp3, wavCopy, "notes.txt"]) && !left.contains(mp3Copy) && !left.contains("stray.mp3"), "\(left)")
        try await DatabaseQueue(path: database).read { db in
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            let active = try Row.fetchAll(db, sql: "SELECT asset_id, locator, is_primary FROM file_locations WHERE state = 'active'")
            #expect(active.count == 2 && active.allSatisfy { $0["is_primary"] as Bool }, "\(active)")
            for row in active { #expect(FileManager.default.fileExists(atPath: library.appendingPathComponent(row["locator"] as String).path)) }
        }
        let items = try await engine(["items", "--json"])
        let paths = ((try parseJSON(items.stdout) as? [[String: Any]]) ?? []).compactMap { $0["path"] as? String }
        #expect(paths.count == 2 && paths.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "\(paths)")
        let again = try await engine(["maintenance", "duplicates", "--json"])
        let after = try #require(try parseJSON(again.stdout) as? [String: Any])
        #expect((after["duplicates"] as? [Any])?.isEmpty == true && (after["unrecorded"] as? [[String: Any]])?.count == 1, "\(after)")
    }
}
