import Foundation
@testable import Stages
import Testing
import TestSupport

/// What a feed says beside its media — publication dates, episode and season numbers, the next
/// page — and feeds over loopback HTTP: paged ones followed to the end, a second fetch of an
/// unchanged one answered 304 from the kept copy.
@Suite struct FeedPagingTests {
    let remote = PlaylistBase(url: URL(string: "https://feeds.example.com/show.rss")!)

    @Test func entriesCarryTheirPublicationDateEpisodeAndSeason() {
        let feed = """
            <rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:atom="http://www.w3.org/2005/Atom">
            <channel><title>Dated</title>
              <atom:link rel="next" href="page2.rss"/>
              <item><guid>a</guid><pubDate>Wed, 02 Oct 2002 13:00:00 GMT</pubDate>
                <itunes:episode>41</itunes:episode><itunes:season>3</itunes:season><enclosure url="a.mp3"/></item>
              <item><guid>b</guid><pubDate>2 Oct 2002 08:00 EST</pubDate><enclosure url="b.mp3"/></item>
              <item><guid>c</guid><pubDate>sometime</pubDate><itunes:episode>two</itunes:episode><enclosure url="c.mp3"/></item>
            </channel></rss>
            """
        let parsed = PlaylistFormat.feed.parse(feed, base: remote)
        let published = Date(timeIntervalSince1970: 1_033_563_600)  // 2002-10-02T13:00:00Z
        #expect(parsed.entries.map(\.published) == [published, published, nil])
        #expect(parsed.entries.map(\.episode) == [41, nil, nil])
        #expect(parsed.entries.map(\.season) == [3, nil, nil])
        #expect(parsed.next == "https://feeds.example.com/page2.rss")
        #expect(parsed.issues.map(\.message) == [
            "entry 3: 'sometime' is not a date (its publication date is left out)",
            "entry 3: itunes:episode 'two' is not a number (left out)",
        ])
    }

    @Test func atomEntriesAreDatedByPublishedElseUpdated() {
        let feed = """
            <feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><link rel="next" href="https://feeds.example.com/a?page=2"/>
              <entry><id>1</id><updated>2003-12-13T18:30:02Z</updated><published>2003-12-13T08:29:29-04:00</published>
                <link rel="enclosure" href="1.mp3"/></entry>
              <entry><id>2</id><updated>2003-12-13T18:30:02.25Z</updated><link rel="enclosure" href="2.mp3"/></entry>
            </feed>
            """
        let parsed = PlaylistFormat.feed.parse(feed, base: remote)
        #expect(parsed.entries.map(\.published) == [Date(timeIntervalSince1970: 1_071_318_569), Date(timeIntervalSince1970: 1_071_340_202.25)])
        #expect(parsed.next == "https://feeds.example.com/a?page=2")
    }

    @Test func aPagedFeedOverHTTPIsFollowedToTheEndAndAPageLimitStopsIt() async throws {
        let (server, _) = try CatalogServer.start()
        let collector = Collector(fetcher: PageFetcher())
        let collected = await collector.collect(server.url("/feed/paged/4.atom?page=1"))
        #expect(collected.issues.isEmpty)
        #expect(collected.items.map(\.remoteID) == (1...4).flatMap { page in (1...3).map { "urn:paged:\(page)-\($0)" } })
        #expect(collected.items.map(\.position) == Array(1...12))
        #expect(Set(collected.items.compactMap(\.collection?.title)) == ["Paged Show"])

        var limited = collector
        limited.feedPageLimit = 2
        let cut = await limited.collect(server.url("/feed/paged/4.atom?page=1"))
        #expect(cut.items.count == 6)
        #expect(cut.issues.map(\.message) == ["the feed has more than 2 pages: stopped before \(server.url("/feed/paged/4.atom?page=3"))"])
    }

    @Test func aSecondFetchOfAnUnchangedFeedIsAnswered304FromTheKeptCopy() async throws {
        let (server, log) = try CatalogServer.start()
        let cache = try TemporaryDirectory()
        let collector = Collector(fetcher: PageFetcher(cache: cache.url))
        let first = await collector.collect(server.url("/feed/conditional.rss"))
        let second = await collector.collect(server.url("/feed/conditional.rss"))
        #expect(first.items.map(\.remoteID) == ["cond-1", "cond-2"])
        #expect(second.items.map(\.remoteID) == first.items.map(\.remoteID))
        let requests = try CatalogServer.requests(log)
        #expect(requests.map(\.status) == [200, 304])
        #expect(requests[0].ifNoneMatch == nil)
        #expect(requests[1].ifNoneMatch == "\"feed-v1\"")
        #expect(requests[1].ifModifiedSince == "Tue, 14 Nov 2023 22:13:20 GMT")

        // Without a kept copy (another cache), the feed is fetched whole again.
        let fresh = try TemporaryDirectory()
        _ = await Collector(fetcher: PageFetcher(cache: fresh.url)).collect(server.url("/feed/conditional.rss"))
        #expect(try CatalogServer.requests(log).map(\.status) == [200, 304, 200])
    }

    @Test func aRemoteFeedsNextPageIsNeverALocalFile() async throws {
        let (server, _) = try CatalogServer.start()
        let collected = await Collector(fetcher: PageFetcher()).collect(server.url("/feed/local-next.atom"))
        #expect(collected.items.map(\.remoteID) == ["urn:local:1"])
        #expect(collected.issues.map(\.message) == ["page 2: 'file:///etc/hostname' is not an http(s) URL"])
    }

    /// A request's own headers (an API key) follow a redirect to the same origin, never to another.
    @Test func headersOfItsOwnStayWithTheirOrigin() async throws {
        let (server, log) = try CatalogServer.start(arguments: ["--flat-pages", "1", "--flat-size", "1"])
        let fetcher = PageFetcher()
        let page = "/catalog/flat/items?page=1"
        let sameOrigin = try #require(URL(string: server.url("/redirect?to=" + page.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)))
        let elsewhere = "http://localhost:\(server.port)\(page)"
        let otherHost = try #require(URL(string: server.url("/redirect?to=" + elsewhere.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)))
        for url in [sameOrigin, otherHost] { _ = try await fetcher.fetch(url, headers: [("X-Api-Key", "k-123")]) }
        let requests = try CatalogServer.requests(log)
        #expect(requests.map(\.path) == ["/redirect", "/catalog/flat/items", "/redirect", "/catalog/flat/items"])
        #expect(requests.map(\.apiKey) == ["k-123", "k-123", "k-123", nil])
        #expect(requests.last?.host == "localhost:\(server.port)")
    }

    @Test func aFeedURLWithoutAFeedExtensionIsReadWithTheFeedPrefix() async throws {
        let (server, _) = try CatalogServer.start()
        let collected = await Collector(fetcher: PageFetcher()).collect("feed:" + server.url("/feed/paged/1?page=1"))
        #expect(collected.items.count == 3)
        #expect(collected.items.first?.collection?.kind == .feed)
    }
}
