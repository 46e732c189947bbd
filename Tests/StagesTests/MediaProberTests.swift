import Foundation
import Stages
import Testing
import TestSupport

@Suite struct MediaProberTests {
    let prober = MediaProber()

    @Test(arguments: Fixtures.bad)
    func badFixtureFailsWithAnErrorNamingTheFile(name: String) {
        let path = Fixtures.bad(name)
        #expect {
            try prober.probe(path)
        } throws: { error in
            "\(error)".hasPrefix(path + ": ")
        }
    }

    @Test func truncatedMP4SaysWhatIsMissing() {
        #expect {
            try prober.probe(Fixtures.bad("truncated.mp4"))
        } throws: { error in
            "\(error)".contains("moov atom not found")
        }
    }

    @Test func missingFileIsAClearError() {
        #expect {
            try prober.probe("/nonexistent/clip.mp4")
        } throws: { error in
            "\(error)" == "/nonexistent/clip.mp4: No such file or directory"
        }
    }

    @Test func directoryIsRejectedWithoutOpening() {
        let dir = Fixtures.mediaDirectory.path
        #expect {
            try prober.probe(dir)
        } throws: { error in
            "\(error)" == "\(dir): is a directory, not a media file"
        }
    }

    @Test func fifoIsRejectedWithoutBlocking() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("probe-fifo-\(UUID().uuidString)").path
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        #expect {
            try prober.probe(path)
        } throws: { error in
            "\(error)".contains("FIFO")
        }
    }

    @Test func coverArtIsNotVideo() throws {
        let result = try prober.probe(Fixtures.media("audio-cover-art.mp3"))
        #expect(result.streams.contains { $0.isAttachedPicture })
        #expect(result.mediaKind == .audio)
        #expect(try prober.probe(Fixtures.media("video-vp9-opus.webm")).mediaKind == .video)
    }

    @Test func tagsAreReadCaseInsensitively() throws {
        let path = Fixtures.media("audio-vorbis-comments.flac")
        let flac = try prober.probe(path)
        let reference = try #require(try FFprobeReport.of(path))
        let title = try #require(reference.tag("title")), artist = try #require(reference.tag("artist"))
        #expect(flac.format.tags.value(for: "title") == title)
        #expect(flac.format.tags.value(for: "Artist") == artist)
        #expect(flac.format.tags.value(for: "ARTIST") == artist)
    }
}
