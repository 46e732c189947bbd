import Foundation
import Testing
import TestSupport

/// `engine export`: collections as folders or one ZIP, never partial.
@Suite struct ExportCommandTests {
    /// Compares a ZIP with export folders, file for file (the manifests are the folders' own):
    /// prints the differences, or `same N` with the number of files.
    static let compareZip = """
        import os, sys, zipfile
        archive, root = zipfile.ZipFile(sys.argv[1]), sys.argv[2]
        assert archive.testzip() is None, "a CRC does not match"
        zipped = {info.filename: archive.read(info) for info in archive.infolist()}
        folder = {}
        for base, _, names in os.walk(root):
            for name in names:
                if name != ".media-engine-export.json":
                    path = os.path.join(base, name)
                    folder[os.path.relpath(path, root)] = open(path, "rb").read()
        diff = sorted(set(zipped) ^ set(folder)) + sorted(n for n in zipped if n in folder and zipped[n] != folder[n])
        print("differ " + ", ".join(diff) if diff else "same %d" % len(zipped))
        """

    @Test func foldersAndAZipHoldTheCollectionsInOrder() throws {
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists"), out = try TemporaryDirectory("out")
        let playlists = [
            "mix": ["audio-cover-art.mp3", "audio-id3.mp3", "audio-aac.m4a"],
            "open": ["audio-vorbis.ogg", "audio-vorbis-comments.flac"],
            "again": ["audio-pcm.wav", "audio-id3.mp3"],
        ]
        var paths: [String] = []
        for (name, files) in playlists.sorted(by: { $0.key < $1.key }) {
            paths.append(try lists.write("\(name).m3u", files.map(Fixtures.media).joined(separator: "\n") + "\n"))
        }
        func engine(_ arguments: [String]) throws -> CommandResult { try Command.engine(arguments + ["--data-dir", dataDir.path]) }
        let run = try engine(["run", "--no-renditions", "--no-processors"] + paths)
        #expect(run.status == 0, "\(run.stderr)")

        let folders = try engine(["export", "mix", "open", "again", "--to", out.file("folders").path])
        #expect(folders.status == 0, "\(folders.stderr)")
        for (name, files) in playlists {
            let folder = out.file("folders/\(name)")
            // The playlist, read back as a collection, lists the same files in the same order.
            let collected = try engine(["collect", "--json", folder.appendingPathComponent("\(name).m3u8").path])
            let items = try #require(try parseJSON(collected.stdout) as? [[String: Any]], "\(collected.stderr)")
            #expect(items.count == files.count, "\(name): \(items)")
            for (item, fixture) in zip(items, files) {
                let path = try #require(URL(string: item["url"] as? String ?? "")?.path)
                #expect(FileManager.default.contents(atPath: path) == FileManager.default.contents(atPath: Fixtures.media(fixture)), "\(name): \(path)")
                var info = stat()
                #expect(stat(path, &info) == 0 && info.st_nlink >= 2, "\(path) is not a hard link of the library's file")
            }
        }
        let cover = FileManager.default.contents(atPath: out.file("folders/mix/cover.jpg").path)
        #expect(cover?.prefix(2) == Data([0xFF, 0xD8]), "the cover art of mix's first item")
        #expect(!FileManager.default.fileExists(atPath: out.file("folders/again/cover.jpg").path))

        let zipped = try engine(["export", "mix", "open", "again", "--zip", out.file("all.zip").path])
        #expect(zipped.status == 0, "\(zipped.stderr)")
        let compared = try Command.run("python3", ["-c", Self.compareZip, out.file("all.zip").path, out.file("folders").path])
        #expect(compared.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "same 11", "\(compared.stdout) \(compared.stderr)")

        // Exporting again changes nothing; a folder that is not an export is never replaced.
        let again = try engine(["export", "mix", "--to", out.file("folders").path, "--json"])
        #expect((try parseJSON(again.stdout) as? [[String: Any]])?.first?["status"] as? String == "unchanged", "\(again.stdout)")
        try FileManager.default.createDirectory(at: out.file("mine/mix"), withIntermediateDirectories: true)
        let refused = try engine(["export", "mix", "--to", out.file("mine").path])
        #expect(refused.status == 1 && refused.stderr.contains("not an export folder"), "\(refused.stderr)")
        let unknown = try engine(["export", "nothing-by-this-name", "--to", out.path])
        #expect(unknown.status == 2 && unknown.stderr.contains("no collection is named"), "\(unknown.stderr)")
    }

