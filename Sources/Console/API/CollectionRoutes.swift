import Engine
import Foundation
import Hummingbird

/// `/api/collections`: the catalog's collections with their status, filtered and paged; and
/// what can be done to a selection (or to everything the filter matches): download, adaptively
/// (`ingest` for collections never collected, `download_only` for incomplete ones, complete
/// ones skipped), and add to or remove from the wanted list.
enum CollectionRoutes {
    struct Selection: Decodable {
        var ids: [Int64]?
        var filter: FilterBody?
        var expected: Int?
        var wanted: Bool?
    }

    struct FilterBody: Decodable {
        var source: String?
        var kind: String?
        var status: String?
        var q: String?
        var wantedOnly: Bool?
    }

    static func filter(source: String?, kind: String?, status: String?, keyword: String?, wantedOnly: String?) throws -> CollectionFilter {
        var parsed: CollectionStatus?
        if let status, !status.isEmpty {
            guard let known = CollectionStatus(rawValue: status) else {
                throw HTTPError(
                    .badRequest, message: "status: one of \(CollectionStatus.allCases.map(\.rawValue).joined(separator: ", ")), not '\(status)'")
            }
            parsed = known
        }
        return CollectionFilter(
            source: source, kind: kind, status: parsed, keyword: keyword, wantedOnly: ["true", "1", "on", "yes"].contains(wantedOnly ?? ""))
    }

    static func filter(_ request: Request) throws -> CollectionFilter {
        let q = { ConsoleRoutes.query(request, $0) }
        return try filter(source: q("source"), kind: q("kind"), status: q("status"), keyword: q("q"), wantedOnly: q("wanted_only"))
    }

    static func add(to router: Router<BasicRequestContext>, _ backend: ConsoleBackend) {
        router.get("api/collections") { request, _ in
            let perPage = try ConsoleRoutes.queryInt(request, "per_page", default: 50, range: 1...1000)
            let page = try ConsoleRoutes.queryInt(request, "page", default: 1, range: 1...1_000_000)
            let result = try await backend.store.collections(try filter(request), limit: perPage, offset: (page - 1) * perPage)
            return ConsoleRoutes.json(.object([
                ("total", .int(Int64(result.total))), ("page", .int(Int64(page))), ("per_page", .int(Int64(perPage))),
                ("collections", .array(result.rows.map(\.json))), ("sources", .array(result.sources.map(JSONValue.string))),
            ]))
        }
        router.post("api/collections/download") { request, _ in
            let rows = try await selected(backend, try await ConsoleRoutes.body(request, as: Selection.self))
            return ConsoleRoutes.json(try await download(backend, rows))
        }
        router.post("api/collections/wanted") { request, _ in
            let body = try await ConsoleRoutes.body(request, as: Selection.self)
            guard let wanted = body.wanted else { throw HTTPError(.badRequest, message: "the request body: 'wanted' is missing") }
            let rows = try await selected(backend, body)
            let changed = try await backend.store.setWanted(collections: rows.map(\.id), wanted)
            return ConsoleRoutes.json(.object([("selected", .int(Int64(rows.count))), ("changed", .int(Int64(changed)))]))
        }
    }

    /// The collections a request names: its ids, or everything its filter matches (checked
    /// against the count the page showed).
    static func selected(_ backend: ConsoleBackend, _ body: Selection) async throws -> [CollectionRow] {
        if let ids = body.ids {
            let rows = try await backend.store.collections(ids: ids)
            if let missing = Set(ids).subtracting(rows.map(\.id)).sorted().first { throw HTTPError(.notFound, message: "no collection \(missing)") }
            return rows
        }
        guard let given = body.filter else { throw HTTPError(.badRequest, message: "the request body: give 'ids' or 'filter'") }
        let filter = try filter(source: given.source, kind: given.kind, status: given.status, keyword: given.q, wantedOnly: given.wantedOnly == true ? "true" : nil)
        let page = try await backend.store.collections(filter, limit: 1_000_000)
        if let expected = body.expected, expected != page.total {
            throw HTTPError(.conflict, message: "the filter matches \(page.total) collection(s) now, not \(expected): nothing was done")
        }
        return page.rows
    }

    /// One `ingest` job for the collections never collected, one `download_only` job for the
    /// incomplete ones; the rest are skipped, with the reason.
    static func download(_ backend: ConsoleBackend, _ rows: [CollectionRow]) async throws -> JSONValue {
        var collect: [CollectionRow] = []
        var fetch: [CollectionRow] = []
        var skipped: [JSONValue] = []
        for row in rows {
            switch row.status {
            case .notCollected: collect.append(row)
            case .notDownloaded, .partial: fetch.append(row)
            case .downloading, .downloaded:
                skipped.append(.object([
                    ("id", .int(row.id)), ("title", .string(row.title ?? Redaction.url(row.locator))),
                    ("reason", .string(row.status == .downloaded ? "every item is downloaded" : "a running job is downloading it")),
                ]))
            }
        }
        var jobs: [JSONValue] = []
        if !collect.isEmpty {
            let job = try await JobRoutes.launchOrExplain(backend, LaunchRequest(type: .ingest, inputs: collect.map(\.locator)))
            jobs.append(.object([("id", .int(job.id)), ("type", .string(job.type.rawValue)), ("collections", .array(collect.map { .int($0.id) }))]))
        }
        if !fetch.isEmpty {
            let job = try await JobRoutes.launchOrExplain(backend, LaunchRequest(type: .downloadOnly, collections: fetch.map(\.locator)))
            jobs.append(.object([("id", .int(job.id)), ("type", .string(job.type.rawValue)), ("collections", .array(fetch.map { .int($0.id) }))]))
        }
        return .object([("jobs", .array(jobs)), ("skipped", .array(skipped))])
    }
}
