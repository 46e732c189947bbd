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
        let count = 30
        let playlist = try lists.write(
            "slow.txt", (0..<count).map { server.url("/delay/150/\(Self.fixtures[$0 % Self.fixtures.count])?copy=\($0)") }.joined(separator: "\n") + "\n")
        let run = try EngineProcess(["run", "--json", "--workers", "2", "--data-dir", dataDir.path, "--input", playlist])
        defer { run.signal(SIGKILL) }

        // Once a few items are stored, with the run still going: the backup.
        let deadline = Date().addingTimeInterval(60)
        var stored = 0
        while stored < 4, Date() < deadline, run.isRunning {
            try await Task.sleep(for: .milliseconds(100))
            let listed = try await Command.engineAsync(["items", "--json", "--data-dir", dataDir.path])
            stored = (try? parseJSON(listed.stdout) as? [Any])?.count ?? 0
        }
        let archive = archives.file("backup.tar").path
        let backup = try await Command.engineAsync(["backup", archive, "--data-dir", dataDir.path])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(run.isRunning, "the backup was taken while the run wrote")
        try await offPool { run.process.waitUntilExit() }

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
        #expect(items >= stored && items < count, "the items stored when the backup was taken: \(items)")

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
}
