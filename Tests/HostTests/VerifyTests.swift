import Foundation
import GRDB
import Testing
import TestSupport

/// `engine maintenance verify`: stored copies re-hashed; a flipped byte or a lost file found,
/// marked corrupt (its primary mark passed on) and, with `--repair`, restored from the
/// item's source or from the copy on an S3 backend.
@Suite struct VerifyTests {
    let moto = MotoServer.shared

    func engine(_ arguments: [String], _ dataDir: TemporaryDirectory) async throws -> CommandResult {
        try await Command.engineAsync(arguments + ["--data-dir", dataDir.path], environment: moto.environment(prefix: "MOTO"))
    }

    /// Each location's locator, state and primary mark, by backend.
    func locations(_ dataDir: TemporaryDirectory) throws -> [String: (state: String, primary: Bool)] {
        let queue = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        return try queue.read { db in
            var found: [String: (String, Bool)] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT b.name, l.locator, l.state, l.is_primary FROM file_locations l JOIN storage_backends b ON b.id = l.backend_id")
            {
                found["\(row["name"] as String):\(row["locator"] as String)"] = (row["state"], row["is_primary"])
            }
            return found
        }
    }

    static func flipByte(_ path: String, at offset: UInt64 = 5000) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: offset)
        let byte = try handle.read(upToCount: 1)?.first ?? 0
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data([byte ^ 0xFF]))
        try handle.close()
    }

    @Test func aFlippedByteIsFoundMarkedAndRepairedFromTheSource() async throws {
        let dataDir = try TemporaryDirectory("data"), sources = try TemporaryDirectory("sources")
        for name in ["audio-id3.mp3", "audio-aac.m4a", "audio-pcm.wav"] {
            try FileManager.default.copyItem(atPath: Fixtures.media(name), toPath: sources.file(name).path)
        }
        #expect(try await engine(["run", "--no-renditions", "--no-processors", sources.path], dataDir).status == 0)
        let clean = try await engine(["maintenance", "verify", "--json"], dataDir)
        let cleanReport = try parseJSON(clean.stdout) as? [String: Any]
        #expect(clean.status == 0 && cleanReport?["ok"] as? Int == 3, "\(clean.stdout) \(clean.stderr)")

        let library = dataDir.file("library")
        let files = try FileManager.default.subpathsOfDirectory(atPath: library.path).filter { $0.hasSuffix(".mp3") || $0.hasSuffix(".wav") }.sorted()
        let mp3 = try #require(files.first { $0.hasSuffix(".mp3") }), wav = try #require(files.first { $0.hasSuffix(".wav") })
        try Self.flipByte(library.appendingPathComponent(mp3).path)
        try FileManager.default.removeItem(at: library.appendingPathComponent(wav))

        let found = try await engine(["maintenance", "verify", "--json"], dataDir)
        #expect(found.status == 1, "bad copies left: exit 1")
        let report = try #require(try parseJSON(found.stdout) as? [String: Any], "\(found.stderr)")
        #expect(report["corrupt"] as? Int == 1 && report["missing"] as? Int == 1 && report["ok"] as? Int == 1, "\(report)")
        #expect(try locations(dataDir)["library:\(mp3)"]?.state == "corrupt" && locations(dataDir)["library:\(mp3)"]?.primary == false)
        #expect(try locations(dataDir)["library:\(wav)"]?.state == "corrupt")
        let collections = try await engine(["collections", "--json"], dataDir)
        #expect((try parseJSON(collections.stdout) as? [[String: Any]])?.first?["status"] as? String == "partial", "a corrupt copy is not held")

        let repaired = try await engine(["maintenance", "verify", "--repair", "--json"], dataDir)
        #expect(repaired.status == 0, "\(repaired.stdout) \(repaired.stderr)")
        #expect((try parseJSON(repaired.stdout) as? [String: Any])?["repaired"] as? Int == 2, "\(repaired.stdout)")
        #expect(FileManager.default.contents(atPath: library.appendingPathComponent(mp3).path) == FileManager.default.contents(atPath: Fixtures.media("audio-id3.mp3")))
        #expect(FileManager.default.contents(atPath: library.appendingPathComponent(wav).path) == FileManager.default.contents(atPath: Fixtures.media("audio-pcm.wav")))
        let after = try locations(dataDir)
        #expect(after.values.allSatisfy { $0.state == "active" && $0.primary }, "\(after)")
        let sampled = try await engine(["maintenance", "verify", "--sample", "50", "--json"], dataDir)
        #expect((try parseJSON(sampled.stdout) as? [String: Any])?["checked"] as? Int == 2, "half of 3, rounded up: \(sampled.stdout)")
    }

    @Test func aBadLibraryCopyIsRestoredFromItsCopyOnS3() async throws {
        let dataDir = try TemporaryDirectory("data"), sources = try TemporaryDirectory("sources")
        try FileManager.default.copyItem(atPath: Fixtures.media("audio-id3.mp3"), toPath: sources.file("song.mp3").path)
        #expect(try await engine(["run", "--no-renditions", "--no-processors", sources.path], dataDir).status == 0)
        let bucket = try moto.makeBucket()
        #expect(
            try await engine(
                ["backend", "add", "s3", "moto", "--bucket", bucket, "--endpoint", moto.endpoint, "--base-prefix", "lib", "--credential-env-prefix", "MOTO"],
                dataDir
            ).status == 0)
        #expect(try await engine(["upload", "--backend", "moto"], dataDir).status == 0)
        // The source is gone: only the S3 copy can heal the library's.
        try FileManager.default.removeItem(at: sources.file("song.mp3"))
        let s3Copies = try await engine(["maintenance", "verify", "--backend", "moto", "--json"], dataDir)
        #expect((try parseJSON(s3Copies.stdout) as? [String: Any])?["ok"] as? Int == 1, "the object hashed: \(s3Copies.stdout) \(s3Copies.stderr)")

        let stored = try #require(try locations(dataDir).keys.first { $0.hasPrefix("library:") })
        let path = dataDir.file("library").appendingPathComponent(String(stored.dropFirst("library:".count))).path
        try Self.flipByte(path)
        let repaired = try await engine(["maintenance", "verify", "--repair", "--json"], dataDir)
        #expect(repaired.status == 0, "\(repaired.stdout) \(repaired.stderr)")
        let problems = (try parseJSON(repaired.stdout) as? [String: Any])?["problems"] as? [[String: Any]] ?? []
        #expect(problems.count == 1 && (problems.first?["repaired"] as? String)?.contains("backend 'moto'") == true, "\(problems)")
        #expect(FileManager.default.contents(atPath: path) == FileManager.default.contents(atPath: Fixtures.media("audio-id3.mp3")))
    }
}
