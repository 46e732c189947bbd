import Foundation
import Testing
import TestSupport

/// Profiles: isolated environments in one data dir, each with its own database, library,
/// temp and runner lock.
@Suite struct ProfileTests {
    /// Files under `path`, relative, sorted (the SQLite WAL and lock files left out).
    func tree(_ path: String) -> [String] {
        (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter { name in
            var folder: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &folder) && !folder.boolValue
                && !name.hasSuffix("-wal") && !name.hasSuffix("-shm")
        }.sorted()
    }

    @Test func aDevAndAProdProfileRunAtOnceAndNeitherGetsTheOthersFiles() async throws {
        let dataDir = try TemporaryDirectory("data")
        let inputs = [Fixtures.media("audio-pcm.wav"), Fixtures.media("audio-id3.mp3")]
        func run(_ profile: String) async throws -> CommandResult {
            try await Command.engineAsync(["run", "--json", "--no-renditions", "--data-dir", dataDir.path, "--profile", profile] + inputs)
        }
        async let dev = run("dev")
        async let prod = run("prod")
        let (devRun, prodRun) = try await (dev, prod)
        #expect(devRun.status == 0 && prodRun.status == 0, "\(devRun.stderr)\(prodRun.stderr)")

        // The same layout in each profile's folder; nothing of either at the data dir's top.
        let devTree = tree(dataDir.file("profiles/dev").path), prodTree = tree(dataDir.file("profiles/prod").path)
        #expect(devTree == prodTree, "\(devTree) vs \(prodTree)")
        #expect(devTree.contains("engine.sqlite") && devTree.filter { $0.hasPrefix("library/") }.count == 4, "two originals and their peaks: \(devTree)")
        #expect(tree(dataDir.path).allSatisfy { $0.hasPrefix("profiles/dev/") || $0.hasPrefix("profiles/prod/") }, "\(tree(dataDir.path))")

        // Each database records its own library only.
        for profile in ["dev", "prod"] {
            let listed = try await Command.engineAsync(["items", "--json", "--data-dir", dataDir.path, "--profile", profile])
            let paths = (try parseJSON(listed.stdout) as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            #expect(paths.count == 2 && paths.allSatisfy { $0.hasPrefix(dataDir.file("profiles/\(profile)/library/").path) }, "\(paths)")
        }
        // The default profile is the data dir itself, and holds nothing yet.
        let none = try await Command.engineAsync(["items", "--json", "--data-dir", dataDir.path])
        #expect((try parseJSON(none.stdout) as? [Any])?.isEmpty == true, "\(none.stdout)\(none.stderr)")
    }

    /// A profile's backends get its name as their key prefix unless told otherwise.
    @Test func aProfilesNewBackendPutsItsKeysUnderTheProfilesName() throws {
        let dataDir = try TemporaryDirectory("data")
        for (profile, prefix) in [("dev", "dev"), ("default", "")] {
            let added = try Command.engine(
                ["backend", "add", "s3", "media", "--bucket", "b", "--endpoint", "http://127.0.0.1:9", "--credential-env-prefix", "M",
                 "--data-dir", dataDir.path, "--profile", profile])
            #expect(added.status == 0, "\(added.stderr)")
            let listed = try Command.engine(["backend", "list", "--json", "--data-dir", dataDir.path, "--profile", profile])
            let backend = (try parseJSON(listed.stdout) as? [[String: Any]])?.first { $0["name"] as? String == "media" }
            #expect(backend?["base_prefix"] as? String == prefix, "\(listed.stdout)")
        }
    }
}
