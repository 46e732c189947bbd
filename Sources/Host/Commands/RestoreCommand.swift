import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine restore FILE.tar`: an archive `engine backup` wrote, into an empty profile. It is
/// unpacked beside the data first and checked there — only the database, the config, the
/// manifest and regular library files, every one in the manifest with its SHA-256, the
/// database passing `PRAGMA integrity_check` — and only then moved into place: the library
/// files into the profile's library folder, wherever the restored config (or a flag) puts it.
/// A profile or library that holds anything is refused.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a backup into an empty data dir (or profile), verifying every checksum first.")

    @Argument(help: "The archive `engine backup` wrote.") var file: String
    @OptionGroup var data: DataDirOptions

    static let members: Set<String> = ["engine.sqlite", "config.yaml", "MANIFEST.sha256", "library"]

    func run() async throws {
        let settings = data.settings()
        let root = settings.directory.root
        if case .postgres(let url, let schema) = settings.storeLocation {
            return try refuse("the store is PostgreSQL (\(url), schema \(schema)): a backup holds a SQLite store; restore it with --store sqlite")
        }
        guard Self.isEmpty(root) else { return try refuse("\(root.path) is not empty: restore into an empty data dir (or another profile)") }
        guard FileManager.default.fileExists(atPath: file) else { return try refuse("\(file): no such file") }
        let staging = root.appendingPathComponent(".restoring")
        defer { try? FileManager.default.removeItem(at: staging) }
        var problems: [String] = []
        var library = settings.directory.library
        var count = 0
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try Tar.run(["-x", "-f", file, "-C", staging.path, "--no-same-owner", "--no-same-permissions"])
            problems = Self.strangers(in: staging)
            if problems.isEmpty {
                // The restored config's library folder, unless a flag or ENGINE_* says otherwise.
                let config = staging.appendingPathComponent("config.yaml").path
                if settings.origin("library_dir") == .builtIn, FileManager.default.fileExists(atPath: config),
                    let placed = try ConfigFile.load(config, explicit: false).values["library_dir"]
                {
                    library = URL(fileURLWithPath: placed)
                }
                guard Self.isEmpty(library) else { return try refuse("the library \(library.path) is not empty: restore into an empty one") }
                (count, problems) = try Self.verify(staging)
            }
        } catch {
            Output.error("restore", "\(file): \(error)")
            throw EngineExit.cannotRun
        }
        guard problems.isEmpty else {
            for problem in problems { Output.error("restore", problem) }
            Output.error("restore", "nothing restored")
            throw EngineExit.failures
        }
        do {
            let fileManager = FileManager.default
            try fileManager.createDirectory(at: library, withIntermediateDirectories: true)
            for name in ["engine.sqlite", "config.yaml"] where fileManager.fileExists(atPath: staging.appendingPathComponent(name).path) {
                try fileManager.moveItem(at: staging.appendingPathComponent(name), to: root.appendingPathComponent(name))
            }
            let files = staging.appendingPathComponent("library")
            for name in (try? fileManager.contentsOfDirectory(atPath: files.path)) ?? [] {
                try fileManager.moveItem(at: files.appendingPathComponent(name), to: library.appendingPathComponent(name))
            }
        } catch {
            Output.error("restore", "\(file): \(error)")
            throw EngineExit.cannotRun
        }
        Output.line("restored \(file) into \(root.path) (library \(library.path)): \(count) file(s), every SHA-256 as the manifest says; the database passes its integrity check")
    }

    private func refuse(_ message: String) throws {
        Output.error("restore", message)
        throw EngineExit.usage
    }

    /// What an archive of `engine backup` cannot hold: other names at the top, links or
    /// devices anywhere (a link would let the move reach outside the data).
    static func strangers(in staging: URL) -> [String] {
        var problems: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? [] where !members.contains(name) {
            problems.append("\(name): not something a backup holds")
        }
        for name in FileManager.default.enumerator(atPath: staging.path)?.allObjects as? [String] ?? [] {
            var info = stat()
            guard lstat(staging.appendingPathComponent(name).path, &info) == 0 else { continue }
            let kind = info.st_mode & S_IFMT
            let allowed = kind == S_IFREG || (kind == S_IFDIR && (name == "library" || name.hasPrefix("library/")))
            if !allowed { problems.append("\(name): not a regular file (links and devices are refused)") }
        }
        return problems
    }

    /// Every file against the manifest (none missing, none extra) and the database's integrity.
    static func verify(_ staging: URL) throws -> (count: Int, problems: [String]) {
        let manifest = try String(contentsOfFile: staging.appendingPathComponent("MANIFEST.sha256").path, encoding: .utf8)
            .split(separator: "\n").map { (sha256: String($0.prefix(64)), name: String($0.dropFirst(66))) }
        var problems: [String] = []
        for entry in manifest {
            let path = staging.appendingPathComponent(entry.name).path
            guard FileManager.default.fileExists(atPath: path) else {
                problems.append("\(entry.name): missing from the archive")
                continue
            }
            let actual = try FileChecksummer(bufferSize: 1 << 20).sha256(path: path).digest.hex
            if actual != entry.sha256 { problems.append("\(entry.name): SHA-256 \(actual), the manifest says \(entry.sha256)") }
        }
        let listed = Set(manifest.map(\.name) + ["MANIFEST.sha256"])
        for name in FileManager.default.enumerator(atPath: staging.path)?.allObjects as? [String] ?? []
        where !listed.contains(name) && name != "library" && !FileManager.default.isDirectory(staging.appendingPathComponent(name).path) {
            problems.append("\(name): not in the manifest")
        }
        if FileManager.default.fileExists(atPath: staging.appendingPathComponent("engine.sqlite").path) {
            let integrity = try SQLiteJobStore.integrityCheck(at: staging.appendingPathComponent("engine.sqlite").path)
            if integrity != "ok" { problems.append("engine.sqlite: integrity check: \(integrity)") }
        } else {
            problems.append("engine.sqlite: missing from the archive")
        }
        return (manifest.count, problems)
    }

    /// No such folder, or an empty one (the staging folder of this restore aside).
    static func isEmpty(_ folder: URL) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0 != ".restoring" }.isEmpty
    }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }
}
