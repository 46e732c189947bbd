import Foundation
import Testing
import TestSupport

/// `collect_only` fills the catalog without downloading; `download_only` then stores what the
/// catalog has and the library lacks, limited to a source.
@Suite struct JobTypesTests {
    @Test func collectOnlyThenDownloadOnlyOfOneSource() throws {
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let files = ["audio-id3.mp3", "audio-pcm.wav", "audio-vorbis.ogg"].map(Fixtures.media)
        let playlist = try lists.write("mixed.txt", "mine,\(files[0])\nmine,\(files[1])\ntheirs,\(files[2])\n")
        func engine(_ arguments: [String]) throws -> CommandResult {
            let result = try Command.engine(arguments + ["--data-dir", dataDir.path])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result
        }
        _ = try engine(["jobs", "submit", "collect_only", "--input", playlist])
        _ = try engine(["worker", "--until-idle"])
        let collected = try #require(try parseJSON(engine(["jobs", "show", "1", "--json"]).stdout) as? [String: Any])
        #expect(collected["status"] as? String == "completed")
        #expect((collected["items"] as? [String: Any])?["succeeded"] as? Int == 3)
        #expect((try parseJSON(engine(["items", "--json"]).stdout) as? [Any])?.isEmpty == true, "nothing downloaded")

        _ = try engine(["jobs", "submit", "download_only", "--source", "mine", "--no-renditions"])
        _ = try engine(["worker", "--until-idle"])
        let stored = try #require(try parseJSON(engine(["items", "--json"]).stdout) as? [[String: Any]])
        #expect(stored.count == 2)
        #expect(Set(stored.compactMap { $0["source"] as? String }) == ["mine"])
        let downloaded = try #require(try parseJSON(engine(["jobs", "show", "2", "--json"]).stdout) as? [String: Any])
        #expect(downloaded["type"] as? String == "download_only")
        #expect((downloaded["items"] as? [String: Any])?["succeeded"] as? Int == 2)
    }

    /// `reprocess` probes what the library holds and makes its renditions again: a profile whose
    /// settings changed replaces the stored file in place (same locator, new bytes, recorded);
    /// an unchanged one leaves it as it was; an item whose original is gone fails, naming it.
    @Test func reprocessRemakesChangedRenditionsInPlace() throws {
        let dataDir = try TemporaryDirectory("data"), files = try TemporaryDirectory("graphs")
        func graph(_ name: String, bitrate: Int) throws -> String {
            try files.write(name, """
                profiles:
                  aac-small: {base: aac-128k, audio_bitrate: \(bitrate)}
                renditions:
                  audio: [aac-small]
                  video: []
                """)
        }
        func engine(_ arguments: [String], status: Int32 = 0) throws -> CommandResult {
            let result = try Command.engine(arguments + ["--data-dir", dataDir.path])
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            return result
        }
        func renditions() throws -> [String: [String: Any]] {
            let items = try #require(try parseJSON(engine(["items", "--json"]).stdout) as? [[String: Any]])
            var byTitle: [String: [String: Any]] = [:]
            for item in items {
                let all = item["renditions"] as? [[String: Any]] ?? []
                #expect(all.count == 1, "one rendition per item: \(all)")
                byTitle[item["path"] as? String ?? ""] = all.first
            }
            return byTitle
        }
        let inputs = ["audio-id3.mp3", "audio-vorbis-comments.flac"].flatMap { ["--input", Fixtures.media($0)] }
        _ = try engine(["run", "--graph", try graph("big.yaml", bitrate: 128000)] + inputs)
        let before = try renditions()
        #expect(before.count == 2)

        func reprocess(_ graphFile: String, job: Int) throws -> [String: Any] {
            _ = try engine(["jobs", "submit", "reprocess", "--graph", graphFile])
            _ = try engine(["worker", "--until-idle"])
            return try #require(try parseJSON(engine(["jobs", "show", "\(job)", "--json"]).stdout) as? [String: Any])
        }
        let same = try reprocess(try graph("same.yaml", bitrate: 128000), job: 2)
        #expect(same["status"] as? String == "completed")
        #expect((same["items"] as? [String: Any])?["succeeded"] as? Int == 2)
        #expect(try renditions().mapValues { $0["sha256"] as? String } == before.mapValues { $0["sha256"] as? String },
                "the same settings make the same bytes: nothing replaced")

        let smaller = try reprocess(try graph("small.yaml", bitrate: 32000), job: 3)
        #expect((smaller["items"] as? [String: Any])?["succeeded"] as? Int == 2, "\(smaller)")
        let after = try renditions()
        for (title, old) in before {
            let new = try #require(after[title])
            let path = try #require(new["path"] as? String)
            #expect(path == old["path"] as? String, "replaced in place")
            #expect(new["sha256"] as? String != old["sha256"] as? String, "\(title): made again with the new settings")
            #expect(try Command.run("sha256sum", [path]).stdout.hasPrefix(new["sha256"] as? String ?? "-"), "the record is the file")
            #expect((new["size"] as? Int ?? .max) < (old["size"] as? Int ?? 0), "\(title): 32 kb/s is smaller")
            #expect(try FFprobeReport.of(path)?.first("audio")?["codec_name"] == "aac")
        }
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: dataDir.file("library").path).filter { $0.contains(".partial-") }
        #expect(leftovers.isEmpty)

        let items = try #require(try parseJSON(engine(["items", "--json"]).stdout) as? [[String: Any]])
        let gone = try #require(items.first?["path"] as? String)
        try FileManager.default.removeItem(atPath: gone)
        let failed = try reprocess(try graph("again.yaml", bitrate: 32000), job: 4)
        #expect((failed["items"] as? [String: Any])?["failed"] as? Int == 1)
        let error = ((failed["failed_items"] as? [[String: Any]])?.first?["error"] as? String) ?? ""
        #expect(error.contains("its original is not in the library") && error.contains(gone), "\(error)")
    }

    /// Job lanes: while an ingest job's downloads are held in flight (the download lane), a
    /// `collect_only` job queued after it runs beside it in the general lane and completes;
    /// a second ingest job waits for the first.
    @Test func aCollectOnlyJobRunsBesideADownloadJob() async throws {
        let server = try HeldServer()
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists")
        let held = try server.playlist(3, in: lists)
        let other = try lists.write("other.txt", Fixtures.media("audio-pcm.wav") + "\n")
        func show(_ id: Int) throws -> [String: Any] {
            try #require(try parseJSON(Command.engine(["jobs", "show", "\(id)", "--json", "--data-dir", dataDir.path]).stdout) as? [String: Any])
        }
        for arguments in [["ingest", "--input", held], ["ingest", "--input", other], ["collect_only", "--input", other]] {
            let submit = try Command.engine(["jobs", "submit"] + arguments + ["--no-renditions", "--stall-timeout", "600", "--data-dir", dataDir.path])
            #expect(submit.status == 0, "\(submit.stderr)")
        }
        let worker = try EngineProcess(["worker", "--until-idle", "--data-dir", dataDir.path])
        try await waitUntil("the collect_only job completes", timeout: .seconds(120)) { try show(3)["status"] as? String == "completed" }
        #expect(try show(1)["status"] as? String == "running", "the download job is still held")
        #expect(try show(2)["status"] as? String == "queued", "a second download job waits for the first")
        try server.release()
        #expect(try await worker.wait(timeout: .seconds(120)) == 0, "\(worker.errors)")
        #expect(try (1...3).map { try show($0)["status"] as? String } == ["completed", "completed", "completed"])
    }
}
