import Console
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// The Failed view's and the Collections page's API: filters, counts, retry on a selection or
/// a whole filter, adaptive downloads and the wanted list.
@Suite struct FailedAndCollectionRouteTests {
    @Test func failedItemsAreListedAcrossJobsFilteredAndCounted() async throws {
        let console = try ConsoleFixture()
        let first = try await console.job(["A", "B", "C"], failing: 2)
        let second = try await console.job(["D", "E"], collection: "/lists/b.m3u8", source: "feed", failing: 1, error: "connection reset", kind: .network)
        try await console.test { client in
            try await client.execute(uri: "/api/failed", method: .get) { response in
                let body = try json(response.body)
                #expect(body["total"] as? Int == 3)
                #expect(body["by_kind"] as? [String: Int] == ["http_4xx": 2, "network": 1] && body["by_source"] as? [String: Int] == ["web": 2, "feed": 1])
                let items = try #require(body["items"] as? [[String: Any]])
                #expect(Set(items.map { $0["job"] as? Int }) == [Int(first.id), Int(second.id)] && items.allSatisfy { $0["attempts"] as? Int == 1 })
            }
            for (query, total) in [("kind=network", 1), ("source=web", 2), ("job=\(first.id)", 2), ("kind=network&source=web", 0), ("kind=&source=", 3)] {
                try await client.execute(uri: "/api/failed?\(query)", method: .get) { response in
                    try #expect(json(response.body)["total"] as? Int == total, "\(query)")
                }
            }
            try await client.execute(uri: "/api/failed?job=x", method: .get) { response in #expect(response.status == .badRequest) }
            for refused: [String: Any] in [["ids": []], ["kind": "network"]] {
                try await client.execute(uri: "/api/failed/retry", method: .post, headers: console.csrf, body: try body(refused)) { response in
                    #expect(response.status == .badRequest, "an empty selection, or a filter without the count it showed: \(refused)")
                }
            }
        }
    }

    /// An item that failed in one job and succeeded in a later one is no failure any more.
    @Test func aFailureALaterJobSupersededIsNotListed() async throws {
        let console = try ConsoleFixture()
        try await console.job(["A", "B"], failing: 2)
        let later = try await console.job(["A"])
        for claimed in try await console.store.claim(jobID: later.id, holder: "test", limit: 1, leaseDuration: .seconds(60)) {
            try await console.store.settle(claimed.lease, .succeeded(bytes: 1))
        }
        let page = try await console.store.failedItems(FailedItemFilter(), limit: 10)
        #expect(page.total == 1 && page.items.map(\.title) == ["B"] && page.byKind.map(\.count) == [1])
    }

    /// Retry on the whole filter acts only when the filter still matches the count the page
    /// showed; a selection retries exactly what was picked.
    @Test func retryActsOnTheShownCountOrOnASelection() async throws {
        let console = try ConsoleFixture()
        let job = try await console.job(["A", "B", "C"], failing: 3)
        let failed = try await console.store.failedItems(FailedItemFilter(), limit: 10).items
        try await console.test { client in
            try await client.execute(
                uri: "/api/failed/retry", method: .post, headers: console.csrf, body: try body(["job": job.id, "expected": 2])
            ) { response in
                #expect(response.status == .conflict)
                try #expect((json(response.body)["error"] as? String)?.contains("matches 3 failed item(s) now, not 2") == true)
            }
            try #expect(await console.store.failedItems(FailedItemFilter(), limit: 10).total == 3, "nothing was retried")
            try await client.execute(
                uri: "/api/failed/retry", method: .post, headers: console.csrf,
                body: try body(["ids": [failed[0].id]])
            ) { response in
                let body = try json(response.body)
                #expect(body["selected"] as? Int == 1 && body["requeued"] as? Int == 1, "\(body)")
            }
            try #expect(await console.store.failedItems(FailedItemFilter(), limit: 10).items.map(\.itemKey) == failed.dropFirst().map(\.itemKey))
            try await client.execute(
                uri: "/api/failed/retry", method: .post, headers: console.csrf, body: try body(["kind": "http_4xx", "expected": 2])
            ) { response in
                try #expect(json(response.body)["requeued"] as? Int == 2)
            }
        }
        try #expect(await console.store.counters(jobID: job.id)[.pending] == 3)
    }

    @Test func collectionsShowTheirStatusFilteredAndPaged() async throws {
        let console = try ConsoleFixture()
        try await console.job(["A", "B"], collection: "/lists/partial.m3u8", collectionTitle: "Partial", ended: true)
        try await console.job(["C"], collection: "/lists/done.m3u8", collectionTitle: "Done", ended: true)
        let busy = try await console.job(["D"], collection: "/lists/none.m3u8", collectionTitle: "Nothing yet", source: "feed")
        try await store(console, remoteID: "/lists/partial.m3u8#0")
        try await store(console, remoteID: "/lists/done.m3u8#0")
        try await console.test { client in
            try await client.execute(uri: "/api/collections?wanted_only=&status=&q=&source=&kind=", method: .get) { response in
                #expect(response.status == .ok, "empty filter values are unset")
                let body = try json(response.body)
                let rows = try #require(body["collections"] as? [[String: Any]])
                #expect(rows.map { $0["title"] as? String } == ["Done", "Nothing yet", "Partial"])
                #expect(rows.map { $0["status"] as? String } == ["downloaded", "downloading", "partial"], "a queued job would download D")
                #expect(rows[2]["downloaded"] as? Int == 1 && rows[2]["total"] as? Int == 2)
                #expect(body["sources"] as? [String] == ["feed", "web"])
            }
            _ = try await JobSteering(store: console.store).cancel(busy.id)
            for (query, titles) in [
                ("status=not_downloaded", ["Nothing yet"]),
                ("status=partial", ["Partial"]), ("source=feed", ["Nothing yet"]), ("q=DON", ["Done"]), ("q=none.m3u", ["Nothing yet"]), ("q=nothing+yet", ["Nothing yet"]), ("q=%2Bx", []),
                ("per_page=2&page=2", ["Partial"]),
            ] {
                try await client.execute(uri: "/api/collections?\(query)", method: .get) { response in
                    try #expect((json(response.body)["collections"] as? [[String: Any]])?.map { $0["title"] as? String } == titles, "\(query)")
                }
            }
            try await client.execute(uri: "/api/collections?status=lost", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    /// Download is adaptive: incomplete collections get one `download_only` job, complete ones
    /// are skipped with the reason; the wanted list is set on a selection or a filter.
    @Test func downloadQueuesTheRightJobAndTheWantedListFollowsTheSelection() async throws {
        let console = try ConsoleFixture()
        try await console.job(["A", "B"], collection: "/lists/partial.m3u8", collectionTitle: "Partial", ended: true)
        try await console.job(["C"], collection: "/lists/done.m3u8", collectionTitle: "Done", ended: true)
        try await store(console, remoteID: "/lists/partial.m3u8#0")
        try await store(console, remoteID: "/lists/done.m3u8#0")
        let ids = try await console.store.collections(CollectionFilter(), limit: 10).rows.map(\.id)
        let before = try await console.store.jobs(limit: 10).count
        try await console.test { client in
            try await client.execute(uri: "/api/collections/download", method: .post, headers: console.csrf, body: try body(["ids": ids])) { response in
                let body = try json(response.body)
                let jobs = try #require(body["jobs"] as? [[String: Any]])
                #expect(jobs.count == 1 && jobs[0]["type"] as? String == "download_only", "\(body)")
                #expect((body["skipped"] as? [[String: Any]])?.map { $0["reason"] as? String } == ["every item is downloaded"])
            }
            try await client.execute(uri: "/api/collections/download", method: .post, headers: console.csrf, body: try body(["ids": [999]])) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(
                uri: "/api/collections/wanted", method: .post, headers: console.csrf,
                body: try body(["filter": ["status": "partial"], "expected": 1, "wanted": true])
            ) { response in
                try #expect(json(response.body)["changed"] as? Int == 1)
            }
            try await client.execute(uri: "/api/collections?wanted_only=true", method: .get) { response in
                try #expect((json(response.body)["collections"] as? [[String: Any]])?.map { $0["title"] as? String } == ["Partial"])
            }
        }
        let jobs = try await console.store.jobs(limit: 10)
        #expect(jobs.count == before + 1 && jobs[0].scope.collections == ["/lists/partial.m3u8"])
    }

    /// Records an active original on the library for the catalog item `web:remoteID`.
    func store(_ console: ConsoleFixture, remoteID: String) async throws {
        let entry = try await console.store.upsertItem(MediaItem(source: "web", remoteID: remoteID, title: "x", url: "http://x/"))
        _ = try await console.store.recordOriginal(
            itemID: entry.itemID, sha256: String(repeating: "\(entry.itemID % 10)", count: 64), size: 1, format: "mp3", backend: "library",
            locator: "web/\(entry.itemID).mp3", description: nil, lease: nil)
    }
}
