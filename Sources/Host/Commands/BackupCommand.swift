import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine backup FILE.tar [--db-only]`: a consistent archive of a profile while a runner may
/// be writing: the database (a `VACUUM INTO` snapshot), the library files it records, the
/// config file, and `MANIFEST.sha256` (`sha256sum` format) over all of them.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Archive the profile (database snapshot, library files, config, SHA-256 manifest) into a tar file.")

    @Argument(help: "The archive to write (a tar file).") var file: String
    @Flag(help: "The database and config only, not the library files.") var dbOnly = false
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        let settings = data.settings()
        let directory = settings.directory
        if case .postgres(let url, let schema) = settings.storeLocation {
            Output.error("backup", "the store is PostgreSQL (\(url), schema \(schema)): back it up with pg_dump --schema \(schema)")
            throw EngineExit.usage
        }
        guard FileManager.default.fileExists(atPath: directory.database.path) else {
            Output.error("backup", "nothing to back up: there is no database at \(directory.database.path)")
            throw EngineExit.usage
        }
        let output = URL(fileURLWithPath: file).standardizedFileURL
        let staging = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).staging-\(getpid())")
        defer { try? FileManager.default.removeItem(at: staging) }
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let snapshot = staging.appendingPathComponent("engine.sqlite").path
            try SQLiteJobStore.snapshot(databaseAt: directory.database.path, to: snapshot)
            var members = ["engine.sqlite"]
            var manifest = ["\(try Self.sha256(snapshot))  engine.sqlite"]
            if let config = settings.configFile {  // the config in use (--config, or the profile's)
                try FileManager.default.copyItem(atPath: config, toPath: staging.appendingPathComponent("config.yaml").path)
                members.append("config.yaml")
                manifest.append("\(try Self.sha256(config))  config.yaml")
            }
            var missing: [String] = []
            if !dbOnly {
                // The library through a link, so that members are named library/<locator>
                // wherever the library lives (tar -h follows it).
                try FileManager.default.createSymbolicLink(at: staging.appendingPathComponent("library"), withDestinationURL: directory.library)
                for recorded in try SQLiteJobStore.recordedFiles(inDatabaseAt: snapshot, backend: LocalLibrary.backendName) {
                    guard FileManager.default.fileExists(atPath: directory.library.appendingPathComponent(recorded.locator).path) else {
                        missing.append(recorded.locator)
                        continue
                    }
                    members.append("library/\(recorded.locator)")
                    manifest.append("\(recorded.sha256)  library/\(recorded.locator)")
                }
            }
            try Data((manifest.joined(separator: "\n") + "\n").utf8).write(to: staging.appendingPathComponent("MANIFEST.sha256"))
            let list = staging.appendingPathComponent(".members")
            try Data((["MANIFEST.sha256"] + members).map { $0 + "\0" }.joined().utf8).write(to: list)
            // The archive holds the database: its owner's only, from its first byte.
            let partial = output.path + ".partial"
            unlink(partial)
            let fd = open(partial, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw DataDirectoryError.cannotCreate(path: partial, reason: String(errno: errno)) }
            close(fd)
            try Tar.run(["-c", "-h", "-f", partial, "-C", staging.path, "--null", "--no-recursion", "-T", list.path])
            guard rename(partial, output.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
            for locator in missing { Output.note("\(locator) is recorded but not in the library: left out") }
            let size = ((try? FileManager.default.attributesOfItem(atPath: output.path))?[.size] as? NSNumber)?.int64Value ?? 0
            Output.line("backup \(output.path): the database, \(members.count - 1) other file(s), \(Format.bytes(size))")
        } catch {
            unlink(output.path + ".partial")
            Output.error("backup", "\(output.path): \(error)")
            throw EngineExit.cannotRun
        }
    }

    static func sha256(_ path: String) throws -> String {
        try FileChecksummer(bufferSize: 1 << 20).sha256(path: path).digest.hex
    }
}
