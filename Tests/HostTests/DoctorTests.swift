import Foundation
import Testing
import TestSupport

/// `engine doctor`: all ok on a sound data dir (exit 0); two profiles that share a library
/// fail it (exit 1), naming both and the folder.
@Suite struct DoctorTests {
    func doctor(_ dataDir: TemporaryDirectory) throws -> (CommandResult, [[String: Any]]) {
        let result = try Command.engine(["doctor", "--json", "--data-dir", dataDir.path])
        return (result, try parseJSON(result.stdout) as? [[String: Any]] ?? [])
    }

    @Test func profilesThatShareALibraryFailAndOwnOnesPass() throws {
        let dataDir = try TemporaryDirectory("data")
        let shared = dataDir.file("shared-library").path
        for (profile, port) in [("dev", 18081), ("prod", 18082)] {
            try FileManager.default.createDirectory(at: dataDir.file("profiles/\(profile)"), withIntermediateDirectories: true)
            _ = try dataDir.write("profiles/\(profile)/config.yaml", "library_dir: \(shared)\nconsole_port: \(port)\n")
        }
        let (failing, checks) = try doctor(dataDir)
        #expect(failing.status == 1, "\(failing.stdout)\(failing.stderr)")
        let failed = checks.filter { $0["status"] as? String == "fail" }.map { "\($0["check"]!): \($0["detail"]!)" }
        #expect(failed == ["profiles dev and prod: share the library \(shared) (give one its own in its config.yaml)"], "\(failed)")

        _ = try dataDir.write("profiles/prod/config.yaml", "console_port: 18082\n")
        let (passing, again) = try doctor(dataDir)
        #expect(passing.status == 0, "\(passing.stdout)")
        #expect(!again.contains { $0["status"] as? String == "fail" })
        #expect(again.contains { $0["check"] as? String == "encoders" && $0["status"] as? String == "ok" })
        #expect(again.contains { $0["check"] as? String == "profile prod" && ($0["detail"] as? String)?.contains(dataDir.file("profiles/prod/library").path) == true })
    }
}
