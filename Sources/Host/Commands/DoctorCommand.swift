import ArgumentParser
import Engine
import PostgresStore
import Foundation
import Stages

/// `engine doctor [--json]`: what this installation runs on and whether its profiles are sound,
/// one line a check (ok, warn or FAIL); exit 1 when any check fails.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the libraries, codecs, data dir, free space, store, locks, temp leftovers and every profile's paths.")

    @OptionGroup var data: DataDirOptions
    @Flag(help: "Print a JSON array.") var json = false

    struct Check {
        enum Status: String { case ok, warn, fail }
        var name: String
        var status: Status
        var detail: String
    }

    func run() async throws {
        let settings = data.settings()
        let directory = settings.directory
        var checks = [
            Check(name: "libav", status: .ok, detail: RuntimeVersions.libav),
            Check(name: "libcurl", status: .ok, detail: RuntimeVersions.libcurl),
            Check(name: "sqlite", status: .ok, detail: (try? SQLiteJobStore.sqliteVersion()) ?? "unknown"),
            encoders(),
        ]
        checks += Self.folders(directory)
        if case .postgres(let url, let schema) = settings.storeLocation {
            checks.append(await Self.store(url, schema: schema))
        } else {
            checks.append(Self.store(directory))
        }
        checks.append(Self.lock(directory))
        checks.append(Self.leftovers(directory))
        checks += profiles(settings)
        if json {
            Output.line(JSONValue.array(checks.map { .object([("check", .string($0.name)), ("status", .string($0.status.rawValue)), ("detail", .string($0.detail))]) }).serialized())
        } else {
            for check in checks {
                Output.line((check.status == .fail ? "FAIL" : check.status.rawValue).padding(toLength: 6, withPad: " ", startingAt: 0) + "\(check.name): \(check.detail)")
            }
        }
        if checks.contains(where: { $0.status == .fail }) { throw EngineExit.failures }
    }

    /// The encoders the built-in profiles name.
    func encoders() -> Check {
        let profiles = TranscodeProfile.builtIn.values.sorted { $0.name < $1.name }
        let missing = profiles.filter { !$0.missingEncoders.isEmpty }
        guard missing.isEmpty else {
            return Check(
                name: "encoders", status: .fail,
                detail: missing.map { "\($0.name) needs \($0.missingEncoders.joined(separator: ", "))" }.joined(separator: "; "))
        }
        let names = Set(profiles.flatMap { [$0.videoCodec, $0.audioCodec].compactMap { $0 } }).sorted()
        return Check(name: "encoders", status: .ok, detail: "\(names.joined(separator: ", ")) (every built-in profile)")
    }

    /// The profile's folders: writable (or creatable), and the free space on their volumes.
    static func folders(_ directory: DataDirectory) -> [Check] {
        let reserve = DownloadOptions().freeSpaceReserve
        return [("data dir", directory.root), ("library", directory.library), ("temp", directory.temporary)].flatMap { name, folder in
            var existing = folder
            while !FileManager.default.fileExists(atPath: existing.path), existing.path != "/" { existing.deleteLastPathComponent() }
            let writable = access(existing.path, W_OK) == 0
            let made = existing == folder ? "" : " (to be made; \(existing.path) exists)"
            var checks = [Check(name: name, status: writable ? .ok : .fail, detail: "\(folder.path)\(made)" + (writable ? "" : ": not writable"))]
            if let free = try? DiskBudget.statvfsFree(existing.path) {
                let status: Check.Status = free < reserve ? .fail : free < 4 * reserve ? .warn : .ok
                checks.append(Check(
                    name: "\(name) free space", status: status,
                    detail: "\(Format.bytes(free)) free (downloads stop at the \(Format.bytes(reserve)) reserve)"))
            }
            return checks
        }
    }

    /// The PostgreSQL store answers (the login works) and its schema is at the migration this
    /// program writes; nothing is changed.
    static func store(_ url: PostgresStoreURL, schema: String) async -> Check {
        do {
            let applied = try await PostgresJobStore.appliedMigrations(url: url, schema: schema)
            let current = PostgresJobStore.schemaMigration
            if let unknown = applied.first(where: { !PostgresJobStore.knownMigrations.contains($0) }) {
                return Check(name: "store", status: .fail, detail: "\(url) schema \(schema) was written by a newer version (\(unknown))")
            }
            guard applied.last == current else {
                return Check(name: "store", status: applied.isEmpty ? .ok : .warn,
                    detail: "\(url) schema \(schema) is at \(applied.last ?? "no migration"): the next open migrates it to \(current)")
            }
            return Check(name: "store", status: .ok, detail: "\(url) schema \(schema) at \(current)")
        } catch {
            return Check(name: "store", status: .fail, detail: "\(url): \(error)")
        }
    }

    /// The store opens read-only and is at the migration this program writes.
    static func store(_ directory: DataDirectory) -> Check {
        let path = directory.database.path
        guard FileManager.default.fileExists(atPath: path) else { return Check(name: "store", status: .ok, detail: "\(path) (to be made)") }
        do {
            let applied = try SQLiteJobStore.appliedMigrations(at: path)
            let current = SQLiteJobStore.schemaMigration
            if let unknown = applied.first(where: { !SQLiteJobStore.knownMigrations.contains($0) }) {
                return Check(name: "store", status: .fail, detail: "\(path) was written by a newer version (\(unknown)): this one refuses it")
            }
            let at = SQLiteJobStore.knownMigrations.last { applied.contains($0) }
            guard at == current else {
                return Check(
                    name: "store", status: .warn,
                    detail: "\(path) is at \(at ?? "no migration"): the next open migrates it to \(current) (a copy is kept first)")
            }
            return Check(name: "store", status: .ok, detail: "\(path) at \(current)")
        } catch {
            return Check(name: "store", status: .fail, detail: "\(path): \(error)")
        }
    }

    /// Whether a runner holds the profile now.
    static func lock(_ directory: DataDirectory) -> Check {
        guard FileManager.default.fileExists(atPath: directory.lockFile.path) else { return Check(name: "runner lock", status: .ok, detail: "free") }
        do {
            _ = try directory.lockRunner()
            return Check(name: "runner lock", status: .ok, detail: "free")
        } catch {
            return Check(name: "runner lock", status: .ok, detail: "held: \(error)")
        }
    }

    /// Temp files that are not partial downloads: a crashed run's leftovers (`engine clean`).
    static func leftovers(_ directory: DataDirectory) -> Check {
        let names = DataDirectory.leftovers(in: directory.temporary)
        return names.isEmpty
            ? Check(name: "temp leftovers", status: .ok, detail: "none")
            : Check(name: "temp leftovers", status: .warn, detail: "\(names.count) leftover file(s) in \(directory.temporary.path) (`engine clean` removes them)")
    }

    /// Every profile of the data dir with its paths; two that share a database, library, temp
    /// folder or console port fail. The other profiles are read as a runner of theirs would
    /// see them: their own config files, none of this command's flags or profile variables.
    func profiles(_ settings: Settings) -> [Check] {
        let dataDir = settings["data_dir"]!
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dataDir + "/profiles")) ?? []).sorted()
        var environment = ProcessInfo.processInfo.environment
        for key in ["ENGINE_PROFILE", "ENGINE_CONFIG", "ENGINE_LIBRARY_DIR", "ENGINE_TEMP_DIR", "ENGINE_CONSOLE_PORT"] { environment[key] = nil }
        var resolved: [(String, Settings)] = []
        var checks: [Check] = []
        for name in Set(["default", settings["profile"]!] + names).sorted() {
            if name == settings["profile"] { resolved.append((name, settings)); continue }
            do {
                resolved.append((name, try Settings.resolve(flags: ["data_dir": dataDir, "profile": name], environment: environment)))
            } catch {
                checks.append(Check(name: "profile \(name)", status: .fail, detail: "\(error)"))
            }
        }
        for (name, profile) in resolved {
            let directory = profile.directory
            checks.append(Check(
                name: "profile \(name)", status: .ok,
                detail: "database \(directory.database.path), library \(directory.library.path), temp \(directory.temporary.path), port \(profile["console_port"]!)"))
        }
        // Paths with their links resolved; a folder inside another counts as shared. Console
        // ports are compared once a profile sets one (until `engine serve` exists, the default
        // port is nobody's).
        func folders(_ profile: Settings) -> [(String, String)] {
            [("library", Settings.resolved(profile.directory.library.path)), ("temp folder", Settings.resolved(profile.directory.temporary.path))]
        }
        func overlap(_ a: String, _ b: String) -> Bool { a == b || a.hasPrefix(b + "/") || b.hasPrefix(a + "/") }
        for (index, (first, a)) in resolved.enumerated() {
            for (second, b) in resolved[(index + 1)...] {
                var shared: [String] = []
                if Settings.resolved(a.directory.database.path) == Settings.resolved(b.directory.database.path) {
                    shared.append("the database \(a.directory.database.path)")
                }
                for (whatA, pathA) in folders(a) {
                    for (whatB, pathB) in folders(b) where overlap(pathA, pathB) {
                        shared.append(whatA == whatB ? "the \(whatA) \(pathA)" : "\(first)'s \(whatA) \(pathA) and \(second)'s \(whatB) \(pathB)")
                    }
                }
                if a["console_port"] == b["console_port"], a["console_port"] != "0", a.origin("console_port") != .builtIn || b.origin("console_port") != .builtIn {
                    shared.append("the console port \(a["console_port"]!)")
                }
                for what in shared {
                    checks.append(Check(name: "profiles \(first) and \(second)", status: .fail, detail: "share \(what) (give one its own in its config.yaml)"))
                }
            }
        }
        return checks
    }
}
