import Foundation
import Stages
import Testing
import TestSupport

@Suite struct FileChecksummerTests {
    private func sha256sum(_ path: String) throws -> String {
        let result = try Command.run("sha256sum", [path])
        return String(result.stdout.prefix(64))
    }

    @Test func equalsSha256sumOnEveryFixture() throws {
        let checksummer = try FileChecksummer()
        for path in Fixtures.media.map(Fixtures.media) + Fixtures.bad.map(Fixtures.bad) {
            let (digest, bytes) = try checksummer.sha256(path: path)
            #expect(digest.hex == (try sha256sum(path)), "\(path)")
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64
            #expect(bytes == size)
        }
    }

    @Test func equalsSha256sumOnA64MiBFileThroughASmallBuffer() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("checksum-64m-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dd = try Command.run("dd", ["if=/dev/urandom", "of=\(path)", "bs=1M", "count=64", "status=none"])
        #expect(dd.status == 0)
        // A 64 KiB buffer: the file passes through it 1,024 times, never held whole.
        let (digest, bytes) = try FileChecksummer(bufferSize: 64 * 1024).sha256(path: path)
        #expect(bytes == 64 * 1024 * 1024)
        #expect(digest.hex == (try sha256sum(path)))
    }

    @Test func missingFileErrorNamesThePath() throws {
        #expect {
            try FileChecksummer().sha256(path: "/nonexistent/song.mp3")
        } throws: { error in
            "\(error)" == "/nonexistent/song.mp3: No such file or directory"
        }
    }

    @Test func directoryIsAReadErrorNamingThePath() throws {
        let dir = Fixtures.mediaDirectory.path
        #expect {
            try FileChecksummer().sha256(path: dir)
        } throws: { error in
            "\(error)".hasPrefix(dir) && "\(error)".contains("Is a directory")
        }
    }
}
