import Foundation
@testable import Stages
import Testing
import TestSupport

/// RSS and Atom feeds of the shapes found in the wild: an iTunes podcast, Atom with nested
/// xml:base and HTML titles, Media RSS; and the hostile ones (entity bombs, external entities).
@Suite struct FeedParserTests {
    let remote = PlaylistBase(url: URL(string: "https://feeds.example.com/shows/saltwater.rss")!)

    @Test func anITunesPodcastGivesOneItemPerEpisodeWithMedia() {
        let feed = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:dc="http://purl.org/dc/elements/1.1/">
            <channel>
              <title>Saltwater Radio</title>
              <itunes:author>Saltwater Collective</itunes:author>
              <item>
                <title>Episode 41: Tape Hiss</title>
                <guid isPermaLink="false">saltwater-41</guid>
                <itunes:duration>1:02:03</itunes:duration>
                <enclosure url="episodes/41.mp3" length="123" type="audio/mpeg"/>
              </item>
              <item>
                <title>Episode 42: Night Shift</title>
                <guid>https://saltwater.example/42</guid>
                <dc:creator>Ann Example</dc:creator>
                <itunes:duration>45:30</itunes:duration>
                <enclosure url="https://cdn.example.com/42.m4a" type="audio/x-m4a"/>
              </item>
              <item>
                <title>Show notes only</title>
                <guid>saltwater-notes</guid>
              </item>
              <item>
                <title><![CDATA[Episode 43 & more]]></title>
                <guid>saltwater-43</guid>
                <itunes:duration>3600</itunes:duration>
                <enclosure url="/media/43.mp3" type="audio/mpeg"/>
              </item>
            </channel>
            </rss>
            """
        let parsed = PlaylistFormat.feed.parse(feed, base: remote)
        #expect(parsed.title == "Saltwater Radio")
        #expect(parsed.entries == [
            PlaylistEntry(
                url: "https://feeds.example.com/shows/episodes/41.mp3", title: "Episode 41: Tape Hiss", creators: ["Saltwater Collective"],
                duration: 3723, source: "feeds.example.com", line: 6, remoteID: "saltwater-41"),
            PlaylistEntry(
                url: "https://cdn.example.com/42.m4a", title: "Episode 42: Night Shift", creators: ["Ann Example"], duration: 2730,
                source: "feeds.example.com", line: 12, remoteID: "https://saltwater.example/42"),
            PlaylistEntry(
                url: "https://feeds.example.com/media/43.mp3", title: "Episode 43 & more", creators: ["Saltwater Collective"], duration: 3600,
                source: "feeds.example.com", line: 23, remoteID: "saltwater-43"),
        ])
        #expect(parsed.issues.map(\.message) == ["entry 'Show notes only' has no media enclosure: skipped"])
        #expect(parsed.issues.map(\.line) == [19])
    }

    @Test func atomResolvesNestedXMLBaseAndStripsHTMLTitles() {
        let feed = """
            <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://cdn.example.org/podcast/">
              <title>Field Notes</title>
              <author><name>Field Crew</name></author>
              <entry xml:base="season2/">
                <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
                <title type="html">&lt;b&gt;Bold&lt;/b&gt; move</title>
                <link rel="alternate" href="https://fieldnotes.example/ep1"/>
                <link rel="enclosure" type="audio/mp4" href="ep1.m4a"/>
              </entry>
              <entry>
                <id>tag:fieldnotes.example,2026:2</id>
                <title>Two</title>
                <author><name>Guest Host</name></author>
                <link rel="enclosure" href="../two.mp3"/>
              </entry>
            </feed>
            """
        let parsed = PlaylistFormat.feed.parse(feed, base: remote)
        #expect(parsed.issues.isEmpty, "\(parsed.issues)")
        #expect(parsed.title == "Field Notes")
        #expect(parsed.entries.map(\.url) == ["https://cdn.example.org/podcast/season2/ep1.m4a", "https://cdn.example.org/two.mp3"])
        #expect(parsed.entries.map(\.title) == ["Bold move", "Two"])
        #expect(parsed.entries.map(\.creators) == [["Field Crew"], ["Guest Host"]])
        #expect(parsed.entries.map(\.remoteID) == ["urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", "tag:fieldnotes.example,2026:2"])
    }

    @Test func mediaRSSContentIsMediaUnlessItIsAnImageAndHTMLInRSSTitlesStaysText() {
        let feed = """
            <rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Clips</title>
            <item><title>&lt;b&gt;Loud&lt;/b&gt; &amp; clear</title><guid>c1</guid>
              <media:content url="https://img.example/c1.jpg" medium="image"/>
              <media:content url="https://video.example/c1.mp4" medium="video" duration="12"/></item>
            <item><title>Poster only</title><guid>c2</guid><media:content url="https://img.example/c2.jpg" type="image/jpeg"/></item>
            </channel></rss>
            """
        let parsed = PlaylistFormat.feed.parse(feed, base: remote)
        #expect(parsed.entries.map(\.url) == ["https://video.example/c1.mp4"])
        #expect(parsed.entries.first?.title == "<b>Loud</b> & clear", "RSS titles are text; the console escapes them")
        #expect(parsed.issues.map(\.message) == ["entry 'Poster only' has no media enclosure: skipped"])
    }

    @Test func anEntityBombIsRefusedQuickly() {
        let lol = (1...9).map { n in "<!ENTITY lol\(n) \"\(String(repeating: "&lol\(n - 1);", count: 10))\">" }.joined(separator: "\n")
        let feed = """
            <?xml version="1.0"?>
            <!DOCTYPE rss [
            <!ENTITY lol0 "lol">
            \(lol)
            ]>
            <rss version="2.0"><channel><title>&lol9;</title>
            <item><title>&lol9;</title><guid>x</guid><enclosure url="https://x.example/a.mp3"/></item></channel></rss>
            """
        let started = Date()
        let parsed = PlaylistFormat.feed.parse(feed, base: remote)
        #expect(Date().timeIntervalSince(started) < 5)
        let longest = ([parsed.title] + parsed.entries.map(\.title)).compactMap { $0?.count }.max() ?? 0
        #expect(longest < 100_000, "a billion laughs is never expanded (\(longest) characters)")
        #expect(!parsed.issues.isEmpty || longest == 0, "the feed is refused or its entities left out")
    }

    @Test func anExternalEntityIsNeverRead() throws {
        let dir = try TemporaryDirectory("xxe")
        let secret = dir.file("secret.txt")
        try "TOP-SECRET-CONTENT".write(to: secret, atomically: true, encoding: .utf8)
        let feed = """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY xxe SYSTEM "\(secret.absoluteString)">]>
            <rss version="2.0"><channel><title>Feed &xxe;</title>
            <item><title>Item &xxe;</title><guid>x&xxe;</guid><enclosure url="https://x.example/a.mp3"/></item></channel></rss>
            """
        let parsed = PlaylistFormat.feed.parse(feed, base: PlaylistBase(url: dir.file("feed.rss")))
        let everything = "\(parsed.title ?? "") \(parsed.entries) \(parsed.issues.map(\.message))"
        #expect(!everything.contains("TOP-SECRET"), "\(everything)")
    }

    /// A broken feed is an issue with its line and what is wrong; the entries before the break are kept.
    @Test(arguments: [
        ("<item><title>Fish & chips</title></item>", "a name is required here"),
        ("<item><title>broken</item>", "an end tag that does not match the open element"),
    ])
    func aMalformedFeedSaysWhereAndKeepsWhatCameBefore(broken: String, said: String) {
        let feed = "<rss><channel><title>T</title>\n<item><guid>a</guid><enclosure url=\"https://x.example/a.mp3\"/></item>\n\(broken)\n</channel></rss>"
        let parsed = PlaylistFormat.feed.parse(feed, base: remote)
        #expect(parsed.issues.first?.line == 3 && parsed.issues.first?.message.hasPrefix("not a valid feed: \(said)") == true, "\(parsed.issues)")
        #expect(parsed.entries.map(\.remoteID) == ["a"], "what came before the break")
    }

    @Test(arguments: [("3600", 3600.0), ("45:30", 2730), ("1:02:03", 3723), ("90.5", 90.5), ("00:07", 7)])
    func itunesDurationInAnyOfItsForms(text: String, seconds: Double) {
        #expect(FeedParser.duration(text) == seconds)
    }

    @Test(arguments: ["", "abc", "1:60", "1:2:3:4", "-5", "10:-1"])
    func aDurationThatIsNoneIsRefused(text: String) {
        #expect(FeedParser.duration(text) == nil)
    }

    @Test func feedsAreKnownByExtensionOrByTheirRoot() {
        #expect(PlaylistFormat.detect(path: "/a/show.rss") == .feed && PlaylistFormat.detect(path: "/a/show.atom") == .feed)
        #expect(PlaylistFormat.detect(path: "/a/feed", content: "<?xml version=\"1.0\"?>\n<!-- hi -->\n<rss version=\"2.0\">") == .feed)
        #expect(PlaylistFormat.detect(path: "/a/feed.xml", content: "<feed xmlns=\"http://www.w3.org/2005/Atom\">") == .feed)
        #expect(PlaylistFormat.detect(path: "/a/list.xml", content: "<?xml version=\"1.0\"?><playlist version=\"1\">") == .xspf)
    }

    /// A local feed file collects as a `feed` collection of items keyed by their guid.
    @Test func aLocalFeedIsCollectedByGuid() async throws {
        let dir = try TemporaryDirectory("feed")
        let path = dir.file("show.xml").path
        try """
            <?xml version="1.0"?>
            <rss version="2.0"><channel><title>Local Show</title>
            <item><title>One</title><guid>show-1</guid><enclosure url="one.mp3"/></item>
            </channel></rss>
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let collected = await Collector().collect(path)
        let item = try #require(collected.items.first)
        #expect(collected.items.count == 1 && collected.issues.isEmpty)
        #expect(item.source == "local" && item.remoteID == "show-1" && item.title == "One")
        #expect(item.url == dir.file("one.mp3").absoluteString)
        #expect(item.collection?.kind == .feed && item.collection?.title == "Local Show")
    }
}
