import Engine
import Foundation
import Hummingbird

/// `/api/jobs`: list, show, launch, and the job commands (pause, resume, cancel, retry).
enum JobRoutes {
    struct Launch: Decodable {
        var type: String
        var inputs: [String]?
        var sources: [String]?
        var collections: [String]?
        var limit: Int?
        var renditions: Bool?
        var graph: String?
    }

    struct Retry: Decodable {
        /// Item keys (as `jobs show` lists them) or job item ids (as the pages give them).
        var items: [String]?
        var ids: [Int64]?
        var force: Bool?
    }

    static func add(to router: Router<BasicRequestContext>, _ backend: ConsoleBackend) {
        let store = backend.store
        router.get("api/jobs") { request, _ in
            let limit = try ConsoleRoutes.queryInt(request, "limit", default: 50, range: 1...1000)
            var rows: [JSONValue] = []
            for job in try await store.jobs(limit: limit) { rows.append(job.json(counters: try await store.counters(jobID: job.id))) }
            return ConsoleRoutes.json(.array(rows))
        }
        router.get("api/jobs/:id") { _, context in
            let id = try ConsoleRoutes.id(context)
            guard let view = try await JobView.recent(backend, id: id) else { throw HTTPError(.notFound, message: "no job \(id)") }
            return ConsoleRoutes.json(view.json)
        }
        router.get("api/jobs/:id/items") { request, context in
            ConsoleRoutes.json(.array(try await items(store, id: try ConsoleRoutes.id(context), request: request).map(\.json)))
        }
        router.post("api/jobs") { request, _ in
            let body = try await ConsoleRoutes.body(request, as: Launch.self)
            guard let type = JobType(rawValue: body.type) else {
                throw HTTPError(.badRequest, message: "unknown job type '\(body.type)' (known: \(JobType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let launch = LaunchRequest(
                type: type, inputs: clean(body.inputs), sources: clean(body.sources), collections: clean(body.collections), limit: body.limit,
                renditions: body.renditions ?? true, graph: body.graph.flatMap { $0.isEmpty ? nil : $0 })
            let job = try await launchOrExplain(backend, launch)
            return ConsoleRoutes.json(job.json(counters: JobCounters()), status: .created)
        }
        let steering = JobSteering(store: store)
        router.post("api/jobs/:id/pause") { request, context in
            try await steer(context, steering) { try await $0.pause($1, immediate: ConsoleRoutes.query(request, "immediate") == "true") }
        }
        router.post("api/jobs/:id/resume") { _, context in try await steer(context, steering) { try await $0.resume($1) } }
        router.post("api/jobs/:id/cancel") { _, context in try await steer(context, steering) { try await $0.cancel($1) } }
        router.post("api/jobs/:id/retry") { request, context in
            let id = try ConsoleRoutes.id(context)
            // The items as a JSON body (`{"items": [KEY...]}` or `{"ids": [N...]}`, `"force": true`)
            // or one as `?item=KEY` or `?id=N` (`&force=true`).
            let body = try await ConsoleRoutes.body(request, as: Retry.self, empty: Retry())
            for name in ["item", "id"] where request.uri.query?.split(separator: "&").contains(where: { $0 == "\(name)=" || $0 == name[...] }) == true {
                throw HTTPError(.badRequest, message: "\(name): empty (leave it out to retry every failed item)")
            }
            var keys = body.items ?? ConsoleRoutes.query(request, "item").map { [$0] }
            if let ids = try body.ids ?? ConsoleRoutes.query(request, "id").map({ text -> [Int64] in
                guard let id = Int64(text) else { throw HTTPError(.badRequest, message: "id: a number, please") }
                return [id]
            }) {
                let found = try await store.jobItemKeys(ids: ids).filter { $0.jobID == id }
                guard found.count == Set(ids).count else { throw HTTPError(.notFound, message: "job \(id) has no item with one of these ids") }
                keys = (keys ?? []) + found.map(\.itemKey)
            }
            if keys?.isEmpty == true { throw HTTPError(.badRequest, message: "items: give at least one, or leave it out for every failed item") }
            return try await retry(steering, id, keys: keys, force: body.force ?? (ConsoleRoutes.query(request, "force") == "true"))
        }
    }

    /// The job's items of its collection number `?collection=N` (its `index` in the job's
    /// collections: a locator may carry credentials, so pages and the API never echo it).
    static func items(_ store: any EngineStore, id: Int64, request: Request) async throws -> [JobItemRow] {
        guard try await store.job(id) != nil else { throw HTTPError(.notFound, message: "no job \(id)") }
        let collections = try await store.jobCollections(jobID: id)
        guard ConsoleRoutes.query(request, "collection") != nil else {
            throw HTTPError(.badRequest, message: "collection: its index among the job's collections, please")
        }
        let index = try ConsoleRoutes.queryInt(request, "collection", default: 0, range: 0...Int(Int32.max))
        guard index < collections.count else { throw HTTPError(.notFound, message: "job \(id) has no collection \(index)") }
        let limit = try ConsoleRoutes.queryInt(request, "limit", default: 1000, range: 1...10000)
        return try await store.jobItems(jobID: id, collection: collections[index].locator, limit: limit)
    }

    /// Trimmed, without empty lines (a form's text area gives one input a line).
    static func clean(_ values: [String]?) -> [String] {
        (values ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func launchOrExplain(_ backend: ConsoleBackend, _ launch: LaunchRequest) async throws -> JobRecord {
        do {
            return try await backend.launch(launch)
        } catch let error as LaunchError {
            throw HTTPError(.badRequest, message: error.description)
        }
    }

    static func retry(_ steering: JobSteering, _ id: Int64, keys: [String]?, force: Bool) async throws -> Response {
        do {
            switch try await steering.retry(id, keys: keys, force: force) {
            case .sentToRunner:
                return ConsoleRoutes.json(.object([("job", .int(id)), ("sent_to_runner", .bool(true))]), status: .accepted)
            case .requeued(let items, let queued):
                return ConsoleRoutes.json(.object([("job", .int(id)), ("requeued", .int(Int64(items))), ("job_queued", .bool(queued))]))
            }
        } catch let error as JobSteeringError {
            throw error.httpError
        }
    }

    /// A job command: 202 when the job's runner got it, 200 with the job's new state when the
    /// store changed it; an unknown job is 404, a state that forbids it 409.
    static func steer(
        _ context: BasicRequestContext, _ steering: JobSteering, _ action: (JobSteering, Int64) async throws -> JobSteering.Outcome
    ) async throws -> Response {
        let id = try ConsoleRoutes.id(context)
        do {
            switch try await action(steering, id) {
            case .sentToRunner:
                return ConsoleRoutes.json(.object([("job", .int(id)), ("sent_to_runner", .bool(true))]), status: .accepted)
            case .changed(let status):
                return ConsoleRoutes.json(.object([("job", .int(id)), ("status", .string(status.rawValue))]))
            }
        } catch let error as JobSteeringError {
            throw error.httpError
        }
    }
}

extension JobSteeringError {
    var httpError: HTTPError {
        switch self {
        case .notFound: HTTPError(.notFound, message: description)
        case .illegal: HTTPError(.conflict, message: description)
        }
    }
}
