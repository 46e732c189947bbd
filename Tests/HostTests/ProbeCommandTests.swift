import Foundation
import Testing
import TestSupport

@Suite struct ProbeCommandTests {
    /// The demuxer each fixture's extension names: the engine opens the file with it (no
    /// guessing), so ffprobe is told the same (`-f`), and every field must still agree.
    static let demuxers = ["mp3": "mp3", "m4a": "mov", "mp4": "mov", "flac": "flac", "ogg": "ogg", "mkv": "matroska", "webm": "matroska", "wav": "wav"]

    func expectAgreement(_ path: String, demuxer: String?, name: String) throws {
        let engine = try Command.engine(["probe", "--json", path])
        #expect(engine.status == 0, "\(engine.stderr)")
        let peer = try Command.run("ffprobe", ["-v", "error"] + (demuxer.map { ["-f", $0] } ?? []) + ["-show_format", "-show_streams", "-of", "json", path])
        #expect(peer.status == 0)
        try FFprobeComparison.expectMatch(
            engine: try #require(try parseJSON(engine.stdout) as? [String: Any]),
            ffprobe: try #require(try parseJSON(peer.stdout) as? [String: Any]),
            file: name)
    }

    @Test(arguments: Fixtures.media)
    func jsonAgreesWithFFprobe(name: String) throws {
        let demuxer = try #require(Self.demuxers[(name as NSString).pathExtension])
        try expectAgreement(Fixtures.media(name), demuxer: demuxer, name: name)
    }

    /// A file whose extension names another container is not opened with that one: libav
    /// guesses, and the probe says what plain ffprobe says.
    @Test(arguments: [("audio-id3.mp3", "m4a"), ("audio-vorbis-comments.flac", "mp3"), ("audio-pcm.wav", "ogg"), ("audio-aac.m4a", "mkv"), ("audio-pcm.wav", "mp3"), ("video-h264-aac.mp4", "mp3"), ("audio-vorbis.ogg", "mp3"), ("audio-aac.m4a", "mp3"), ("video-h264-flac.mkv", "wav")])
    func aMisnamedFileIsProbedForWhatItIs(name: String, misnamedAs ext: String) throws {
        let dir = try TemporaryDirectory("misnamed")
        let path = dir.file("misnamed.\(ext)").path
        try FileManager.default.copyItem(atPath: Fixtures.media(name), toPath: path)
        try expectAgreement(path, demuxer: nil, name: "\(name) as .\(ext)")
    }

    /// A VBR MP3 (quiet at first, loud later) whose first frame is a Xing header with its frame
    /// and byte counts is read for its first frames only; one without a header (its length
    /// estimated from the bit rates of the frames read), and one whose header says `Info` (CBR:
    /// its bit rate is the average of the frames read), are read as far as ffprobe reads them.
    /// All agree with ffprobe field for field.
    @Test(arguments: ["Xing", "none", "Info"])
    func aVBRMP3AgreesWithFFprobeWhateverItsHeaderFrameSays(header: String) throws {
        let dir = try TemporaryDirectory("vbr")
        let path = dir.file("vbr.mp3").path
        let made = try Command.run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "anoisesrc=d=4:a=0.3", "-af", "volume='if(lt(t,0.5),0.02,1)':eval=frame",
            "-c:a", "libmp3lame", "-q:a", "2", "-write_xing", header == "none" ? "0" : "1", path,
        ])
        #expect(made.status == 0, "\(made.stderr)")
        if header == "Info" {
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let at = try #require((0..<min(bytes.count, 4096) - 4).first { Array(bytes[$0..<$0 + 4]) == Array("Xing".utf8) })
            bytes.replaceSubrange(at..<at + 4, with: Array("Info".utf8))
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        try expectAgreement(path, demuxer: "mp3", name: "a VBR MP3 with header \(header)")
    }

    @Test func severalFilesPrintAnArrayInArgumentOrder() throws {
        let names = Array(Fixtures.media.prefix(3))
        let result = try Command.engine(["probe", "--json"] + names.map(Fixtures.media))
        #expect(result.status == 0)
        let documents = try #require(try parseJSON(result.stdout) as? [[String: Any]])
        let filenames = documents.compactMap { ($0["format"] as? [String: Any])?["filename"] as? String }
        #expect(filenames == names.map(Fixtures.media))
    }

    @Test(arguments: Fixtures.bad)
    func badFixtureExitsOneNamingTheFile(name: String) throws {
        let path = Fixtures.bad(name)
        let result = try Command.engine(["probe", path])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("engine: probe: \(path): ") == true, "\(result.stderr)")
    }

    @Test func oneBadFileAmongGoodOnesStillProbesTheRestAndExitsOne() throws {
        let good = Fixtures.media("audio-pcm.wav"), bad = Fixtures.bad("not-audio.mp3")
        let result = try Command.engine(["probe", "--json", good, bad])
        #expect(result.status == 1)
        let documents = try #require(try parseJSON(result.stdout) as? [[String: Any]])
        #expect(documents.count == 2)
        #expect((documents[0]["format"] as? [String: Any])?["format_name"] as? String == "wav")
        #expect((documents[1]["error"] as? [String: Any])?["string"] as? String != nil)
    }

    @Test func fifoAndDirectoryAreErrorsNotHangs() throws {
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("probe-\(UUID().uuidString)").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        let result = try Command.run("timeout", ["20", Command.engineBinary, "probe", fifo, Fixtures.mediaDirectory.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(fifo): is a FIFO"))
        #expect(result.stderr.contains("\(Fixtures.mediaDirectory.path): is a directory"))
    }

    @Test func humanOutputDescribesEachStream() throws {
        let path = Fixtures.media("video-h264-aac.mp4")
        let result = try Command.engine(["probe", path])
        #expect(result.status == 0)
        let reference = try #require(try FFprobeReport.of(path))
        let video = try #require(reference.video), audio = try #require(reference.first("audio"))
        let channels = audio["channel_layout"] ?? "\(audio["channels"] ?? "?") channels"
        #expect(result.stdout.contains("video h264 (\(video["profile"]!)) \(video["width"]!)x\(video["height"]!)"), "\(result.stdout)")
        #expect(result.stdout.contains("audio aac (\(audio["profile"]!)) \(audio["sample_rate"]!) Hz \(channels)"), "\(result.stdout)")
        #expect(result.stdout.contains("title=\(try #require(reference.tag("title")))"))
    }

    @Test func noFileIsAUsageError() throws {
        #expect(try Command.engine(["probe"]).status == 2)
        #expect(try Command.engine(["probe", "--no-such-flag", "x"]).status == 2)
    }
}
