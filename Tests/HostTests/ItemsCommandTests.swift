import Foundation
import Testing
import TestSupport

/// `engine items QUERY`, beets-style, over the fixtures stored in a library; the expected sets
/// come from the fixtures themselves (their extensions, ffprobe's tags).
@Suite struct ItemsCommandTests {
    @Test func aQueryListsOnlyTheItemsEveryTermMatches() throws {
        let dataDir = try TemporaryDirectory("data")
        let stored = try Command.engine(["run", "--no-renditions", "--data-dir", dataDir.path, Fixtures.mediaDirectory.path])
        #expect(stored.status == 0, "\(stored.stderr)")
        func titles(_ query: [String]) throws -> Set<String> {
            let result = try Command.engine(["items", "--json", "--data-dir", dataDir.path] + query)
            #expect(result.status == 0, "\(result.stderr)")
            return Set(((try parseJSON(result.stdout) as? [[String: Any]]) ?? []).compactMap { $0["title"] as? String })
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.mediaDirectory.path)
        let videos = names.filter { ["mp4", "mkv", "webm"].contains(($0 as NSString).pathExtension) }
        #expect(try titles(["kind:video"]).count == videos.count)

        // An artist as ffprobe reads it from a fixture's tags.
        let tagged = try #require(try FFprobeReport.of(Fixtures.media("audio-id3.mp3")))
        let artist = try #require(tagged.formatTags["artist"]), title = try #require(tagged.formatTags["title"])
        #expect(try titles(["artist:\(artist.lowercased())"]).contains(title))
        #expect(try titles(["artist:\(artist)", "kind:video"]).isEmpty, "every term must match")
        #expect(try titles([String(title.prefix(4)).uppercased()]).contains(title), "a bare word matches the title")

        let text = try Command.engine(["items", "--data-dir", dataDir.path, "title:\(title)"]).stdout
        let sha = try Command.run("sha256sum", [Fixtures.media("audio-id3.mp3")]).stdout.prefix(12)
        #expect(text.contains("sha256 \(sha)") && text.contains(dataDir.path + "/library/"), "\(text)")

        let unknown = try Command.engine(["items", "--data-dir", dataDir.path, "colour:red"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown field 'colour'"))
    }
}

/// `collection:` and `status:` terms, `engine items remove`, and a listing on a data directory
/// that cannot be written.
@Suite struct ItemsQueryAndRemoveTests {
    func titles(_ query: [String], _ dataDir: TemporaryDirectory) async throws -> Set<String> {
        let result = try await Command.engineAsync(["items", "--json", "--data-dir", dataDir.path] + query)
        #expect(result.status == 0, "\(result.stderr)")
        return Set(((try parseJSON(result.stdout) as? [[String: Any]]) ?? []).compactMap { $0["title"] as? String })
    }

    /// A playlist (a collection) of two fixtures and a file that is not there, plus a loose fixture.
    func ingest(_ dataDir: TemporaryDirectory) async throws {
        let playlist = try dataDir.write(
            "trip.m3u",
            "#EXTM3U\n#PLAYLIST:Road Trip\n\(Fixtures.media("audio-pcm.wav"))\n\(Fixtures.media("audio-vorbis.ogg"))\n/nonexistent/gone.mp3\n")
        let result = try await Command.engineAsync(["run", "--no-renditions", "--data-dir", dataDir.path, playlist, Fixtures.media("audio-aac.m4a")])
        #expect(result.status == 1, "the missing file fails: \(result.stdout)\(result.stderr)")
    }

    @Test func collectionAndStatusTermsSelectItems() async throws {
        let dataDir = try TemporaryDirectory("data")
        try await ingest(dataDir)
        #expect(try await titles(["collection:road"], dataDir) == ["audio-pcm", "audio-vorbis"])
        #expect(try await titles(["status:failed"], dataDir) == ["gone"], "catalog items the library does not hold")
        #expect(try await titles(["status:stored"], dataDir).count == 3)
        #expect(try await titles([], dataDir).count == 3, "a listing without status: shows what the library holds")
        let unknown = try await Command.engineAsync(["items", "--data-dir", dataDir.path, "status:lost"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown status 'lost'"), "\(unknown.stderr)")
    }

    @Test func removeTakesItemsOutOfTheCatalogAndDeletesTheirFilesOnlyWhenAsked() async throws {
        let dataDir = try TemporaryDirectory("data")
        try await ingest(dataDir)
        func path(_ title: String) async throws -> String {
            let result = try await Command.engineAsync(["items", "--json", "--data-dir", dataDir.path, "title:\(title)"])
            let item = try #require((try parseJSON(result.stdout) as? [[String: Any]])?.first)
            return try #require(item["path"] as? String)
        }
        let kept = try await path("audio-pcm"), deleted = try await path("audio-vorbis")

        let removed = try await Command.engineAsync(["items", "remove", "--data-dir", dataDir.path, "title:audio-pcm"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.stdout.contains("removed 1 item(s)"), "\(removed.stdout)")
        #expect(FileManager.default.fileExists(atPath: kept), "without --delete-files the file stays")
        #expect(removed.stdout.contains(kept), "the file left behind is named")

        let withFiles = try await Command.engineAsync(["items", "remove", "--delete-files", "--data-dir", dataDir.path, "collection:road"])
        #expect(withFiles.stdout.contains("removed 1 item(s) from the catalog; 2 file(s) deleted"), "the original and its peaks: \(withFiles.stdout)")
        #expect(!FileManager.default.fileExists(atPath: deleted))
        #expect(!FileManager.default.fileExists(atPath: (deleted as NSString).deletingPathExtension + ".peaks.dat"))
        let left = try await titles([], dataDir)
        #expect(left.count == 1 && !left.contains("audio-pcm") && !left.contains("audio-vorbis"), "\(left)")

        // The same content ingested again is stored again: nothing of the removed records remains.
        let again = try await Command.engineAsync(["run", "--no-renditions", "--json", "--data-dir", dataDir.path, Fixtures.media("audio-vorbis.ogg")])
        #expect((try parseJSON(again.stdout) as? [String: Any])?["stored"] as? Int == 1, "\(again.stdout)")
        #expect(FileManager.default.fileExists(atPath: deleted))
    }

    @Test func removeIsRefusedWhileARunnerHoldsTheDataDirectory() async throws {
        let dataDir = try TemporaryDirectory("data")
        try await ingest(dataDir)
        let lock = open(dataDir.file("runner.lock").path, O_CREAT | O_RDWR, 0o644)
        #expect(flock(lock, LOCK_EX) == 0)
        let refused = try await Command.engineAsync(["items", "remove", "--data-dir", dataDir.path, "audio"])
        close(lock)
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("refused while a job runs"), "\(refused.stderr)")
        #expect(try await titles([], dataDir).count == 3, "nothing was removed")
    }

    /// The database as a run leaves it (its WAL files beside it) and checkpointed (no WAL
    /// file), on a directory that cannot be written: a read-only bind mount when the tests run
    /// as root (root writes through any mode), else a folder without write permission.
    @Test func aListingWorksOnADataDirectoryThatCannotBeWritten() async throws {
        let dataDir = try TemporaryDirectory("data")
        try await ingest(dataDir)
        let expected = try await titles([], dataDir)
        for checkpointed in [false, true] {
            if checkpointed {
                let script = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); c.close()"
                #expect(try Command.run("python3", ["-c", script, dataDir.file("engine.sqlite").path]).status == 0)
                #expect(!FileManager.default.fileExists(atPath: dataDir.file("engine.sqlite-shm").path))
            }
            let readOnly = try TemporaryDirectory("readonly")
            let view: String
            if geteuid() == 0 {
                view = readOnly.path
                #expect(try Command.run("mount", ["--bind", dataDir.path, view]).status == 0)
                #expect(try Command.run("mount", ["-o", "remount,bind,ro", view]).status == 0)
            } else {
                view = dataDir.path
                chmod(view, 0o500)
            }
            let listed = try await Command.engineAsync(["items", "--json", "--data-dir", view])
            let failed = try await Command.engineAsync(["items", "--data-dir", view, "status:failed"])
            if geteuid() == 0 { _ = try Command.run("umount", [view]) } else { chmod(view, 0o700) }
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(Set(((try parseJSON(listed.stdout) as? [[String: Any]]) ?? []).compactMap { $0["title"] as? String }) == expected)
            #expect(failed.stdout.contains("gone"), "\(failed.stdout)\(failed.stderr)")
        }
    }
}
