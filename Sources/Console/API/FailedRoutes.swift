import Engine
import Foundation
import Hummingbird

/// `/api/failed`: failed items across jobs (or of one), filtered by error kind and source,
/// and retry on a selection or on the whole filter.
enum FailedRoutes {
    struct Retry: Decodable {
        /// A selection (job item ids); or else the filter below, all of it.
        var ids: [Int64]?
        var job: Int64?
        var kind: String?
        var source: String?
        /// The count the page showed for the filter: when it no longer matches, nothing is
        /// retried (409) and the new count is said.
        var expected: Int?
    }

    static let retryLimit = 100_000

    static func filter(_ request: Request) throws -> FailedItemFilter {
        var job: Int64?
        if let text = ConsoleRoutes.query(request, "job") {
            guard let id = Int64(text) else { throw HTTPError(.badRequest, message: "job: a number, please") }
            job = id
        }
        return FailedItemFilter(jobID: job, kind: ConsoleRoutes.query(request, "kind"), source: ConsoleRoutes.query(request, "source"))
    }

    static func add(to router: Router<BasicRequestContext>, _ backend: ConsoleBackend) {
        router.get("api/failed") { request, _ in
            let page = try await backend.store.failedItems(
                try filter(request), limit: try ConsoleRoutes.queryInt(request, "limit", default: 100, range: 1...1000),
                offset: try ConsoleRoutes.queryInt(request, "offset", default: 0, range: 0...Int(Int32.max)))
            return ConsoleRoutes.json(json(page))
        }
        router.post("api/failed/retry") { request, _ in
            let body = try await ConsoleRoutes.body(request, as: Retry.self)
            var byJob: [Int64: [String]] = [:]
            if let ids = body.ids {
                guard !ids.isEmpty else { throw HTTPError(.badRequest, message: "ids: give at least one") }
                let found = try await backend.store.jobItemKeys(ids: ids)
                guard found.count == Set(ids).count else { throw HTTPError(.notFound, message: "no job item with one of these ids") }
                for item in found { byJob[item.jobID, default: []].append(item.itemKey) }
            } else {
                guard let expected = body.expected else {
                    throw HTTPError(.badRequest, message: "expected: the count of failed items the filter showed (nothing is retried blind)")
                }
                let page = try await backend.store.failedItems(
                    FailedItemFilter(jobID: body.job, kind: body.kind, source: body.source), limit: Self.retryLimit)
                if expected != page.total {
                    throw HTTPError(.conflict, message: "the filter matches \(page.total) failed item(s) now, not \(expected): nothing was retried")
                }
                if page.total > Self.retryLimit {
                    throw HTTPError(.badRequest, message: "the filter matches \(page.total) failed items: narrow it to \(Self.retryLimit) at most")
                }
                for item in page.items { byJob[item.jobID, default: []].append(item.itemKey) }
            }
            // Every job first: an unknown one refuses the whole request, before anything changed.
            for job in byJob.keys where try await backend.store.job(job) == nil { throw HTTPError(.notFound, message: "no job \(job)") }
            let steering = JobSteering(store: backend.store)
            var requeued = 0
            var sent: [JSONValue] = []
            var queued: [JSONValue] = []
            for (job, keys) in byJob.sorted(by: { $0.key < $1.key }) {
                do {
                    switch try await steering.retry(job, keys: keys, force: false) {
                    case .sentToRunner: sent.append(.int(job))
                    case .requeued(let items, let jobQueued):
                        requeued += items
                        if jobQueued { queued.append(.int(job)) }
                    }
                } catch let error as JobSteeringError {
                    throw error.httpError
                }
            }
            return ConsoleRoutes.json(.object([
                ("selected", .int(Int64(byJob.values.map(\.count).reduce(0, +)))), ("requeued", .int(Int64(requeued))),
                ("sent_to_runner", .array(sent)), ("jobs_queued", .array(queued)),
            ]))
        }
    }

    static func json(_ page: FailedItemsPage) -> JSONValue {
        .object([
            ("total", .int(Int64(page.total))), ("items", .array(page.items.map(\.json))),
            ("by_kind", .object(page.byKind.map { ($0.name, JSONValue.int(Int64($0.count))) })),
            ("by_source", .object(page.bySource.map { ($0.name, JSONValue.int(Int64($0.count))) })),
        ])
    }
}
