internal import Engine
import Foundation
package import Hummingbird

/// The console's routes: the pages, `/healthz`, `/metrics`, the event stream and the JSON API
/// under `/api/` (errors as JSON with a message), behind sign-in and CSRF checks.
package enum ConsoleRoutes {
    package static func router(_ backend: ConsoleBackend) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: SecurityMiddleware(backend.security))
        router.add(middleware: JSONErrors())
        router.get("healthz") { _, _ in await health(backend) }
        router.get("api/dashboard") { _, _ in json(try await DashboardView.recent(backend).json) }
        router.get("api/session") { _, _ in
            json(.object([("csrf_token", .string(backend.security.csrfToken)), ("sign_in", .bool(backend.security.requiresSignIn))]))
        }
        router.get("metrics") { _, _ in
            guard let metrics = backend.metrics else { throw HTTPError(.notFound, message: "metrics are off") }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: try await metrics.scrape(backend))))
        }
        JobRoutes.add(to: router, backend)
        FailedRoutes.add(to: router, backend)
        CollectionRoutes.add(to: router, backend)
        ExportRoutes.add(to: router, backend)
        MaintenanceRoutes.add(to: router, backend)
        ItemRoutes.add(to: router, backend)
        EventRoutes.add(to: router, backend)
        PageRoutes.add(to: router, backend)
        return router
    }

    /// 200 when the runner runs (or is off by design) and the store answers; 503 otherwise.
    static func health(_ backend: ConsoleBackend) async -> Response {
        let runner = backend.runner()
        var store: String?  // nil: it answered
        do {
            _ = try await backend.store.jobs(limit: 1)
        } catch {
            store = "unreachable: \(Redaction.scrub("\(error)"))"
        }
        let healthy = runner.isHealthy && store == nil
        return json(
            .object([
                ("status", .string(healthy ? "ok" : "unhealthy")), ("runner", runnerJSON(runner)), ("store", .string(store ?? "ok")),
            ]), status: healthy ? .ok : .serviceUnavailable)
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

    /// A path parameter that must be a number (a job or collection id).
    static func id(_ context: BasicRequestContext, _ name: String = "id") throws -> Int64 {
        guard let id = context.parameters.get(name, as: Int64.self) else { throw HTTPError(.badRequest, message: "\(name): a number, please") }
        return id
    }

    /// A JSON body as `T`; an empty body is `empty`, a malformed one a 400 naming the problem.
    static func body<T: Decodable>(_ request: Request, as type: T.Type, empty: T? = nil) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        if buffer.readableBytes == 0, let empty { return empty }
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, message: "the request body: \(describe(error))")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case .dataCorrupted(let context): context.codingPath.isEmpty ? "not JSON" : "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' is invalid"
        @unknown default: "not readable"
        }
    }

    /// A query parameter, decoded as a form sends it (`+` is a space); empty values (`?kind=`)
    /// are unset.
    static func query(_ request: Request, _ name: String) -> String? {
        formValue(request.uri.query ?? "", name)
    }

    /// A value of `application/x-www-form-urlencoded` text (a query string or a form's body).
    static func formValue(_ encoded: String, _ name: String) -> String? {
        for pair in encoded.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == name[...], parts.count == 2 else { continue }
            let value = parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            return value.isEmpty ? nil : value
        }
        return nil
    }

    static func queryInt(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = query(request, name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw HTTPError(.badRequest, message: "\(name): a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }
}
