import Foundation
import Testing
import TestSupport

/// The public API of the library products is committed under api/ (`scripts/api-snapshot.py`):
/// the built API must equal it, and a symbol added without its snapshot fails the check.
@Suite struct APISnapshotTests {
    static let script = Fixtures.packageRoot.appendingPathComponent("scripts/api-snapshot.py").path
    /// The build these tests belong to (no `swift build` run inside `swift test`).
    static let binPath = (Command.engineBinary as NSString).deletingLastPathComponent

    @Test func theCommittedSnapshotIsTheBuiltAPI() throws {
        let check = try Command.run("python3", [Self.script, "--check", "--bin-path", Self.binPath])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    /// A snapshot without one of the built public symbols is what a public symbol added in a
    /// commit that does not update api/ looks like: the check fails and names it.
    @Test func aPublicSymbolTheSnapshotLacksFailsTheCheck() throws {
        let snapshots = try TemporaryDirectory("api")
        let api = Fixtures.packageRoot.appendingPathComponent("api")
        for name in try FileManager.default.contentsOfDirectory(atPath: api.path) {
            try FileManager.default.copyItem(at: api.appendingPathComponent(name), to: snapshots.file(name))
        }
        var lines = try String(contentsOf: snapshots.file("Engine.txt"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let added = try #require(lines.first { $0.hasPrefix("JobRun.events(from:buffer:) ") })
        lines.removeAll { $0 == added }
        try lines.joined(separator: "\n").write(to: snapshots.file("Engine.txt"), atomically: true, encoding: .utf8)
        let check = try Command.run("python3", [Self.script, "--check", "--snapshot-dir", snapshots.path, "--bin-path", Self.binPath])
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("the public API of Engine differs"), "\(check.stdout)")
        #expect(check.stdout.contains("+\(added)"), "\(check.stdout)")
    }
}
