import Foundation
import Testing
import TestSupport

/// `engine reprocess`: the dry run names exactly the outputs whose key changed (and why) and
/// touches nothing; the run makes only those, and removes the renditions no longer configured;
/// right after, there is nothing to do.
@Suite struct ReprocessCommandTests {
    let dataDir: TemporaryDirectory
    let files: TemporaryDirectory

    init() throws {
        dataDir = try TemporaryDirectory("data")
        files = try TemporaryDirectory("graphs")
    }

    func engine(_ arguments: [String]) throws -> CommandResult {
        let result = try Command.engine(arguments + ["--data-dir", dataDir.path])
        #expect(result.status == 0, "\(arguments): \(result.stdout)\(result.stderr)")
        return result
    }

    func graph(_ name: String, aacBitrate: Int, opus: Bool = true) throws -> String {
        try files.write(name, """
            profiles:
              aac-128k: {base: aac-128k, audio_bitrate: \(aacBitrate)}
            renditions: {audio: [aac-128k\(opus ? ", opus-96k" : "")], video: []}
            """)
    }

    func plan(_ graph: String) throws -> [[String: Any]] {
        try #require(try parseJSON(engine(["reprocess", "--dry-run", "--json", "--graph", graph]).stdout) as? [[String: Any]])
    }

    /// Every rendition by item file name and profile.
    func renditions() throws -> [String: [String: Any]] {
        let items = try #require(try parseJSON(engine(["items", "--json"]).stdout) as? [[String: Any]])
        var all: [String: [String: Any]] = [:]
        for item in items {
            let name = ((item["remote_id"] as? String ?? "") as NSString).lastPathComponent
            for rendition in item["renditions"] as? [[String: Any]] ?? [] { all["\(name) \(rendition["profile"] as? String ?? "")"] = rendition }
        }
        return all
    }

    /// Marks every rendition's record: one made again loses the mark.
    func tamper() throws {
        let script = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE file_assets SET warnings = 'tampered' WHERE kind = 'rendition'\"); c.commit()"
        #expect(try Command.run("python3", ["-c", script, dataDir.file("engine.sqlite").path]).status == 0)
    }

    func libraryDigests() throws -> String {
        try Command.run("sh", ["-c", "cd \"$1\" && find . -type f | sort | xargs -d '\\n' sha256sum", "sh", dataDir.file("library").path]).stdout
    }

    @Test func aChangedProfileIsRemadeAloneAndAnUnconfiguredOneRemoved() throws {
        let inputs = ["audio-id3.mp3", "audio-vorbis-comments.flac"].map(Fixtures.media)
        let first = try graph("first.yaml", aacBitrate: 128_000)
        _ = try engine(["run", "--graph", first] + inputs)
        #expect(try plan(first).isEmpty, "nothing changed: nothing to do")

        let smaller = try graph("smaller.yaml", aacBitrate: 48_000)
        let before = try libraryDigests()
        let changes = try plan(smaller)
        #expect(changes.count == 2, "\(changes)")
        for change in changes {
            #expect(change["action"] as? String == "replace" && change["output"] as? String == "rendition aac-128k", "\(change)")
            #expect(change["reasons"] as? [String] == ["settings changed"], "\(change)")
        }
        let text = try engine(["reprocess", "--dry-run", "--graph", smaller]).stdout
        #expect(text.contains("0 to make, 2 to replace, 0 to remove"), "\(text)")
        #expect(try libraryDigests() == before, "a dry run touches nothing")

        try tamper()
        let old = try renditions()
        _ = try engine(["reprocess", "--graph", smaller])
        let new = try renditions()
        #expect(new.count == 4, "\(new.keys)")
        for (name, rendition) in new {
            let remade = rendition["warnings"] as? [String] != ["tampered"]
            #expect(remade == name.hasSuffix("aac-128k"), "\(name): only the changed profile is made again")
            if remade {
                #expect(rendition["sha256"] as? String != old[name]?["sha256"] as? String, "\(name)")
                let bitrate = try FFprobeReport.of(rendition["path"] as? String ?? "")?.first("audio")?["bit_rate"].flatMap(Int.init)
                #expect((bitrate ?? .max) < 64_000, "\(name): \(bitrate ?? -1)")
            }
        }
        #expect(try plan(smaller).isEmpty, "right after, nothing to do")

        let noOpus = try graph("no-opus.yaml", aacBitrate: 48_000, opus: false)
        let removals = try plan(noOpus)
        #expect(removals.map { $0["output"] as? String } == ["rendition opus-96k", "rendition opus-96k"], "\(removals)")
        #expect(removals.allSatisfy { $0["action"] as? String == "remove" })
        let opusPaths = new.filter { $0.key.hasSuffix("opus-96k") }.compactMap { $0.value["path"] as? String }
        _ = try engine(["reprocess", "--graph", noOpus])
        #expect(try renditions().keys.allSatisfy { $0.hasSuffix("aac-128k") }, "the records are gone")
        #expect(opusPaths.count == 2 && opusPaths.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "and the files")
        #expect(try plan(noOpus).isEmpty)
    }

    /// Processors or renditions turned off are left as they are, not taken out.
    @Test func turnedOffIsNotTakenOut() throws {
        let graph = try graph("g.yaml", aacBitrate: 128_000, opus: false)
        _ = try engine(["run", "--graph", graph, Fixtures.media("audio-id3.mp3")])
        let off = ["ENGINE_RUN_PROCESSORS": "false", "ENGINE_RENDITIONS": "false"]
        let planned = try Command.engine(["reprocess", "--dry-run", "--json", "--graph", graph, "--data-dir", dataDir.path], environment: off)
        #expect((try parseJSON(planned.stdout) as? [Any])?.isEmpty == true, "\(planned.stdout)\(planned.stderr)")
        let ran = try Command.engine(["reprocess", "--graph", graph, "--data-dir", dataDir.path], environment: off)
        #expect(ran.status == 0, "\(ran.stderr)")
        let item = try #require(try parseJSON(engine(["items", "show", "local:file://\(Fixtures.media("audio-id3.mp3"))", "--json"]).stdout) as? [String: Any])
        #expect((item["processors"] as? [String: Any])?.count == 3 && (item["renditions"] as? [Any])?.count == 1, "\(item)")
    }
}
