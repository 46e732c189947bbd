public import Engine
import Foundation
public import Hummingbird

/// The console's routes: `/healthz` (runner alive, store reachable) and the JSON API under
/// `/api/`, errors as JSON with a message.
public enum ConsoleRoutes {
    public static func router(_ backend: ConsoleBackend) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: JSONErrors())
        router.get("healthz") { _, _ in await health(backend) }
        router.get("api/dashboard") { _, _ in try await dashboard(backend) }
        let steering = JobSteering(store: backend.store)
        router.post("api/jobs/:id/pause") { request, context in
            try await steer(context, steering) { try await $0.pause($1, immediate: request.uri.queryParameters.get("immediate") == "true") }
        }
        router.post("api/jobs/:id/resume") { _, context in try await steer(context, steering) { try await $0.resume($1) } }
        router.post("api/jobs/:id/cancel") { _, context in try await steer(context, steering) { try await $0.cancel($1) } }
        return router
    }

    /// A job command: 202 when the job's runner got it, 200 with the job's new state when the
    /// store changed it; an unknown job is 404, a state that forbids it 409.
    static func steer(
        _ context: BasicRequestContext, _ steering: JobSteering, _ action: (JobSteering, Int64) async throws -> JobSteering.Outcome
    ) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.badRequest, message: "a job id is a number") }
        do {
            switch try await action(steering, id) {
            case .sentToRunner:
                return json(.object([("job", .int(id)), ("sent_to_runner", .bool(true))]), status: .accepted)
            case .changed(let status):
                return json(.object([("job", .int(id)), ("status", .string(status.rawValue))]))
            }
        } catch let error as JobSteeringError {
            switch error {
            case .notFound: throw HTTPError(.notFound, message: error.description)
            case .illegal: throw HTTPError(.conflict, message: error.description)
            }
        }
    }

    /// 200 when the runner runs (or is off by design) and the store answers; 503 otherwise.
    static func health(_ backend: ConsoleBackend) async -> Response {
        let runner = backend.runner()
        var store: String?  // nil: it answered
        do {
            _ = try await backend.store.jobs(limit: 1)
        } catch {
            store = "unreachable: \(error)"
        }
        let healthy = runner.isHealthy && store == nil
        return json(
            .object([
                ("status", .string(healthy ? "ok" : "unhealthy")), ("runner", runnerJSON(runner)), ("store", .string(store ?? "ok")),
            ]), status: healthy ? .ok : .serviceUnavailable)
    }

    /// The runner, the newest jobs with their counters, the active one, and the free space of
    /// the library and temp volumes.
    static func dashboard(_ backend: ConsoleBackend) async throws -> Response {
        var jobs: [JSONValue] = []
        var active: Int64?
        for job in try await backend.store.jobs(limit: 20) {
            jobs.append(job.json(counters: try await backend.store.counters(jobID: job.id)))
            if active == nil, [.running, .pauseRequested].contains(job.status) { active = job.id }
        }
        func free(_ folder: URL) -> JSONValue {
            var existing = folder
            while !FileManager.default.fileExists(atPath: existing.path), existing.path != "/" { existing.deleteLastPathComponent() }
            return (try? DiskBudget.statvfsFree(existing.path)).map { JSONValue.int($0) } ?? .null
        }
        return json(.object([
            ("runner", runnerJSON(backend.runner())), ("active_job", active.map { .int($0) } ?? .null), ("jobs", .array(jobs)),
            ("free_bytes", .object([("library", free(backend.directory.library)), ("temp", free(backend.directory.temporary))])),
        ]))
    }

    static func runnerJSON(_ runner: RunnerStatus) -> JSONValue {
        .object([
            ("state", .string(runner.state.rawValue)), ("restarts", .int(Int64(runner.restarts))),
            ("last_error", runner.lastError.map { .string(Redaction.scrub($0)) } ?? .null),
        ])
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: value.serialized(pretty: false))))
    }
}
