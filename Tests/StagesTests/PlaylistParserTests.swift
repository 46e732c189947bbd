import Foundation
import Synchronization
@testable import Stages
import Testing
import TestSupport

@Suite struct PlaylistParserTests {
    let local = PlaylistBase(url: URL(fileURLWithPath: "/music/lists/mix.m3u"))
    let remote = PlaylistBase(url: URL(string: "https://example.com/lists/mix.m3u")!)

    @Test func m3uReadsExtinfAndResolvesRelativePaths() {
        let text = "\u{FEFF}#EXTM3U\r\n#EXTINF:213,Artist Name - Song Title\r\n../songs/one.mp3\r\n\r\n#EXTINF:-1,Just A Title\r\n/abs/two.flac\r\nhttps://cdn.example.com/three.ogg\r\n"
        let parsed = PlaylistFormat.m3u.parse(text, base: local)
        #expect(parsed.issues.isEmpty)
        #expect(parsed.entries == [
            PlaylistEntry(url: "file:///music/songs/one.mp3", title: "Song Title", creators: ["Artist Name"], duration: 213, line: 3),
            PlaylistEntry(url: "file:///abs/two.flac", title: "Just A Title", line: 6),
            PlaylistEntry(url: "https://cdn.example.com/three.ogg", line: 7),
        ])
    }

    @Test func m3uRelativeEntriesOfARemotePlaylistResolveAgainstItsURL() {
        let parsed = PlaylistFormat.m3u.parse("#EXTM3U\nsongs/a b.mp3\n/root.mp3\n", base: remote)
        #expect(parsed.entries.map(\.url) == ["https://example.com/lists/songs/a%20b.mp3", "https://example.com/root.mp3"])
    }

    @Test func aRemotePlaylistMayNotNameLocalFilesAndKeepsItsEscapes() {
        let parsed = PlaylistFormat.m3u.parse("file:///etc/passwd\nMy%20Song.mp3?sig=a%2Fb\n", base: remote)
        #expect(parsed.entries.map(\.url) == ["https://example.com/lists/My%20Song.mp3?sig=a%2Fb"])
        #expect(parsed.issues.first?.message.contains("may not name local files") == true)
    }

    @Test func xspfLocationsAreURIReferences() {
        let text = "<playlist><trackList><track><location>My%20Song.mp3</location></track></trackList></playlist>"
        #expect(PlaylistFormat.xspf.parse(text, base: local).entries.map(\.url) == ["file:///music/lists/My%20Song.mp3"])
    }

    @Test func latin1PlaylistsAreRead() async throws {
        let dir = try TemporaryDirectory("latin1")
        let path = dir.file("old.m3u").path
        try Data("#EXTINF:1,Beyonc\u{E9} - Caf\u{E9}\nsong.mp3\n".unicodeScalars.map { UInt8($0.value) }).write(to: URL(fileURLWithPath: path))
        let collected = await Collector().collect(path)
        #expect(collected.issues.isEmpty)
        #expect(collected.items.first?.title == "Café")
        #expect(collected.items.first?.creators == ["Beyoncé"])
    }

    /// A file whose extension says nothing and whose head is no playlist is one media item (the
    /// probe will say if it is not media). A FIFO in its place is refused at once, unread: a
    /// writer that never closes it would hold the collector forever.
    @Test func aFileOfUnknownKindIsCollectedAsMediaAndAFIFOIsRefused() async throws {
        let dir = try TemporaryDirectory("unknown")
        let path = dir.file("audiobook.m4b").path
        var head = Array("\u{0}\u{0}\u{0} ftypM4B binary".utf8)
        head += [UInt8](repeating: 0, count: (256 << 10) - head.count)
        try Data(head).write(to: URL(fileURLWithPath: path))
        let collected = await Collector().collect(path)
        #expect(collected.issues.isEmpty)
        #expect(collected.items.count == 1)

        let fifo = dir.file("pipe.m4b").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let refused = try await withDeadline("collecting a FIFO nobody writes", timeout: .seconds(10)) {
            await Collector().collect(fifo)
        }
        #expect(refused.items.isEmpty)
        #expect(refused.issues.map(\.description) == ["\(fifo): is a FIFO, not a media file or playlist"])
    }

    @Test func m3uMalformedEntriesAreReportedNotFatal() {
        let text = "#EXTM3U\n#EXTINF:abc,Bad Duration\ngood.mp3\nftp://host/x.mp3\n#EXTINF:10,Dangling\n"
        let parsed = PlaylistFormat.m3u.parse(text, base: local)
        #expect(parsed.entries.map(\.url) == ["file:///music/lists/good.mp3"])
        #expect(parsed.entries.first?.title == "Bad Duration")
        #expect(parsed.issues.map(\.line) == [2, 4, 5])
        #expect(parsed.issues[1].message.contains("ftp"))
        #expect(parsed.issues[2].message.contains("not followed by a location"))
    }

    @Test(arguments: [
        ("Band - Song", "Song", ["Band"]), ("Band (Live - 1999) - Song", "Song", ["Band (Live - 1999)"]),
        ("[A - B] Mix - Track - Extended", "Track - Extended", ["[A - B] Mix"]), ("Song (Radio - Edit)", "Song (Radio - Edit)", []),
        (" - Song", " - Song", []),
    ])
    func m3uTitlesSplitOnTheFirstDashOutsideBrackets(name: String, title: String, creators: [String]) {
        let parsed = PlaylistFormat.m3u.parse("#EXTM3U\n#EXTINF:1,\(name)\na.mp3\n", base: local)
        #expect(parsed.entries.first?.title == title.trimmingCharacters(in: .whitespaces) && parsed.entries.first?.creators == creators)
    }

    /// XSPF: xml:base on playlist, trackList and track nest, each against the one around it.
    @Test func xspfNestedXMLBaseResolvesPerTheSpec() {
        let text = """
            <playlist xmlns="http://xspf.org/ns/0/" xml:base="https://media.example/root/">
              <trackList xml:base="albums/">
                <track xml:base="one/"><location>a.mp3</location></track>
                <track><location>b.mp3</location></track>
                <track xml:base="/elsewhere/"><location>c.mp3</location></track>
                <track xml:base="https://other.example/x/"><location>../d.mp3</location></track>
              </trackList>
            </playlist>
            """
        #expect(PlaylistFormat.xspf.parse(text, base: remote).entries.map(\.url) == [
            "https://media.example/root/albums/one/a.mp3", "https://media.example/root/albums/b.mp3",
            "https://media.example/elsewhere/c.mp3", "https://other.example/d.mp3",
        ])
        let plain = "<playlist><trackList><track><location>e.mp3</location></track></trackList></playlist>"
        #expect(PlaylistFormat.xspf.parse(plain, base: remote).entries.map(\.url) == ["https://example.com/lists/e.mp3"], "no xml:base: the playlist's URL")
    }

    @Test func plsOrdersEntriesByNumberAndReportsBadLines() {
        let text = """
            [playlist]
            File2=two.mp3
            Title2=Second
            File1=http://radio.example.com/stream.mp3
            Title1=Band - First
            Length1=abc
            Length2=180
            garbage line
            NumberOfEntries=2
            Version=2
            """
        let parsed = PlaylistFormat.pls.parse(text, base: local)
        #expect(parsed.entries == [
            PlaylistEntry(url: "http://radio.example.com/stream.mp3", title: "Band - First", line: 4),
            PlaylistEntry(url: "file:///music/lists/two.mp3", title: "Second", duration: 180, line: 2),
        ])
        #expect(parsed.issues.map(\.line) == [6, 8])
    }

    @Test func xspfReadsTracksWithMillisecondDurations() {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <playlist version="1" xmlns="http://xspf.org/ns/0/">
              <title>Road Trip</title>
              <trackList>
                <track><location>file:///music/a.mp3</location><title>A</title><creator>Band</creator><duration>61500</duration></track>
                <track><location>relative/b.ogg</location><title>B</title></track>
                <track><title>No Location</title></track>
              </trackList>
            </playlist>
            """
        let parsed = PlaylistFormat.xspf.parse(text, base: local)
        #expect(parsed.title == "Road Trip")
        #expect(parsed.entries.count == 2)
        #expect(parsed.entries[0].url == "file:///music/a.mp3")
        #expect(parsed.entries[0].creators == ["Band"])
        #expect(parsed.entries[0].duration == 61.5)
        #expect(parsed.entries[1].url == "file:///music/lists/relative/b.ogg")
        #expect(parsed.issues.count == 1)
        #expect(parsed.issues[0].message.contains("no <location>"))
    }

    @Test func malformedXSPFIsOneIssue() {
        let parsed = PlaylistFormat.xspf.parse("<playlist><trackList><track>", base: local)
        #expect(parsed.entries.isEmpty)
        #expect(parsed.issues.count == 1)
        #expect(parsed.issues[0].message.hasPrefix("not valid XSPF"))
    }

    @Test func plainListSkipsCommentsTakesSourcesAndDropsDuplicates() {
        let text = """
            # my downloads
            https://example.com/a.mp3

            podcasts,https://feeds.example.com/ep1.mp3
            https://example.com/a.mp3
            ../local.flac
            gopher://old.example.com/x
            """
        let parsed = PlaylistFormat.plainList.parse(text, base: local)
        #expect(parsed.entries.map(\.url) == [
            "https://example.com/a.mp3", "https://feeds.example.com/ep1.mp3", "file:///music/local.flac",
        ])
        #expect(parsed.entries[1].source == "podcasts")
        #expect(parsed.issues.map(\.line) == [7])
    }

    @Test func formatIsDetectedByExtensionThenContent() {
        #expect(PlaylistFormat.detect(path: "/x/list.M3U8") == .m3u)
        #expect(PlaylistFormat.detect(path: "/x/radio.pls") == .pls)
        #expect(PlaylistFormat.detect(path: "/x/noext", content: "  #EXTM3U\n") == .m3u)
        #expect(PlaylistFormat.detect(path: "/x/noext", content: "[playlist]\nFile1=a") == .pls)
        #expect(PlaylistFormat.detect(path: "/x/noext", content: "<?xml version='1.0'?><playlist/>") == .xspf)
        #expect(PlaylistFormat.detect(path: "/x/noext", content: "random bytes") == nil)
    }

    @Test func folderScanFindsMediaRecursivelyInOrder() async throws {
        let dir = try TemporaryDirectory("scan")
        try FileManager.default.createDirectory(at: dir.file("b/c"), withIntermediateDirectories: true)
        for name in ["b/c/deep.flac", "a.mp3", "notes.txt", ".hidden.mp3", "b/video.MKV"] {
            try dir.write(name, "x")
        }
        let collected = await Collector().collect(dir.path)
        #expect(collected.issues.isEmpty)
        #expect(collected.items.map { URL(string: $0.url)!.lastPathComponent } == ["a.mp3", "deep.flac", "video.MKV"])
        #expect(collected.items.allSatisfy { $0.collection?.kind == .folder && $0.titleIsFileName })
        #expect(collected.items.map(\.position) == [1, 2, 3])
    }

    @Test func missingInputIsAnIssueNamingIt() async {
        let collected = await Collector().collect("/nonexistent/list.m3u")
        #expect(collected.items.isEmpty)
        #expect(collected.issues.map(\.description) == ["/nonexistent/list.m3u: no such file or directory"])
    }
}
