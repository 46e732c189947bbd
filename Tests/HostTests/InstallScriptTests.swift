import Foundation
import Testing
import TestSupport

/// scripts/install.sh in a temporary prefix: the program and its resources apart from the data
/// dir, a systemd unit pointing at it; an upgrade replaces the program only (the previous kept)
/// and a rollback brings it back, the data untouched throughout.
@Suite struct InstallScriptTests {
    let script = Fixtures.packageRoot.appendingPathComponent("scripts/install.sh").path

    /// Every file under `path` with its size and modification time.
    func snapshot(_ path: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + name)
            result[name] = "\(attributes[.size] ?? 0) \((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }
        return result
    }

    @Test func installUpgradeAndRollBackWithoutTouchingTheData() async throws {
        let root = try TemporaryDirectory("install")
        let prefix = root.file("opt").path, data = root.file("var/lib/media-engine").path
        let installed = try await offPool { try Command.run("bash", [script, "--prefix", prefix, "--data-dir", data, "--profile", "prod", "--binary", Command.engineBinary]) }
        #expect(installed.status == 0, "\(installed.stderr)")
        let unit = try String(contentsOfFile: prefix + "/systemd/media-engine-worker-prod.service", encoding: .utf8)
        #expect(unit.contains("\nExecStart=\"\(prefix)/bin/engine\" worker --data-dir \"\(data)\" --profile \"prod\"\n"), "\(unit)")
        #expect(unit.contains("\nKillSignal=SIGTERM\n") && unit.contains("\nWantedBy=multi-user.target\n"))
        #expect(FileManager.default.fileExists(atPath: prefix + "/graphs/s3-transcode.yaml"))

        // The installed program finds its demo catalog from any directory, and writes only to the data dir.
        let engine = prefix + "/bin/engine"
        let ran = try await offPool { try Command.run(engine, ["run", "--no-renditions", "--data-dir", data, "--profile", "prod"], directory: root.url) }
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(FileManager.default.fileExists(atPath: data + "/profiles/prod/engine.sqlite"))
        let before = try snapshot(data)
        let programBefore = try snapshot(prefix).filter { !$0.key.hasPrefix("bin/") }

        let upgraded = try await offPool { try Command.run("bash", [script, "--upgrade", "--prefix", prefix, "--binary", Command.engineBinary]) }
        #expect(upgraded.status == 0, "\(upgraded.stderr)")
        #expect(FileManager.default.isExecutableFile(atPath: engine + ".previous"))
        #expect(try snapshot(data) == before, "an upgrade leaves the data as it was")
        #expect(Set(try snapshot(prefix).keys).isSuperset(of: programBefore.keys))

        let rolledBack = try await offPool { try Command.run("bash", [script, "--rollback", "--prefix", prefix]) }
        #expect(rolledBack.status == 0 && rolledBack.stdout.contains("rolled back: engine "), "\(rolledBack.stdout)\(rolledBack.stderr)")
        #expect(!FileManager.default.fileExists(atPath: engine + ".previous"))
        #expect(try Command.run(engine, ["--version"]).status == 0)
        #expect(try snapshot(data) == before)
    }
}
