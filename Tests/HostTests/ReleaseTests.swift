import Foundation
import Testing
import TestSupport

/// scripts/release.sh and the release's install.sh, upgrade.sh and test/smoke.sh on real
/// installations in temporary prefixes (no systemd here: the scripts start `engine serve`
/// themselves). The older release is engine 0.11.0 (store at v11-processors), built from its
/// commit by scripts/previous-release.sh before the tests run.
@Suite(.serialized, .tags(.slow), .timeLimit(.minutes(10))) struct ReleaseTests {
    static let root = Fixtures.packageRoot
    static let noSystemd = ["MEDIA_ENGINE_NO_SYSTEMD": "1"]
    static let previousSource = root.appendingPathComponent(".build/previous-release/src")

    /// The current commit's release (the debug program), built once for the suite.
    static let current: Result<(folder: TemporaryDirectory, tarball: String), any Error> = Result {
        let folder = try TemporaryDirectory("release")
        return (folder, try build(ProgramNumber.current, binary: Command.engineBinary, out: folder.file("out").path))
    }

    /// The built program's number (`engine --version`'s first line), read once.
    enum ProgramNumber {
        static let current: String =
            (try? Command.engine(["--version"]).stdout).flatMap { $0.split(separator: "\n").first }.map { String($0.dropFirst("engine ".count)) } ?? "?"
    }

    /// scripts/release.sh; `strange` builds under another umask, locale and time zone.
    static func build(_ version: String, binary: String, out: String, source: URL? = nil, strange: Bool = false) throws -> String {
        var arguments = [root.appendingPathComponent("scripts/release.sh").path, version, "--binary", binary, "--out", out]
        if let source { arguments += ["--source", source.path] }
        let built =
            strange
            ? try Command.run("bash", ["-c", "umask 027; exec bash \"$@\"", "release"] + arguments, environment: ["LC_ALL": "C.UTF-8", "TZ": "Pacific/Chatham"])
            : try Command.run("bash", arguments)
        guard built.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "release.sh: \(built.stderr)"]) }
        return built.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Unpacks `tarball` into `into`; the release's folder.
    static func unpack(_ tarball: String, into: URL) throws -> URL {
        try FileManager.default.createDirectory(at: into, withIntermediateDirectories: true)
        let unpacked = try Command.run("tar", ["-xzf", tarball, "-C", into.path])
        guard unpacked.status == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: unpacked.stderr]) }
        let name = URL(fileURLWithPath: tarball).lastPathComponent.replacingOccurrences(of: ".tar.gz", with: "")
        return into.appendingPathComponent(name)
    }

    static func freePort() throws -> Int {
        let script = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
        return Int(try Command.run("python3", ["-c", script]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// An installation in a temporary folder; its background service is stopped at the end.
    final class Installation: Sendable {
        let folder: TemporaryDirectory
        let prefix: String, data: String, port: Int
        var database: String { data + "/engine.sqlite" }
        var engine: String { prefix + "/bin/engine" }

        init() throws {
            folder = try TemporaryDirectory("installed")
            prefix = folder.file("opt/media-engine").path
            data = folder.file("var/lib/media-engine").path
            port = try ReleaseTests.freePort()
        }

        /// Every process the installation started (its services, whatever their pid files say).
        deinit {
            _ = try? Command.run("pkill", ["-KILL", "-f", folder.path])
        }

        func install(from release: URL) throws -> CommandResult {
            try Command.run(
                "bash", [release.path + "/install.sh", "--prefix", prefix, "--data-dir", data, "--port", "\(port)"], environment: ReleaseTests.noSystemd)
        }

        func upgrade(with release: URL, _ extra: [String] = []) throws -> CommandResult {
            try Command.run("bash", [release.path + "/upgrade.sh", "--prefix", prefix] + extra, environment: ReleaseTests.noSystemd)
        }

        func run(_ arguments: [String]) throws -> CommandResult {
            try Command.run(engine, arguments + ["--data-dir", data])
        }

        func sql(_ query: String, _ path: String? = nil) throws -> String {
            try Command.run("sqlite3", [path ?? database, query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Every table's row count and every stored file's checksum: what must survive. Not
        /// `job_workers`, the register of the runners that started (each start adds its own).
        func contents() throws -> String {
            let tables = try sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'job_workers' ORDER BY name"
            ).split(separator: "\n")
            return try tables.map { "\($0) \(try sql("SELECT count(*) FROM \"\($0)\""))" }.joined(separator: "\n") + "\n"
                + checksums().sorted().joined(separator: "\n")
        }

        func checksums() throws -> Set<String> {
            Set(try sql("SELECT sha256 || ' ' || size FROM file_assets").split(separator: "\n").map(String.init))
        }

        /// `jobs submit …`: the job's id (it prints `job N queued`).
        func submit(_ arguments: [String]) throws -> String {
            let submitted = try run(["jobs", "submit"] + arguments)
            let words = submitted.stdout.split(separator: " ")
            guard submitted.status == 0, words.count > 1, words[0] == "job" else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "jobs submit: \(submitted.stdout)\(submitted.stderr)"])
            }
            return String(words[1])
        }

        func jobStatus(_ id: String) throws -> String { try sql("SELECT status FROM job_runs WHERE id = \(id)") }

        func health() throws -> String {
            try Command.run("curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(port)/healthz"]).stdout
        }
    }

    /// Polls `condition` for up to `seconds`.
    static func eventually(_ seconds: Int = 120, _ condition: () throws -> Bool) async throws -> Bool {
        for _ in 0..<(seconds * 10) {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func aReleaseIsCompleteReproducibleAndRefusedWhenAlteredByOneByte() async throws {
        let (folder, tarball) = try Self.current.get()
        let release = try Self.unpack(tarball, into: folder.file("a"))
        let info = try String(contentsOf: release.appendingPathComponent("RELEASE_INFO.txt"), encoding: .utf8)
        let commit = try Command.run("git", ["-C", Self.root.path, "rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(info.contains("version: \(ProgramNumber.current)\n") && info.contains("commit: \(commit)"), "\(info)")
        let migration = try #require(try Command.engine(["--version"]).stdout.split(separator: "\n").first { $0.hasPrefix("schema ") }?.dropFirst(7))
        #expect(info.contains("schema_migration: \(migration)\n") && info.contains("build_date: ") && info.contains("libav: "), "\(info)")
        for file in ["bin/engine", "install.sh", "upgrade.sh", "test/smoke.sh", "lib/release-lib.sh", "scripts/install.sh", "config/dev.yaml", "config/prod.yaml",
            "graphs/s3-transcode.yaml", "fixtures/demo/demo.m3u8", "schema.sql", "schema-postgresql.sql", "migration/v6-rendition-failures_to_\(migration).sql"]
        {
            #expect(FileManager.default.fileExists(atPath: release.appendingPathComponent(file).path), "\(file) is in the release")
        }
        // The schema files are what the program makes (StoreSchemaTests applies these to empty stores).
        #expect(try String(contentsOf: release.appendingPathComponent("schema.sql"), encoding: .utf8) == Command.engine(["store", "schema", "--sql", "--dialect", "sqlite"]).stdout)
        #expect(
            try String(contentsOf: release.appendingPathComponent("schema-postgresql.sql"), encoding: .utf8)
                == Command.engine(["store", "schema", "--sql", "--dialect", "postgresql"]).stdout)
        #expect(
            try String(contentsOf: release.appendingPathComponent("migration/v6-rendition-failures_to_\(migration).sql"), encoding: .utf8)
                == Command.engine(["store", "schema", "--sql", "--dialect", "sqlite", "--from", "v6-rendition-failures"]).stdout)
        // No path of the build machine inside the files (RELEASE_INFO.txt names the commit only).
        // The program here is the suite's debug build, made without release.sh's path maps.
        let leaked = try Command.run("grep", ["-rlF", "--exclude=engine", Self.root.path, release.path])
        #expect(leaked.stdout.isEmpty, "files naming \(Self.root.path): \(leaked.stdout)")

        // A second build of the same commit (another umask, locale and time zone): the same files,
        // bytes, modes, owners and times, apart from the build date.
        let again = try Self.build(ProgramNumber.current, binary: Command.engineBinary, out: folder.file("again").path, strange: true)
        func sums(_ tarball: String) throws -> [String] {
            let unpacked = try Self.unpack(tarball, into: URL(fileURLWithPath: tarball + ".d"))
            return try String(contentsOf: unpacked.appendingPathComponent("SHA256SUMS"), encoding: .utf8).split(separator: "\n")
                .filter { !$0.hasSuffix("  RELEASE_INFO.txt") }.map(String.init)
        }
        #expect(try sums(tarball) == sums(again))
        func listing(_ tarball: String) throws -> String {
            try Command.run("tar", ["-tvzf", tarball]).stdout.split(separator: "\n").filter { !$0.hasSuffix("/RELEASE_INFO.txt") }.joined(separator: "\n")
        }
        #expect(try listing(tarball) == listing(again))

        // One changed byte, or one file too many: refused before anything is written.
        let prefix = folder.file("opt/media-engine").path
        let graph = release.appendingPathComponent("graphs/s3-transcode.yaml")
        var bytes = try Data(contentsOf: graph)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: graph)
        let refused = try Command.run("bash", [release.path + "/install.sh", "--prefix", prefix, "--data-dir", folder.file("data").path], environment: Self.noSystemd)
        #expect(refused.status == 1 && refused.stderr.contains("graphs/s3-transcode.yaml: FAILED") && refused.stderr.contains("nothing was installed"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: prefix) && !FileManager.default.fileExists(atPath: folder.file("data").path))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: graph)
        try Data("#!/bin/sh\n".utf8).write(to: release.appendingPathComponent("bin/helper"))
        let unlisted = try Command.run("bash", [release.path + "/install.sh", "--prefix", prefix, "--data-dir", folder.file("data").path], environment: Self.noSystemd)
        #expect(unlisted.status == 1 && unlisted.stderr.contains("files not in SHA256SUMS: bin/helper"), "\(unlisted.stderr)")
        #expect(!FileManager.default.fileExists(atPath: prefix))
    }

    @Test func anUpgradeFromTheOlderReleaseKeepsEveryItemResumesTheJobAndRollsBackOnDemand() async throws {
        let (folder, tarball) = try Self.current.get()
        let older = try Self.olderRelease(in: folder)
        let newer = try Self.unpack(tarball, into: folder.file("newer-release"))
        let installation = try Installation()
        let installed = try await offPool { try installation.install(from: older) }
        #expect(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
        #expect(installed.stdout.contains("smoke: ok    console /healthz and /api/dashboard"), "\(installed.stdout)")
        #expect(try installation.sql("SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1") == "v11-processors")
        // The units systemd would run (not here): the console with its runner, and the runner alone.
        let serveUnit = try String(contentsOfFile: installation.prefix + "/systemd/media-engine-serve.service", encoding: .utf8)
        #expect(serveUnit.contains("\nExecStart=\"\(installation.prefix)/bin/engine\" serve --data-dir \"\(installation.data)\"\n"), "\(serveUnit)")
        #expect(serveUnit.contains("\nKillSignal=SIGTERM\n") && serveUnit.contains("\nEnvironmentFile=-/etc/media-engine/media-engine-serve.env\n"))
        #expect(serveUnit.contains("\nWantedBy=multi-user.target\n"))
        let workerUnit = try String(contentsOfFile: installation.prefix + "/systemd/media-engine-worker.service", encoding: .utf8)
        #expect(workerUnit.contains("\nExecStart=\"\(installation.prefix)/bin/engine\" worker --data-dir \"\(installation.data)\"\n"), "\(workerUnit)")
        #expect(
            (try? FileManager.default.destinationOfSymbolicLink(atPath: installation.prefix + "/data")) == installation.data,
            "the program directory's data link points at the data")

        // The fixtures ingested by the service's runner, then a job it is working on (its
        // downloads held by the server) when the upgrade stops it.
        let lists = try TemporaryDirectory("lists")
        let fixtures = try lists.write("fixtures.m3u", ["audio-id3.mp3", "audio-vorbis-comments.flac", "audio-pcm.wav"].map { Fixtures.media($0) }.joined(separator: "\n") + "\n")
        let firstJob = try installation.submit(["ingest", "--input", fixtures, "--no-renditions"])
        #expect(try await Self.eventually { try installation.jobStatus(firstJob) == "completed" }, "the first job completes")
        let held = try HeldServer("audio-vorbis.ogg")
        let heldJob = try installation.submit(["ingest", "--input", try held.playlist(2, in: lists), "--no-renditions"])
        #expect(try await Self.eventually { try FileManager.default.contentsOfDirectory(atPath: held.root.path).contains { $0.hasPrefix("held-") } })
        let stored = try installation.checksums()
        #expect(stored.count >= 3, "the three fixtures (and their processors' peaks files)")

        let upgraded = try await offPool { try installation.upgrade(with: newer) }
        #expect(upgraded.status == 0, "\(upgraded.stdout)\(upgraded.stderr)")
        #expect(upgraded.stdout.contains("paused job(s) \(heldJob)") && upgraded.stdout.contains("resumed job \(heldJob)"), "\(upgraded.stdout)")
        #expect(upgraded.stdout.contains("backed up the database at migration v11-processors"), "\(upgraded.stdout)")
        let info = try String(contentsOfFile: installation.prefix + "/RELEASE_INFO.txt", encoding: .utf8)
        #expect(info.contains("version: \(ProgramNumber.current)\n"), "\(info)")
        #expect(try installation.sql("SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1") == "v12-verify")
        #expect(FileManager.default.fileExists(atPath: installation.database + ".bak-v11-processors"))
        #expect(FileManager.default.isExecutableFile(atPath: installation.prefix + "/previous/bin/engine"))
        try held.release()
        #expect(try await Self.eventually { try installation.jobStatus(heldJob) == "completed" }, "the paused job resumes under the new program and completes")
        #expect(try stored.isStrictSubset(of: installation.checksums()), "every stored file's checksum is still there, and the held job's file beside them")

        // On demand: the older program back, its database as it was before the upgrade.
        let rolledBack = try await offPool { try installation.upgrade(with: newer, ["--rollback"]) }
        #expect(rolledBack.status == 0, "\(rolledBack.stdout)\(rolledBack.stderr)")
        #expect(rolledBack.stdout.contains("rolled back from \(ProgramNumber.current) to 0.11.0"), "\(rolledBack.stdout)")
        #expect(try Command.run(installation.engine, ["--version"]).stdout.hasPrefix("engine 0.11.0\n"))
        #expect(try installation.sql("SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1") == "v11-processors")
        #expect(try installation.health().contains("\"ok\""))
    }

    /// A release whose program fails `engine doctor` (and so its smoke test): a wrapper that runs
    /// the real program for everything else.
    static func brokenRelease(in folder: TemporaryDirectory) throws -> URL {
        let broken = try folder.write(
            "broken-engine", "#!/bin/sh\n[ \"$1\" = doctor ] && { echo 'doctor: FAIL broken on purpose'; exit 1; }\nexec \"\(Command.engineBinary)\" \"$@\"\n")
        chmod(broken, 0o755)
        return try unpack(try build(ProgramNumber.current + "-broken", binary: broken, out: folder.file("broken").path), into: folder.file("broken-release"))
    }

    /// The older release, packaged from scripts/previous-release.sh's build.
    static func olderRelease(in folder: TemporaryDirectory) throws -> URL {
        let binary = previousSource.appendingPathComponent(".build/debug/engine").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "\(binary): scripts/previous-release.sh builds it first (the test command runs it)"])
        }
        return try unpack(try build("0.11.0", binary: binary, out: folder.file("older").path, source: previousSource), into: folder.file("older-release"))
    }

    /// From the older release (store at v11) to one whose program fails its smoke test: the new
    /// program's start migrates the store, so only the restored backup lets the old one serve again.
    @Test func anUpgradeWhoseSmokeTestFailsRollsBackByItselfAndTheDataIsAsBefore() async throws {
        let folder = try TemporaryDirectory("release-broken")
        let release = try Self.olderRelease(in: folder)
        let installation = try Installation()
        let installed = try await offPool { try installation.install(from: release) }
        #expect(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
        let lists = try TemporaryDirectory("lists")
        let fixtures = try lists.write("fixtures.m3u", Fixtures.media("audio-id3.mp3") + "\n")
        let id = try installation.submit(["ingest", "--input", fixtures, "--no-renditions"])
        #expect(try await Self.eventually { try installation.jobStatus(id) == "completed" })
        let before = try installation.contents()

        let brokenRelease = try Self.brokenRelease(in: folder)
        let upgraded = try await offPool { try installation.upgrade(with: brokenRelease) }
        #expect(upgraded.status == 1, "\(upgraded.stdout)\(upgraded.stderr)")
        #expect(upgraded.stdout.contains("smoke: FAIL  engine doctor") && upgraded.stdout.contains("rolling back"), "\(upgraded.stdout)")
        #expect(upgraded.stderr.contains("was rolled back"), "\(upgraded.stderr)")
        let info = try String(contentsOfFile: installation.prefix + "/RELEASE_INFO.txt", encoding: .utf8)
        #expect(info.contains("version: 0.11.0\n"), "\(info)")
        #expect(try Command.run(installation.engine, ["--version"]).stdout.hasPrefix("engine 0.11.0\n"))
        #expect(try installation.health().contains("\"ok\""), "the old version serves again")
        let after = try installation.contents()
        #expect(after == before, "the data is as it was:\n\(after)\n---\n\(before)")
        #expect(!FileManager.default.fileExists(atPath: installation.prefix + "/previous"))
    }

    /// The same with a PostgreSQL store: the profile's schema dumped (pg_dump) before the new
    /// program migrates it, and restored (pg_restore) when the upgrade rolls back.
    @Test func aPostgreSQLStoreIsDumpedBeforeTheUpgradeAndRestoredByTheRollback() async throws {
        let cluster = PostgresCluster.shared
        let folder = try TemporaryDirectory("release-pg")
        let release = try Self.olderRelease(in: folder)
        let installation = try Installation()
        let profile = "r\(UUID().uuidString.lowercased().prefix(8))", schema = "engine_\(profile)"
        let environment = Self.noSystemd.merging(cluster.environment) { $1 }
        let installed = try await offPool {
            try Command.run(
                "bash",
                [release.path + "/install.sh", "--prefix", installation.prefix, "--data-dir", installation.data, "--profile", profile,
                    "--port", "\(installation.port)", "--store", cluster.url], environment: environment)
        }
        #expect(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
        let lists = try TemporaryDirectory("lists")
        let fixtures = try lists.write("fixtures.m3u", Fixtures.media("audio-vorbis.ogg") + "\n")
        let submitted = try Command.run(
            installation.engine, ["jobs", "submit", "ingest", "--input", fixtures, "--no-renditions", "--data-dir", installation.data, "--profile", profile],
            environment: cluster.environment)
        let job = try #require(submitted.stdout.split(separator: " ").dropFirst().first.map(String.init), "\(submitted.stdout)\(submitted.stderr)")
        #expect(try await Self.eventually { try cluster.psql("SELECT status FROM \(schema).job_runs WHERE id = \(job)") == "completed" })
        func contents() throws -> String {
            try cluster.psql(
                "SELECT (SELECT count(*) FROM \(schema).items) || ' ' || (SELECT count(*) FROM \(schema).job_events) || ' ' || "
                    + "(SELECT string_agg(sha256, ',' ORDER BY sha256) FROM \(schema).file_assets) || ' ' || "
                    + "(SELECT string_agg(name, ',' ORDER BY name) FROM \(schema).engine_migrations)")
        }
        let before = try contents()
        #expect(before.contains("pg3-processors") && !before.contains("pg4-verify"), "\(before)")

        let brokenRelease = try Self.brokenRelease(in: folder)
        let upgraded = try await offPool {
            try Command.run("bash", [brokenRelease.path + "/upgrade.sh", "--prefix", installation.prefix], environment: environment)
        }
        #expect(upgraded.status == 1, "\(upgraded.stdout)\(upgraded.stderr)")
        #expect(upgraded.stdout.contains("backed up the database at migration pg3-processors"), "\(upgraded.stdout)")
        #expect(FileManager.default.fileExists(atPath: installation.data + "/profiles/\(profile)/\(schema).pgdump.bak-pg3-processors"))
        #expect(upgraded.stdout.contains("rolling back") && upgraded.stderr.contains("was rolled back"), "\(upgraded.stdout)\(upgraded.stderr)")
        #expect(try contents() == before, "the schema as it was before the new program migrated it")
        #expect(try installation.health().contains("\"ok\""), "the old version serves again")
    }
}
