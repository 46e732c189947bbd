import Engine
import Foundation
@testable import Stages
import Testing

/// The ranking resolver's scoring and ordering, without a network: normalized similarity,
/// quality tiers, the order of tie-breaks, demotion; and how `sources:` / `resolve:` in a
/// graph file are read and refused.
@Suite struct ResolveRankingTests {
    @Test func titlesAreComparedNormalized() {
        #expect(CandidateScore.normalize("Night Shift (2019 Remaster)") == "night shift")
        #expect(CandidateScore.normalize("Café  Del Mar [Live] & Friends!") == "cafe del mar and friends")
        #expect(CandidateScore.similarity("Night Shift", "NIGHT SHIFT (Remastered)") == 1)
        #expect(CandidateScore.similarity("Night Shift", "Day Shift") < 0.7)
        #expect(CandidateScore.similarity("", "") == 0)
        #expect(CandidateScore.creatorSimilarity(["Ann Example"], ["Guest", "ann example"]) == 1)
        #expect(CandidateScore.creatorSimilarity([], ["Ann"]) == nil)
    }

    @Test func qualityIsLosslessThenHighThenLowThenUnknown() {
        #expect(CandidateScore.quality(format: "FLAC", bitrate: nil) == .lossless)
        #expect(CandidateScore.quality(format: "mp3", bitrate: 320) == .high)
        #expect(CandidateScore.quality(format: "mp3", bitrate: 128) == .low)
        #expect(CandidateScore.quality(format: "mp3", bitrate: nil) == .unknown)
    }

    let resolver = RankingResolver(
        plan: ResolvePlan(sources: [.init(name: "first", url: "http://a/?q={title}"), .init(name: "second", url: "http://b/?q={title}")]),
        fetcher: PageFetcher())
    let item = MediaItem(source: "list", remoteID: "1", title: "Night Shift", creators: ["Ann"], durationHint: 180, url: "http://own/1.mp3")

    func found(_ source: String, _ url: String, title: String = "Night Shift", bitrate: Double? = 128, size: Int64? = nil) -> RankingResolver.Found {
        RankingResolver.Found(source: source, url: url, title: title, creators: ["Ann"], duration: 180, format: "mp3", bitrate: bitrate, size: size)
    }

    @Test func equalQualityIsDecidedBySizeThenBySourceOrder() {
        let ranking = resolver.rank(
            [found("second", "http://b/1", size: 500), found("first", "http://a/1", size: 400), found("first", "http://a/2", size: 500)],
            for: item, failures: [], attempt: 1, searchErrors: [])
        #expect(ranking.chosen?.url == "http://a/2")  // 500 bytes ties; "first" comes before "second"
        #expect(ranking.alternatives == 2)
        #expect(ranking.trace.candidates.map(\.rank) == [2, 3, 1])
    }

    @Test func aSureMatchOutranksABetterCopyOfALikelyOne() {
        // "Night Shift Live" is likely (≥ 0.85) but not sure (< 0.95): the sure match wins despite its lower bitrate.
        let ranking = resolver.rank(
            [found("first", "http://a/live", title: "Night Shifts", bitrate: 320), found("second", "http://b/1", bitrate: 96)],
            for: item, failures: [], attempt: 1, searchErrors: [])
        let likely = ranking.trace.candidates[0]
        #expect(likely.confidence >= 0.85 && likely.confidence < 0.95, "\(likely.confidence)")
        #expect(ranking.chosen?.url == "http://b/1")
    }

    @Test func aSourceThatFailedTheItemIsDemotedAndItsFailedCandidateLeftOut() {
        let failures = [ResolveTrace.Failure(source: "first", url: "http://a/1", attempt: 1, error: "truncated")]
        let ranking = resolver.rank(
            [found("first", "http://a/1", bitrate: 320), found("first", "http://a/2", bitrate: 320), found("second", "http://b/1", bitrate: 96)],
            for: item, failures: failures, attempt: 2, searchErrors: [])
        #expect(ranking.chosen?.url == "http://b/1")
        #expect(ranking.trace.candidates.map(\.verdict) == ["failed", "candidate", "chosen"])
        #expect(ranking.trace.candidates[1].reason == "ranked 2 (source demoted: it failed this item)")
        #expect(ranking.alternatives == 1)
    }

    /// A signed or expiring URL has another query on every attempt: the failure still matches it.
    @Test func aFailureMatchesItsCandidateWhateverItsQuery() {
        let failures = [ResolveTrace.Failure(source: "first", url: "http://a/1?expires=1", attempt: 1, error: "HTTP 403")]
        let ranking = resolver.rank(
            [found("first", "http://a/1?expires=2", bitrate: 320), found("second", "http://b/1")], for: item, failures: failures, attempt: 2,
            searchErrors: [])
        #expect(ranking.trace.candidates.map(\.verdict) == ["failed", "chosen"])
        #expect(ranking.alternatives == 0)
    }

    @Test func aTitleThatIsAllAsideIsComparedAsWritten() {
        #expect(CandidateScore.similarity("(Interlude)", "Interlude") == 1)
        #expect(CandidateScore.similarity("…", "…") == 1)
    }

