import Engine
import Foundation
import Testing
import TestSupport

/// `engine backup` while `engine run` ingests, then `engine restore` into an empty data dir:
/// the store passes `PRAGMA integrity_check` and every recorded file has its recorded SHA-256.
/// A tampered archive fails its restore, naming the file.
@Suite struct BackupRestoreTests {
    static let fixtures = ["audio-id3.mp3", "audio-pcm.wav", "audio-vorbis.ogg", "audio-aac.m4a", "audio-vorbis-comments.flac", "video-h264-aac.mp4"]

    func sha256(_ path: String) throws -> String { String(try Command.run("sha256sum", [path]).stdout.prefix(64)) }

    @Test func aBackupTakenWhileARunIngestsRestoresIntact() async throws {
        let served = try TemporaryDirectory("served"), lists = try TemporaryDirectory("lists")
        let dataDir = try TemporaryDirectory("data"), restored = try TemporaryDirectory("restored"), archives = try TemporaryDirectory("archives")
        for name in Self.fixtures { try FileManager.default.copyItem(atPath: Fixtures.media(name), toPath: served.file(name).path) }
        let server = try FaultServer(root: served.url)
        // Six items come at once; the rest wait at the server while its gate file exists, so
        // the backup is taken with the run in the middle, whatever the machine's load. Fewer
        // held items than download workers: in whatever order the items reach the downloads,
        // the held ones cannot take every slot.
        let gate = served.file("hold")
        try Data().write(to: gate)
        let direct = 6, count = 10
        let urls = (0..<count).map { index in
            server.url((index < direct ? "/files/" : "/hold/") + "\(Self.fixtures[index % Self.fixtures.count])?copy=\(index)")
        }
        let playlist = try lists.write("gated.txt", urls.joined(separator: "\n") + "\n")
        let run = try EngineProcess(["run", "--json", "--workers", "6", "--data-dir", dataDir.path, "--input", playlist])
        defer { run.signal(SIGKILL) }

        let deadline = Date().addingTimeInterval(120)
        var stored = 0
        while stored < 3, Date() < deadline, run.isRunning {
            try await Task.sleep(for: .milliseconds(200))
            let listed = try await Command.engineAsync(["items", "--json", "--data-dir", dataDir.path])
            stored = (try? parseJSON(listed.stdout) as? [Any])?.count ?? 0
        }
        #expect(stored >= 3, "\(run.errors)")
        let archive = archives.file("backup.tar").path
        let backup = try await Command.engineAsync(["backup", archive, "--data-dir", dataDir.path])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(run.isRunning, "the backup was taken while the run wrote")
        let mode = try FileManager.default.attributesOfItem(atPath: archive)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600, "the archive holds the database: its owner's only")
        try FileManager.default.removeItem(at: gate)
        try await offPool { run.process.waitUntilExit() }
        #expect(run.process.terminationStatus == 0, "\(run.errors)")

        let restore = try await Command.engineAsync(["restore", archive, "--data-dir", restored.path])
        #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
        let database = restored.file("engine.sqlite").path
        #expect(try SQLiteJobStore.integrityCheck(at: database) == "ok")
        let files = try SQLiteJobStore.recordedFiles(inDatabaseAt: database, backend: "library")
        #expect(!files.isEmpty)
        for file in files {
            #expect(try sha256(restored.file("library/\(file.locator)").path) == file.sha256, "\(file.locator)")
        }
        let items = (try parseJSON(try await Command.engineAsync(["items", "--json", "--data-dir", restored.path]).stdout) as? [Any])?.count ?? 0
        // What was stored when the backup was taken: at least what was seen before it, and none
        // of the held items (their gate was still shut).
        #expect(items >= stored && items <= direct, "\(items)")

        // Into a data dir that holds anything: refused.
        let again = try await Command.engineAsync(["restore", archive, "--data-dir", restored.path])
        #expect(again.status == 2 && again.stderr.contains("is not empty"), "\(again.stderr)")
    }

    @Test func aTamperedArchiveFailsItsRestoreNamingTheFile() async throws {
        let dataDir = try TemporaryDirectory("data"), work = try TemporaryDirectory("work"), restored = try TemporaryDirectory("restored")
        #expect(try await Command.engineAsync(["run", "--no-renditions", "--data-dir", dataDir.path, Fixtures.media("audio-pcm.wav")]).status == 0)
        let archive = work.file("backup.tar").path
        #expect(try await Command.engineAsync(["backup", archive, "--data-dir", dataDir.path]).status == 0)
        // Unpacked, one library file's last byte changed, packed again under the same names.
        let unpacked = work.file("unpacked")
        try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
        #expect(try Command.run("tar", ["-xf", archive, "-C", unpacked.path]).status == 0)
        let member = try #require(try Command.run("tar", ["-tf", archive]).stdout.split(separator: "\n").first { $0.hasPrefix("library/") })
        var bytes = try Data(contentsOf: unpacked.appendingPathComponent(String(member)))
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: unpacked.appendingPathComponent(String(member)))
        let tampered = work.file("tampered.tar").path
        #expect(try Command.run("tar", ["-cf", tampered, "-C", unpacked.path, "."]).status == 0)

        let result = try await Command.engineAsync(["restore", tampered, "--data-dir", restored.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(member): SHA-256"), "\(result.stderr)")
    }

    /// An archive whose `library` is a link (to move someone's folder into the library) is
    /// refused before anything moves; so is a file the manifest does not list.
    @Test func anArchiveWithALinkIsRefusedAndMovesNothing() async throws {
        let work = try TemporaryDirectory("work"), restored = try TemporaryDirectory("restored")
        let victim = work.file("victim")
        try FileManager.default.createDirectory(at: victim, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: victim.appendingPathComponent("letter.txt"))
        let crafted = work.file("crafted")
        try FileManager.default.createDirectory(at: crafted, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: crafted.appendingPathComponent("library"), withDestinationURL: victim)
        try Data().write(to: crafted.appendingPathComponent("MANIFEST.sha256"))
        let archive = work.file("crafted.tar").path
        #expect(try Command.run("tar", ["-cf", archive, "-C", crafted.path, "library", "MANIFEST.sha256"]).status == 0)

        let result = try await Command.engineAsync(["restore", archive, "--data-dir", restored.path])
        #expect(result.status == 1 && result.stderr.contains("library: not a regular file"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: victim.appendingPathComponent("letter.txt").path))
        #expect(!FileManager.default.fileExists(atPath: restored.file("engine.sqlite").path))
    }
}