    /// Two playlists of one name (in two folders): each keeps its own export folder.
    @Test func collectionsOfOneNameGetFoldersOfTheirOwn() throws {
        let dataDir = try TemporaryDirectory("data"), one = try TemporaryDirectory("one"), two = try TemporaryDirectory("two")
        let out = try TemporaryDirectory("out")
        let first = try one.write("mix.m3u", Fixtures.media("audio-id3.mp3") + "\n")
        let second = try two.write("mix.m3u", Fixtures.media("audio-pcm.wav") + "\n")
        func engine(_ arguments: [String]) throws -> CommandResult { try Command.engine(arguments + ["--data-dir", dataDir.path]) }
        #expect(try engine(["run", "--no-renditions", "--no-processors", first, second]).status == 0)
        let ambiguous = try engine(["export", "mix", "--to", out.path])
        #expect(ambiguous.status == 2 && ambiguous.stderr.contains("names 2 collections"), "\(ambiguous.stderr)")
        let rows = try #require(try parseJSON(try engine(["collections", "--json"]).stdout) as? [[String: Any]])
        let ids = rows.compactMap { $0["id"] as? Int }.sorted()
        #expect(ids.count == 2)
        for id in ids { #expect(try engine(["export", "\(id)", "--to", out.path]).status == 0) }
        for id in ids { #expect(try engine(["export", "\(id)", "--to", out.path]).status == 0, "again: each finds its own folder") }
        let folders = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(folders == ["mix", "mix (\(ids[1]))"], "\(folders)")
        let wav = try FileManager.default.contentsOfDirectory(atPath: out.file("mix (\(ids[1]))").path)
        #expect(wav.contains { $0.hasSuffix(".wav") } && !wav.contains { $0.hasSuffix(".mp3") }, "\(wav)")
    }

    @Test func aCollectionNotReadyIsQueuedAndExportedOnlyWhenComplete() throws {
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists"), out = try TemporaryDirectory("out")
        let later = try lists.write("later.m3u", [Fixtures.media("audio-id3.mp3"), Fixtures.media("audio-aac.m4a")].joined(separator: "\n") + "\n")
        let done = try lists.write("done.m3u", Fixtures.media("audio-pcm.wav") + "\n")
        func engine(_ arguments: [String]) throws -> CommandResult { try Command.engine(arguments + ["--data-dir", dataDir.path]) }
        #expect(try engine(["run", "--no-renditions", "--no-processors", done]).status == 0)
        _ = try engine(["jobs", "submit", "collect_only", "--input", later])
        #expect(try engine(["worker", "--until-idle"]).status == 0)

        let zip = out.file("both.zip").path
        let queued = try engine(["export", "later", "done", "--zip", zip, "--no-wait", "--json"])
        #expect(queued.status == 0, "\(queued.stderr)")
        let jobs = try #require(try parseJSON(queued.stdout) as? [[String: Any]], "\(queued.stdout)")
        #expect(jobs.count == 1 && jobs.first?["status"] as? String == "queued" && jobs.first?["type"] as? String == "download_only", "\(jobs)")
        #expect(!FileManager.default.fileExists(atPath: zip), "nothing is exported while a collection is incomplete")

        // Without --no-wait the queued job runs (no runner holds the data directory), then the export.
        let exported = try engine(["export", "later", "done", "--zip", zip])
        #expect(exported.status == 0, "\(exported.stderr)")
        let listed = try Command.run("python3", ["-c", "import zipfile,sys; print(sorted(zipfile.ZipFile(sys.argv[1]).namelist()))", zip])
        #expect(listed.stdout.contains("later/01 - ") && listed.stdout.contains("later/02 - ") && listed.stdout.contains("done/done.m3u8"), "\(listed.stdout)")
        let jobList = try engine(["jobs", "list", "--json"])
        let downloadJobs = (try parseJSON(jobList.stdout) as? [[String: Any]] ?? []).filter { $0["type"] as? String == "download_only" }
        #expect(downloadJobs.count == 1, "the job queued by --no-wait is the one waited for: \(downloadJobs)")
    }
}
