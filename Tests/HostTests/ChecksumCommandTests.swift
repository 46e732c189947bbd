import Foundation
import Testing
import TestSupport

@Suite struct ChecksumCommandTests {
    @Test func outputPassesSha256sumCheck() throws {
        let paths = Fixtures.media.map(Fixtures.media) + Fixtures.bad.map(Fixtures.bad)
        let sums = try Command.engine(["checksum"] + paths)
        #expect(sums.status == 0)
        #expect(sums.stdout == (try Command.run("sha256sum", paths)).stdout)
        let check = try Command.run("sha256sum", ["-c", "--strict"], stdin: sums.stdout)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    @Test func nameWithBackslashIsEscapedLikeSha256sum() throws {
        let dir = try TemporaryDirectory("sum")
        let path = try dir.write("back\\slash.txt", "hello")
        #expect(try Command.engine(["checksum", path]).stdout == (try Command.run("sha256sum", [path])).stdout)
    }

    @Test func standardInputIsRead() throws {
        let result = try Command.engine(["checksum"], stdin: "abc")
        #expect(result.stdout == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n")
    }

    @Test func missingFileExitsOneAndTheOthersAreStillSummed() throws {
        let good = Fixtures.media("audio-pcm.wav")
        let result = try Command.engine(["checksum", "/nonexistent/a.mp3", good])
        #expect(result.status == 1)
        #expect(result.stderr == "engine: checksum: /nonexistent/a.mp3: No such file or directory\n")
        #expect(result.stdout.hasSuffix("  \(good)\n"))
    }
}
