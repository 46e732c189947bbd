import Foundation
import Testing
import TestSupport

/// Content packages: items exported from a `dev` profile and imported into `prod` arrive with
/// every record, processor result and checksum equal; a second import changes nothing; a
/// package with a changed byte or a missing file is refused, naming it, and nothing is written.
@Suite struct PackageTests {
    /// What must survive the trip: `items show --json` without what is each store's own (ids,
    /// absolute paths, times).
    static func comparable(_ json: String) throws -> String {
        var item = try #require(try parseJSON(json) as? [String: Any])
        for key in ["key", "path", "resolve"] { item[key] = nil }
        for list in ["renditions", "derived_files"] {
            item[list] = (item[list] as? [[String: Any]])?.map { file in file.filter { $0.key != "path" } }
        }
        if var processors = item["processors"] as? [String: [String: Any]] {
            for name in processors.keys { processors[name]?["created_at"] = nil }
            item["processors"] = processors
        }
        let data = try JSONSerialization.data(withJSONObject: item, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func itemsMoveFromDevToProdWholeAndOnce() async throws {
        let dataDir = try TemporaryDirectory("data"), out = try TemporaryDirectory("packages")
        func engine(_ arguments: [String], _ profile: String) async throws -> CommandResult {
            try await Command.engineAsync(arguments + ["--data-dir", dataDir.path, "--profile", profile])
        }
        let list = try out.write("list.m3u", [Fixtures.media("audio-cover-art.mp3"), Fixtures.media("audio-vorbis.ogg")].joined(separator: "\n") + "\n")
        #expect(try await engine(["run", list], "dev").status == 0)
        let exported = try await engine(["package", "export", "--to", out.file("out").path], "dev")
        #expect(exported.status == 0, "\(exported.stderr)")
        let again = try await engine(["package", "export", "--to", out.file("out").path], "dev")
        #expect(again.stdout.components(separatedBy: "unchanged").count == 3, "no new version of an unchanged item: \(again.stdout)")

        // Refused whole: one flipped byte, then one missing file.
        let broken = out.file("broken"), missing = out.file("missing")
        try FileManager.default.copyItem(at: out.file("out"), to: broken)
        try FileManager.default.copyItem(at: out.file("out"), to: missing)
        let package = try #require(try FileManager.default.contentsOfDirectory(atPath: broken.path).first)
        let original = broken.appendingPathComponent("\(package)/1/media").appendingPathComponent(
            try #require(try FileManager.default.contentsOfDirectory(atPath: broken.appendingPathComponent("\(package)/1/media").path).first { $0.hasPrefix("original") }))
        var bytes = try Data(contentsOf: original)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: original)
        let flipped = try await engine(["package", "import", broken.path], "prod")
        #expect(flipped.status == 1 && flipped.stderr.contains("media/original") && flipped.stderr.contains("changed"), "\(flipped.stderr)")
        try FileManager.default.removeItem(at: missing.appendingPathComponent("\(package)/1/processors/loudness.json"))
        let gone = try await engine(["package", "import", missing.path], "prod")
        #expect(gone.status == 1 && gone.stderr.contains("processors/loudness.json is missing"), "\(gone.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dataDir.file("profiles/prod").path), "nothing was written")

        let imported = try await engine(["package", "import", out.file("out").path], "prod")
        #expect(imported.status == 0, "\(imported.stderr)")
        let devItems = try #require(try parseJSON(try await engine(["items", "--json"], "dev").stdout) as? [[String: Any]])
        #expect(devItems.count == 2)
        for item in devItems {
            let key = "\(item["source"] as? String ?? ""):\(item["remote_id"] as? String ?? "")"
            let dev = try await engine(["items", "show", key, "--json"], "dev"), prod = try await engine(["items", "show", key, "--json"], "prod")
            #expect(try Self.comparable(dev.stdout) == Self.comparable(prod.stdout), "item \(key): \(dev.stdout)\n---\n\(prod.stdout)")
        }
        let prodItems = try #require(try parseJSON(try await engine(["items", "--json"], "prod").stdout) as? [[String: Any]])
        for item in prodItems {
            let path = try #require(item["path"] as? String)
            let sum = try Command.run("sha256sum", [path]).stdout.prefix(64)
            #expect(String(sum) == item["sha256"] as? String, "\(path)")
        }
        let collections = try await engine(["collections", "--json"], "prod")
        #expect((try parseJSON(collections.stdout) as? [[String: Any]])?.first?["status"] as? String == "downloaded", "\(collections.stdout)")

        let database = dataDir.file("profiles/prod/engine.sqlite").path
        let counts = "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); print([(t, db.execute('SELECT count(*) FROM \"%s\"' % t).fetchone()[0]) for (t,) in db.execute(\"SELECT name FROM sqlite_master WHERE type='table' ORDER BY name\")])"
        let before = try Command.run("python3", ["-c", counts, database]).stdout
        let second = try await engine(["package", "import", out.file("out").path], "prod")
        #expect(second.status == 0 && second.stdout.components(separatedBy: "nothing changed").count == 3, "\(second.stdout)")
        #expect(try Command.run("python3", ["-c", counts, database]).stdout == before, "a second import writes no row")
    }
}
