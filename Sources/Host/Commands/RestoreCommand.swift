import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine restore FILE.tar`: an archive `engine backup` wrote, into an empty profile (its data
/// dir, and library folder wherever that is), every file checked against the manifest and the
/// database against `PRAGMA integrity_check`. A profile that holds anything is refused.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a backup into an empty data dir (or profile), verifying every checksum.")

    @Argument(help: "The archive `engine backup` wrote.") var file: String
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        let directory = data.directory
        for folder in [directory.root, directory.library] {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            // The library inside an empty root is the root's own business.
            guard contents.isEmpty || (folder == directory.root && contents == ["library"] && Self.isEmpty(directory.library)) else {
                Output.error("restore", "\(folder.path) is not empty: restore into an empty data dir (or another profile)")
                throw EngineExit.usage
            }
        }
        guard FileManager.default.fileExists(atPath: file) else {
            Output.error("restore", "\(file): no such file")
            throw EngineExit.usage
        }
        var problems: [String] = []
        var checked = 0
        do {
            try directory.prepare()
            // Unpacked beside the data, then moved into place: the library may live elsewhere.
            let staging = directory.root.appendingPathComponent(".restoring")
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            try Tar.run(["-x", "-f", file, "-C", staging.path])
            let fileManager = FileManager.default
            for name in try fileManager.contentsOfDirectory(atPath: staging.path) where name != "library" {
                try fileManager.moveItem(at: staging.appendingPathComponent(name), to: directory.root.appendingPathComponent(name))
            }
            let library = staging.appendingPathComponent("library")
            for name in (try? fileManager.contentsOfDirectory(atPath: library.path)) ?? [] {
                try fileManager.moveItem(at: library.appendingPathComponent(name), to: directory.library.appendingPathComponent(name))
            }
            try fileManager.removeItem(at: staging)
            let manifestPath = directory.root.appendingPathComponent("MANIFEST.sha256").path
            let manifest = try String(contentsOfFile: manifestPath, encoding: .utf8).split(separator: "\n").map { line in
                (sha256: String(line.prefix(64)), name: String(line.dropFirst(66)))
            }
            for entry in manifest {
                let path = entry.name.hasPrefix("library/")
                    ? directory.library.appendingPathComponent(String(entry.name.dropFirst("library/".count))).path
                    : directory.root.appendingPathComponent(entry.name).path
                checked += 1
                guard FileManager.default.fileExists(atPath: path) else {
                    problems.append("\(entry.name): missing from the archive")
                    continue
                }
                let actual = try FileChecksummer(bufferSize: 1 << 20).sha256(path: path).digest.hex
                if actual != entry.sha256 { problems.append("\(entry.name): SHA-256 \(actual), the manifest says \(entry.sha256)") }
            }
            unlink(manifestPath)
            let integrity = try SQLiteJobStore.integrityCheck(at: directory.database.path)
            if integrity != "ok" { problems.append("engine.sqlite: integrity check: \(integrity)") }
        } catch {
            Output.error("restore", "\(file): \(error)")
            throw EngineExit.cannotRun
        }
        for problem in problems { Output.error("restore", problem) }
        guard problems.isEmpty else { throw EngineExit.failures }
        Output.line("restored \(file) into \(directory.root.path): \(checked) file(s), every SHA-256 as the manifest says; the database passes its integrity check")
    }

    static func isEmpty(_ folder: URL) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).isEmpty
    }
}
