import Foundation
import GRDB
import Testing
import TestSupport

/// Paged JSON catalogs as job inputs, against scripts/catalog-server.py: a catalog of
/// collections, then each collection's items, page by page with progress on the job; a source
/// that repeats its last page forever, one that fails on page 3; and a run killed mid-collection
/// that resumes at the next unfinished page.
@Suite struct CatalogJobTests {
    /// The sources, as a user writes them: `square` pages its collections by number and its
    /// items by offset; `rep` pages by cursor and never says it is done; `broken` fails on page 3.
    static func graph(_ server: CatalogServer, itemsPageSize: Int = 4) -> String {
        """
        graph: default
        sources:
          square:
            collections:
              url: "\(server.url("/catalog/square/collections"))?page={page}"
              paging: page
              list: data.playlists
              has_more: data.has_more
              fields: {id: id, title: name}
            items:
              url: "\(server.url("/catalog/square/collections"))/{collection}/items?offset={offset}&limit={limit}"
              paging: offset
              page_size: \(itemsPageSize)
              list: tracks
              has_more: has_more
              fields: {id: id, title: title, creators: "artists[].name", duration: duration_ms, url: stream_url}
              duration_unit: ms
          rep:
            collections:
              url: "\(server.url("/catalog/repeating/collections"))?cursor={cursor}"
              paging: cursor
              list: data.playlists
              has_more: data.has_more
              next_cursor: next
              fields: {id: id, title: name}
            items:
              url: "\(server.url("/catalog/repeating/collections"))/{collection}/items?cursor={cursor}"
              paging: cursor
              list: tracks
              has_more: has_more
              next_cursor: next_cursor
              fields: {id: id, title: title, url: stream_url}
        \(pagedByNumber("broken", server, itemsHaveMore: false))
        """
    }

    /// A source of the server's catalog `kind` paged by page number at both levels (its items
    /// with or without the `has_more` flag), under `sources:`.
    static func pagedByNumber(_ kind: String, _ server: CatalogServer, itemsHaveMore: Bool) -> String {
        """
          \(kind):
            collections:
              url: "\(server.url("/catalog/\(kind)/collections"))?page={page}"
              paging: page
              list: data.playlists
              has_more: data.has_more
              fields: {id: id, title: name}
            items:
              url: "\(server.url("/catalog/\(kind)/collections"))/{collection}/items?page={page}"
              paging: page
              list: tracks\(itemsHaveMore ? "\n      has_more: has_more" : "")
              fields: {id: id, title: title, url: stream_url}
        """
    }

    /// The item keys a catalog of `kind` holds per the server's rules (collection n has 5 + n % 3
    /// items), for its first `collections` collections.
    static func expectedKeys(_ kind: String, source: String, collections: ClosedRange<Int>) -> Set<String> {
        Set(collections.flatMap { n in (1...(5 + n % 3)).map { "\(source):\(kind)\(n)-t\($0)" } })
    }