    @Test func aCandidateOutsideTheDurationToleranceIsRejectedWhateverItsTitle() {
        var long = found("first", "http://a/long")
        long.duration = 190
        let ranking = resolver.rank([long], for: item, failures: [], attempt: 1, searchErrors: [])
        #expect(ranking.chosen == nil)
        #expect(ranking.trace.candidates.first?.reason == "rejected: duration off by 10.0 s (tolerance 5.0 s)")
    }

    @Test func theTraceSurvivesItsJSON() throws {
        let ranking = resolver.rank([found("first", "http://a/1")], for: item, failures: [], attempt: 1, searchErrors: ["second: HTTP 503"])
        let decoded = try #require(ResolveTrace.decode(ranking.trace.json))
        #expect(decoded == ranking.trace)
        #expect(ranking.trace.json.contains("\"search_errors\":[\"second: HTTP 503\"]"))
    }

    @Test func jsonPathsReachFieldsListsAndElements() throws {
        let document = try JSONDecoder().decode(
            JSONValue.self, from: Data(#"{"data": {"items": [{"id": 7, "artists": [{"name": "A"}, {"name": "B"}], "ok": true}]}}"#.utf8))
        let entry = try #require(JSONPath.value("data.items[0]", in: document))
        #expect(JSONPath.text(JSONPath.value("id", in: entry)) == "7")
        #expect(JSONPath.values("artists[].name", in: entry).compactMap(JSONPath.text) == ["A", "B"])
        #expect(JSONPath.text(JSONPath.value("artists[1].name", in: entry)) == "B")
        #expect(JSONPath.bool(JSONPath.value("ok", in: entry)) == true)
        #expect(JSONPath.value("missing.path", in: document) == nil)
    }

    @Test func sourcesAndResolveAreReadFromAGraphFile() throws {
        let graph = try GraphFile.parse(
            """
            sources:
              chart:
                items: {url: "https://x/chart?page={page}", paging: page, list: entries, fields: {id: id, url: link}}
            resolve:
              min_confidence: 0.9
              sources:
                - {name: hifi, url: "https://h/search?q={query}", list: results, fields: {url: stream}}
                - {name: chart, max_concurrent: 3}
            """, file: "g.yaml")
        #expect(graph.sources.map(\.name) == ["chart"])
        #expect(graph.sources.first?.collections == nil)
        #expect(graph.resolve?.minConfidence == 0.9)
        #expect(graph.resolve?.sources.map(\.url) == ["https://h/search?q={query}", nil])
        #expect(graph.resolve?.sources.map(\.maxConcurrent) == [nil, 3])
    }

    @Test(arguments: [
        ("sources:\n  s:\n    items: {url: \"https://x/?p={offset}\", paging: page, list: l, fields: {id: id, url: u}}\n",
         "g.yaml:3: sources.s.items.url must contain {page} (page paging)"),
        ("sources:\n  s:\n    items: {url: \"https://x/?p={page}\", paging: pages, list: l, fields: {id: id, url: u}}\n",
         "g.yaml:3: sources.s.items.paging must be one of page, offset, cursor"),
        ("sources:\n  s:\n    items: {url: \"https://x/?p={page}\", paging: page, list: l, fields: {id: id}}\n",
         "g.yaml:3: sources.s.items.fields needs 'url'"),
        ("sources:\n  s:\n    collections: {url: \"https://x/?p={page}\", paging: page, list: l, fields: {id: id}}\n",
         "g.yaml:3: source 's' needs an items level"),
        ("sources:\n  s:\n    collections: {url: \"https://x/?p={page}\", paging: page, list: l, fields: {id: id}}\n    items: {url: \"https://x/i?p={page}\", paging: page, list: l, fields: {id: id, url: u}}\n",
         "g.yaml:3: sources.s.items.url must contain {collection}"),
        ("sources:\n  s:\n    items: {url: \"https://x/?c={cursor}\", paging: cursor, list: l, fields: {id: id, url: u}}\n",
         "g.yaml:3: sources.s.items pages by cursor: it needs 'next_cursor'"),
        ("resolve:\n  sources:\n    - {url: \"https://x/?q={title}\"}\n", "g.yaml:3: a resolve source needs a 'name'"),
        ("resolve:\n  sources:\n    - {name: a, url: \"ftp://x/\"}\n", "g.yaml:3: resolve source 'a'.url must be an http(s) URL template"),
        ("resolve:\n  sources:\n    - {name: a, url: \"https://x/?q={title}\", fields: {title: t}}\n", "g.yaml:3: resolve source 'a' searches: its fields need 'url'"),
        ("resolve:\n  min_confidence: 2\n", "g.yaml:2: resolve.min_confidence must be from 0 to 1"),
        ("resolve:\n  sources:\n    - name: a\n    - name: a\n", "g.yaml:4: resolve.sources names 'a' twice"),
        ("resolve:\n  sources:\n    - {name: a, max_concurrent: 0}\n", "g.yaml:3: resolve source 'a'.max_concurrent must be a whole number from 1"),
    ])
    func badSourcesAndResolveSettingsNameTheLine(text: String, expected: String) {
        #expect {
            try GraphFile.parse(text, file: "g.yaml")
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }
}
