import Foundation
@testable import Stages
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

/// The demuxer a file's name suggests is used only when the file's first bytes (after an ID3
/// tag, for MP3) carry that container's signature.
@Suite struct DemuxerHintTests {
    @Test(arguments: [
        ("audio-id3.mp3", "mp3"), ("audio-cover-art.mp3", "mp3"), ("audio-aac.m4a", "mov"), ("video-h264-aac.mp4", "mov"),
        ("audio-vorbis-comments.flac", "flac"), ("audio-vorbis.ogg", "ogg"), ("video-h264-flac.mkv", "matroska"),
        ("video-vp9-opus.webm", "matroska"), ("audio-pcm.wav", "wav"),
    ])
    func aFixtureNamesItsDemuxer(name: String, demuxer: String) {
        #expect(DemuxerHint.demuxer(forPath: Fixtures.media(name)) == demuxer)
    }

    @Test(arguments: [("audio-pcm.wav", "mp3"), ("audio-vorbis.ogg", "mp3"), ("audio-id3.mp3", "m4a"), ("audio-aac.m4a", "flac"), ("video-h264-flac.mkv", "wav")])
    func aMisnamedFileNamesNone(name: String, ext: String) throws {
        let dir = try TemporaryDirectory("misnamed")
        let path = dir.file("misnamed.\(ext)").path
        try FileManager.default.copyItem(atPath: Fixtures.media(name), toPath: path)
        #expect(DemuxerHint.demuxer(forPath: path) == nil)
    }

    @Test func anMP3WhoseTagIsNotFollowedByAFrameNamesNone() throws {
        let dir = try TemporaryDirectory("misnamed")
        // An ID3 tag, then the bytes of a FLAC file.
        let tag: [UInt8] = Array("ID3".utf8) + [4, 0, 0, 0, 0, 0, 4] + [0, 0, 0, 0]
        let path = dir.file("tagged.mp3").path
        try (Data(tag) + Data(contentsOf: URL(fileURLWithPath: Fixtures.media("audio-vorbis-comments.flac")))).write(to: URL(fileURLWithPath: path))
        #expect(DemuxerHint.demuxer(forPath: path) == nil)
    }
}