    @Test func catalogsArePagedIntoTheJobWithProgressAndAFailingSourceIsIsolated() async throws {
        let (server, _) = try CatalogServer.start()
        let files = try TemporaryDirectory("graph"), dataDir = try TemporaryDirectory("data")
        let graph = try files.write("catalogs.yaml", Self.graph(server))
        let run = try await Command.engineAsync([
            "run", "--json", "--no-renditions", "--graph", graph, "--data-dir", dataDir.path, "catalog:broken", "catalog:square", "catalog:rep",
        ])
        let database = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        let keys = try await database.read { db in try Set(String.fetchAll(db, sql: "SELECT item_key FROM job_items WHERE status = 'succeeded'")) }
        // broken: its first two pages of collections (1–6) before page 3 failed; the others whole.
        let expected = Self.expectedKeys("broken", source: "broken", collections: 1...6)
            .union(Self.expectedKeys("square", source: "square", collections: 1...7))
            .union(Self.expectedKeys("repeating", source: "rep", collections: 1...7))
        #expect(keys == expected, "\(run.stderr)")

        let events = try await database.read { db in try String.fetchAll(db, sql: "SELECT message FROM job_events ORDER BY id") }
        let square2 = events.filter { $0.hasPrefix("catalog:square/square2 (Square list 2) page") }
        #expect(square2 == ["catalog:square/square2 (Square list 2) page 1: +4 new, total 4", "catalog:square/square2 (Square list 2) page 2: +3 new, total 7"])
        #expect(events.contains { $0.contains("catalog:broken: page 3: ") && $0.hasSuffix("HTTP 500") }, "\(events)")
        #expect(events.contains("catalog:rep: page 4 repeats entries already read: paging stopped"), "\(events)")
        #expect(events.filter { $0.hasPrefix("catalog:square page") } == [
            "catalog:square page 1: +0 new, total 0", "catalog:square page 2: +0 new, total 0", "catalog:square page 3: +0 new, total 0",
        ])

        // Items keep their collection's order and title; creators and duration come from the mapping.
        let square2Rows = try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT i.remote_id, ci.position, co.title, i.duration FROM collection_items ci
                    JOIN collections co ON co.id = ci.collection_id JOIN items i ON i.id = ci.item_id
                    WHERE co.locator = 'catalog:square/square2' ORDER BY ci.position
                    """)
        }
        #expect(square2Rows.map { $0["remote_id"] as String } == (1...7).map { "square2-t\($0)" })
        #expect(square2Rows.map { $0["position"] as Int } == Array(1...7))
        #expect(Set(square2Rows.map { $0["title"] as String }) == ["Square list 2"])
        let inputsDone = try await database.read { db in try Bool.fetchAll(db, sql: "SELECT done FROM job_inputs") }
        #expect(inputsDone.count == 3 + 6 + 7 + 7 && inputsDone.allSatisfy { $0 })
    }

    /// A page that failed its three tries ends its input with the page kept: `jobs retry` takes
    /// the input up again at that page (the pages before it are not fetched again).
    @Test func aFailedPageIsTakenUpAgainByJobsRetry() async throws {
        let (server, log) = try CatalogServer.start(arguments: ["--flaky-failures", "3"])
        let files = try TemporaryDirectory("graph"), dataDir = try TemporaryDirectory("data")
        let graph = try files.write("flaky.yaml", "sources:\n" + Self.pagedByNumber("flaky", server, itemsHaveMore: true))
        let base = ["--json", "--no-renditions", "--data-dir", dataDir.path]
        _ = try await Command.engineAsync(["run"] + base + ["--graph", graph, "catalog:flaky"])
        let database = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        let stopped = try await database.read { db in try Row.fetchOne(db, sql: "SELECT done, checkpoint, error FROM job_inputs WHERE position = 0")! }
        #expect(stopped["done"] as Bool == true)
        #expect(stopped["checkpoint"] as String? == "0 3")
        #expect((stopped["error"] as String?)?.hasSuffix("page 3: \(server.url("/catalog/flaky/collections?page=3")): HTTP 503") == true)

        let retry = try await Command.engineAsync(["jobs", "retry", "1", "--data-dir", dataDir.path])
        #expect(retry.status == 0, "\(retry.stderr)")
        let resumed = try await Command.engineAsync(["run"] + base + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let keys = try await database.read { db in try Set(String.fetchAll(db, sql: "SELECT item_key FROM job_items WHERE status = 'succeeded'")) }
        #expect(keys == Self.expectedKeys("flaky", source: "flaky", collections: 1...7))
        let pages = try CatalogServer.requests(log).filter { $0.path == "/catalog/flaky/collections" }.map(\.query)
        #expect(pages == ["page=1", "page=2", "page=3", "page=3", "page=3", "page=3"])
    }

    /// A source in the profile's config file serves every command: `engine collect` pages it
    /// (a chart: items only, no collections level).
    @Test func aSourceInTheConfigFileIsCollectedByName() async throws {
        let (server, _) = try CatalogServer.start(arguments: ["--flat-pages", "3", "--flat-size", "4"])
        let dataDir = try TemporaryDirectory("data")
        try dataDir.write(
            "config.yaml",
            """
            sources:
              chart:
                items:
                  url: "\(server.url("/catalog/flat/items"))?page={page}"
                  paging: page
                  list: tracks
                  has_more: has_more
                  fields: {id: id, title: title, url: stream_url}
            """)
        let collected = try await Command.engineAsync(["collect", "--json", "--data-dir", dataDir.path, "catalog:chart"])
        #expect(collected.status == 0, "\(collected.stderr)")
        let items = try #require(try parseJSON(collected.stdout) as? [[String: Any]])
        #expect(items.map { $0["remote_id"] as? String } == (1...12).map { "flat-t\($0)" })
        #expect(Set(items.map { $0["collection"] as? String }) == ["catalog:chart"])
        #expect(items.map { $0["position"] as? Int } == Array(1...12))
    }

    @Test func killedMidCollectionTheJobResumesAtTheNextUnfinishedPageWithNoDuplicates() async throws {
        // Many pages: 24 collections 3 a page, and their items 2 a page (3 or 4 pages each).
        let (server, log) = try CatalogServer.start(arguments: ["--collections", "24", "--page-delay-ms", "30"])
        let files = try TemporaryDirectory("graph"), dataDir = try TemporaryDirectory("data")
        let graph = try files.write("catalogs.yaml", Self.graph(server, itemsPageSize: 2))
        let base = ["--json", "--no-renditions", "--data-dir", dataDir.path]
        // Each run is killed once the job has recorded 1 to 4 more pages (whatever the machine's
        // load, so every kill lands mid-collection), by a thread of its own that polls the store.
        var kills = 0, finished = false
        let databasePath = dataDir.file("engine.sqlite").path
        @Sendable func pagesRecorded() -> Int {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(5)
            guard FileManager.default.fileExists(atPath: databasePath),
                let database = try? DatabaseQueue(path: databasePath, configuration: configuration)
            else { return 0 }
            return (try? database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM job_events WHERE kind = 'page'") ?? 0 }) ?? 0
        }
        func hasJob() async throws -> Bool {
            guard FileManager.default.fileExists(atPath: databasePath) else { return false }
            return try await Command.engineAsync(["jobs", "list", "--json", "--data-dir", dataDir.path]).stdout.contains("\"id\"")
        }
        for _ in 0..<4 {
            let target = pagesRecorded() + Int.random(in: 1...4)
            let run = try EngineProcess(["run"] + base + (try await hasJob() ? ["--resume"] : ["--graph", graph, "catalog:square"]))
            Thread.detachNewThread {
                while run.isRunning, pagesRecorded() < target { usleep(5000) }
                run.signal(SIGKILL)
            }
            _ = try await run.wait()
            guard run.process.terminationReason == .uncaughtSignal else {
                finished = true
                break
            }
            kills += 1
        }
        #expect(kills >= 2, "the collection ended before the kills")
        if !finished {
            let final = try EngineProcess(["run"] + base + (try await hasJob() ? ["--resume"] : ["--graph", graph, "catalog:square"]))
            let status = try await final.wait()
            #expect(status == 0, "\(final.errors)")
        }

        let database = try DatabaseQueue(path: dataDir.file("engine.sqlite").path)
        // An item stored by a killed run before its outcome was written is skipped by the next
        // (the library holds it): stored either way, as the catalog says.
        let (keys, catalogItems, links) = try await database.read { db in
            (
                try String.fetchAll(db, sql: "SELECT item_key FROM job_items WHERE status IN ('succeeded', 'skipped')"),
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM items i WHERE EXISTS (SELECT 1 FROM item_assets ia JOIN file_assets a ON a.id = ia.asset_id
                            AND a.kind = 'original' JOIN file_locations l ON l.asset_id = a.id AND l.state = 'active' WHERE ia.item_id = i.id)
                        """)!,
                try Row.fetchAll(
                    db, sql: "SELECT co.locator, ci.position FROM collection_items ci JOIN collections co ON co.id = ci.collection_id")
            )
        }
        let expected = Self.expectedKeys("square", source: "square", collections: 1...24)
        #expect(Set(keys) == expected)
        #expect(keys.count == expected.count && catalogItems == expected.count)
        // Positions within each collection are 1…n, once each.
        let byCollection = Dictionary(grouping: links, by: { $0["locator"] as String }).mapValues { $0.map { $0["position"] as Int }.sorted() }
        #expect(byCollection.values.allSatisfy { $0 == Array(1...$0.count) }, "\(byCollection)")
        // Resumed where each input stopped: a page recorded before a kill is never fetched again;
        // only the page in flight at each kill may be (at most one per kill).
        let pages = try CatalogServer.requests(log).filter { $0.path.hasPrefix("/catalog/") }.map { "\($0.path)?\($0.query)" }
        let refetched = pages.count - Set(pages).count
        #expect(refetched <= kills, "\(refetched) page(s) fetched again after \(kills) kills")
    }
}
